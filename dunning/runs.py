"""A run's folder on disk: its stored proposal and approval, the journal, the manifest.

The journal is append-only and flushed to disk before and after every push, so that a
retry after a crash knows what an earlier attempt already did (see docs/RULES.md, commit).
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from dunning.errors import DunningError
from dunning.outcome import ERRORS_LOG, Outcome, Result
from dunning.shelf import Shelf

__all__ = [
    "RunFolder",
    "RunNotFound",
    "StoredItems",
    "WrittenWhole",
    "list_runs",
    "result_to_event",
    "RUN_ID_PATTERN",
]

RUN_ID_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}-[0-9a-f]{8}$")


class RunNotFound(DunningError, LookupError):
    """No run with that id exists in the output folder."""


class WrittenWhole(ValueError):
    """A file `json_items` cannot read one item at a time: `save_json` wrote it whole."""


def result_to_event(result: Result) -> dict[str, Any]:
    return {
        "event": "result",
        "invoice_id": result.invoice_id,
        "outcome": result.outcome.value,
        "reminder_id": result.reminder_id,
        "api_deadline": result.api_deadline.isoformat() if result.api_deadline else None,
        "api_date": result.api_date.isoformat() if result.api_date else None,
        "note": result.note,
        "error": result.error,
    }


def _result_from_event(e: dict[str, Any]) -> Result:
    deadline, made = e.get("api_deadline"), e.get("api_date")
    return Result(
        invoice_id=e["invoice_id"],
        outcome=Outcome(e["outcome"]),
        reminder_id=e.get("reminder_id"),
        api_deadline=date.fromisoformat(deadline) if deadline else None,
        api_date=date.fromisoformat(made) if made else None,
        note=e.get("note"),
        error=e.get("error"),
    )


_journal_guard = threading.Lock()


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def _event(raw: bytes) -> dict[str, Any] | None:
    """A journal line's event, or None for a line cut short."""
    if not raw.endswith(b"\n"):
        return None
    try:
        event = json.loads(raw.decode("utf-8"))
    except ValueError:  # bad JSON or a character cut in half (UnicodeDecodeError)
        return None
    return event if isinstance(event, dict) and "event" in event else None


@dataclass(frozen=True)
class RunFolder:
    """`<output>/<run_id>/` with its files."""

    path: Path

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def letters_dir(self) -> Path:
        return self.path / "letters"

    @property
    def merged_pdf(self) -> Path:
        return self.path / "letters.pdf"

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def journal_path(self) -> Path:
        return self.path / "journal.jsonl"

    @property
    def errors_log(self) -> Path:
        return self.path / ERRORS_LOG

    @classmethod
    def create(
        cls,
        output: Path,
        run_id: str,
        first: Mapping[str, Any] | None = None,
        hold: Callable[[Path], None] = lambda path: None,
    ) -> RunFolder:
        """A new run's folder holding the `first` files (JSON data, or bytes kept as they are).

        The folder appears under its name only with those files in it, so a crash in the
        first instant never leaves a run that cannot be retried. `hold` is called with the
        folder before it gets its name, so a lock taken there is held from the first instant.
        """
        if not RUN_ID_PATTERN.match(run_id):
            raise ValueError(f"not a run id: {run_id!r}")
        folder = cls(output / run_id)
        if folder.path.is_dir():
            hold(folder.path)
            folder.letters_dir.mkdir(exist_ok=True)
            return folder
        draft = cls(output / f".{run_id}.{uuid.uuid4().hex[:8]}.partial")
        draft.letters_dir.mkdir(parents=True)
        hold(draft.path)
        for name, data in (first or {}).items():
            if isinstance(data, bytes):
                (draft.path / name).parent.mkdir(parents=True, exist_ok=True)
                (draft.path / name).write_bytes(data)
            else:
                draft.save_json(name, data)
        os.rename(draft.path, folder.path)
        return folder

    @classmethod
    def open(cls, output: Path, run_id: str) -> RunFolder:
        folder = cls(output / run_id)
        if not RUN_ID_PATTERN.match(run_id) or not folder.path.is_dir():
            raise RunNotFound(f"there is no run {run_id!r} in {output}")
        return folder

    def save_json(self, name: str, data: Any) -> Path:
        """Write atomically: a reader never sees half a file."""
        target = self.path / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return target

    def save_json_items(
        self, name: str, head: Mapping[str, Any], key: str, items: Iterable[Any]
    ) -> Path:
        """Write `{**head, key: [*items]}` as `save_json` does, one item a line (and the
        key's line not indented), taking the items one at a time: neither this nor
        `json_items` holds them all at once."""
        return self.save_json_lines(
            name, head, key, (json.dumps(item, ensure_ascii=False) for item in items)
        )

    def save_json_lines(
        self, name: str, head: Mapping[str, Any], key: str, lines: Iterable[str]
    ) -> Path:
        """`save_json_items` of items already written as JSON, one a line."""
        target = self.path / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            opening = json.dumps(dict(head), ensure_ascii=False, indent=1)[:-2] + ","
            fh.write(f"{opening if head else '{'}\n{json.dumps(key)}: [")
            first = True
            for line in lines:
                fh.write("\n" if first else ",\n")
                fh.write(line)
                first = False
            fh.write("\n]\n}")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return target

    def json_items(self, name: str, key: str) -> Iterator[Any]:
        """The items under `key` of a file `save_json_items` wrote, one at a time; a
        `WrittenWhole` if `save_json` wrote it (then load it whole)."""
        with (self.path / name).open(encoding="utf-8") as fh:
            _skip_head(fh, key)
            for line in fh:
                text = line.rstrip("\n")
                if text == "]":
                    return
                yield json.loads(text.removesuffix(","))

    def json_head(self, name: str, key: str) -> dict[str, Any] | None:
        """Everything but the items under `key` of a JSON object file (None if there is
        none), without reading the items when `save_json_items` wrote it."""
        try:
            with (self.path / name).open(encoding="utf-8") as fh:
                head = _skip_head(fh, key)
        except FileNotFoundError:
            return None
        except WrittenWhole:
            data = self.load_json(name)
            return {k: v for k, v in data.items() if k != key} if data is not None else None
        return dict(json.loads(head.removesuffix(",") + "}" if head != "{" else "{}"))

    def load_json(self, name: str) -> Any | None:
        target = self.path / name
        if not target.exists():
            return None
        return json.loads(target.read_text(encoding="utf-8"))

    def journal(self, event: dict[str, Any]) -> None:
        """Append one event as one line, on disk before this returns.

        A line cut short (power loss, a full disk) is ended first, so the new event never
        joins it and the reader can tell the cut line apart."""
        line = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8")
        with _journal_guard:  # deliveries journal from two threads
            fd = os.open(self.journal_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line
                _write_all(fd, line)
                os.fsync(fd)
            except OSError as exc:  # e.g. a full disk: say which file could not be written
                raise OSError(exc.errno, exc.strerror, str(self.journal_path)) from exc
            finally:
                os.close(fd)

    def log_internal_error(self, result: Result) -> None:
        """Append the traceback of a bug of ours to errors.log, which its error asks the
        user to report."""
        with self.errors_log.open("a", encoding="utf-8") as fh:
            fh.write(f"invoice {result.invoice_id}: {result.error}\n{result.traceback}\n")

    def events(self) -> Iterator[dict[str, Any]]:
        """Every event in order. A line cut short by a crash, a power loss or a full disk
        (unfinished, or not a whole JSON object) is passed over: a cut intent's push never
        started (a push waits until its intent is on disk), and what a cut result or `sent`
        noted, the retry finds in bexio (docs/RULES.md, commit and delivery)."""
        if not self.journal_path.exists():
            return
        with self.journal_path.open("rb") as fh:
            for raw in fh:
                event = _event(raw)
                if event is not None:
                    yield event

    def results(self) -> MutableMapping[int, Result]:
        """The latest recorded result per invoice, on a shelf: a large run holds none of
        them (each is read back when asked for)."""
        return Shelf(
            (e["invoice_id"], _result_from_event(e))
            for e in self.events()
            if e["event"] == "result"
        )

    def sent(self) -> set[int]:
        return {e["invoice_id"] for e in self.events() if e["event"] == "sent"}


@dataclass(frozen=True)
class StoredItems:
    """The items under `key` of a file `save_json_items` wrote in `folder`, read anew from
    the file on every pass over them."""

    folder: RunFolder
    name: str
    key: str

    def __iter__(self) -> Iterator[Any]:
        return self.folder.json_items(self.name, self.key)


def _skip_head(lines: Iterable[str], key: str) -> str:
    """Read a file `save_json_items` wrote up to its items under `key`; what came before."""
    opening = f"{json.dumps(key)}: ["  # unindented: `save_json` indents its keys
    head: list[str] = []
    for line in lines:
        if line.rstrip("\n") == opening:
            return "".join(head).rstrip("\n")
        head.append(line)
    raise WrittenWhole(f"no items {key!r} one a line")


def _undo_status(folder: Path) -> str | None:
    """`undone` or `partly_undone` after `dunning undo --yes`, from the run's `undo.json`."""
    try:
        status = json.loads((folder / "undo.json").read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError, AttributeError):
        return None
    return status if status in ("undone", "partly_undone") else None


def list_runs(output: Path) -> list[dict[str, Any]]:
    """Every run's manifest in the output folder, newest first; `undo` is added, the
    status of its last undo, to a run that was undone."""
    runs = []
    if output.is_dir():
        for child in output.iterdir():
            manifest = child / "manifest.json"
            if RUN_ID_PATTERN.match(child.name) and manifest.exists():
                try:
                    record = json.loads(manifest.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if undo := _undo_status(child):
                    record["undo"] = undo
                runs.append(record)
    return sorted(runs, key=lambda m: m.get("started_at") or "", reverse=True)
