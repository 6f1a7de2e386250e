"""Holds: blocks the tool keeps itself, beside the runs, each ending on its own date.

An approver holds an invoice or a customer from the approval form ("promised to pay by
15.12."), or a bookkeeper with `dunning holds add`. A hold is a block with an id, an end
date and where it came from; runs read it like the blocks file (docs/RULES.md "Blocks"),
so a held invoice is BLOCKED until its date and the ended hold is reported as expired.

The file is `holds.json` in the output folder (docs/INTERFACES.md "Holds file"). It is
written under a temporary name and renamed, under an operating-system lock, so that a
run and a command adding holds at the same time both keep theirs.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dunning.blocks import Block
from dunning.file_checks import FileError, Problems

__all__ = [
    "HOLDS_FILE",
    "MAX_HOLD_DAYS",
    "REASON_LIMIT",
    "Hold",
    "HoldsError",
    "add_holds",
    "end_hold",
    "holds_as_blocks",
    "load_holds",
    "until_problem",
]

HOLDS_FILE = "holds.json"
SCHEMA = "dunning-holds/1"
# A hold is a promise with a date; one further off than about half a year is a block.
MAX_HOLD_DAYS = 180
REASON_LIMIT = 500
_MAX_ID = 2**63 - 1


class HoldsError(FileError):
    """The holds file cannot be read or is damaged; `str()` says where and why."""


@dataclass(frozen=True)
class Hold:
    """One invoice, or every invoice of one contact, held until `until` (the last day)."""

    id: int
    until: date
    reason: str
    invoice_id: int | None = None
    contact_id: int | None = None
    created_at: str = ""
    source: str = ""  # "dunning holds add", or "approval of run <run id>"

    @property
    def target(self) -> str:
        if self.invoice_id is not None:
            return f"invoice {self.invoice_id}"
        return f"contact {self.contact_id}"

    def as_block(self) -> Block:
        return Block(
            reason=f"hold {self.id} until {self.until:%d.%m.%Y}: {self.reason}",
            invoice_id=self.invoice_id,
            contact_id=self.contact_id,
            until=self.until,
            hold_id=self.id,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "invoice_id": self.invoice_id,
            "contact_id": self.contact_id,
            "until": self.until.isoformat(),
            "reason": self.reason,
            "created_at": self.created_at,
            "source": self.source,
        }


def until_problem(until: date, today: date) -> str | None:
    """Why a hold cannot end on `until` when it starts on `today`, or None: it must end
    after `today` and at most MAX_HOLD_DAYS later."""
    if until <= today:
        return (
            f"the hold's date {until.isoformat()} is not after {today.isoformat()}; a hold "
            "lasts until a day still to come (the last day it holds)"
        )
    if until > today + timedelta(days=MAX_HOLD_DAYS):
        return (
            f"the hold's date {until.isoformat()} is more than {MAX_HOLD_DAYS} days after "
            f"{today.isoformat()}; hold for at most {MAX_HOLD_DAYS} days (a longer one "
            "belongs in the blocks file)"
        )
    return None


def reason_problem(reason: str) -> str | None:
    if not reason.strip():
        return "a hold needs a reason, e.g. 'promised to pay by 15.12.'"
    if len(reason) > REASON_LIMIT:
        return f"the reason has {len(reason)} characters; at most {REASON_LIMIT} are kept"
    return None


def load_holds(output: Path) -> tuple[Hold, ...]:
    """The holds kept in `output`, in the order of their ids; none when there is no file."""
    return tuple(_read(output / HOLDS_FILE)[1])


def holds_as_blocks(holds: Iterable[Hold]) -> tuple[Block, ...]:
    return tuple(hold.as_block() for hold in holds)


def add_holds(output: Path, new: Sequence[Hold], today: date) -> list[Hold]:
    """Keep `new` (their ids are given here) and answer them as kept. A hold for an
    invoice or contact with a hold still running on `today` is refused (HoldsError);
    an ended one for the same target is replaced. A hold equal to one kept already (the
    same target, date, reason and source: a retry) is not kept twice."""
    with _locked(output) as (next_id, holds):
        kept: list[Hold] = []
        for hold in new:
            same = [h for h in holds if h.target == hold.target]
            twin = next((h for h in same if _same(h, hold)), None)
            if twin is not None:
                kept.append(twin)
                continue
            running = [h for h in same if h.until >= today]
            if running:
                raise HoldsError(str(output / HOLDS_FILE), [("", _already(running[0]))])
            holds[:] = [h for h in holds if h.target != hold.target]
            kept.append(replace(hold, id=next_id))
            holds.append(kept[-1])
            next_id += 1
        _write(output / HOLDS_FILE, next_id, holds)
    return kept


def end_hold(output: Path, hold_id: int) -> Hold | None:
    """Remove the hold with that id; the hold removed, or None when there is none."""
    with _locked(output) as (next_id, holds):
        found = next((h for h in holds if h.id == hold_id), None)
        if found is not None:
            holds.remove(found)
            _write(output / HOLDS_FILE, next_id, holds)
    return found


def _already(hold: Hold) -> str:
    return (
        f"{hold.target} is already held by hold {hold.id} until {hold.until.isoformat()} "
        f"({hold.reason}); end it first with `dunning holds end {hold.id}`"
    )


def _same(a: Hold, b: Hold) -> bool:
    return (a.target, a.until, a.reason, a.source) == (b.target, b.until, b.reason, b.source)


@contextmanager
def _locked(output: Path) -> Iterator[tuple[int, list[Hold]]]:
    """The file's contents under its lock (`.holds.lock`), for a change that writes it."""
    output.mkdir(parents=True, exist_ok=True)
    with (output / ".holds.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield _read(output / HOLDS_FILE)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, next_id: int, holds: Sequence[Hold]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    body = {"schema": SCHEMA, "next_id": next_id, "holds": [h.to_dict() for h in holds]}
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(body, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read(path: Path) -> tuple[int, list[Hold]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 1, []
    except OSError as exc:
        raise HoldsError(str(path), [("", f"cannot be read ({exc.strerror})")]) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise HoldsError(
            str(path), [("", f"is not the JSON the tool writes ({exc}); restore it from a backup")]
        ) from None
    problems = Problems(str(path))
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        problems.add("schema", f"must be {SCHEMA!r}; this is not a holds file of this tool")
        problems.raise_if_any(HoldsError)
    entries = document.get("holds")
    if not isinstance(entries, list):
        problems.add("holds", "must be a list")
        entries = []
    holds = [h for n, e in enumerate(entries, 1) if (h := _hold(e, f"holds[{n}]", problems))]
    next_id = problems.whole(document.get("next_id"), "next_id", 1, _MAX_ID)
    problems.raise_if_any(HoldsError)
    return max([next_id or 1, *(h.id + 1 for h in holds)]), holds


def _hold(entry: Any, path: str, problems: Problems) -> Hold | None:
    keys = ("id", "invoice_id", "contact_id", "until", "reason", "created_at", "source")
    table = problems.table(entry, path, keys, required=("id", "until", "reason"))
    if table is None:
        return None
    ids = {
        key: problems.whole(table[key], f"{path}.{key}", 1, _MAX_ID)
        for key in ("invoice_id", "contact_id")
        if table.get(key) is not None
    }
    if len(ids) != 1:
        problems.add(path, "must name exactly one of invoice_id or contact_id")
        return None
    hold_id = problems.whole(table["id"], f"{path}.id", 1, _MAX_ID)
    until = problems.day(table["until"], f"{path}.until")
    reason = problems.text(table["reason"], f"{path}.reason")
    if hold_id is None or until is None or reason is None or None in ids.values():
        return None
    return Hold(
        id=hold_id,
        until=until,
        reason=reason,
        created_at=str(table.get("created_at") or ""),
        source=str(table.get("source") or ""),
        **ids,
    )
