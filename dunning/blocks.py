"""Blocks: invoices or contacts kept out of dunning, read from the blocks file (TOML).

A block names one invoice or one contact, says why, and may end on a date. The format is
in docs/INTERFACES.md; mistakes are reported like those of the policy file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from dunning.file_checks import FileError, Problems, parse_toml, read_file

__all__ = ["Block", "BlocksError", "load_blocks", "parse_blocks"]

_KEYS = ("invoice_id", "contact_id", "reason", "until")
_MAX_ID = 2**63 - 1


class BlocksError(FileError):
    """The blocks file is missing, unreadable or wrong; `str()` says where and why."""


@dataclass(frozen=True)
class Block:
    """Keeps one invoice, or every invoice of one contact, out of dunning."""

    reason: str
    invoice_id: int | None = None
    contact_id: int | None = None
    until: date | None = None  # last day the block applies; None: until removed
    hold_id: int | None = None  # set for a hold of the holds file (dunning/holds.py)

    def applies(self, reference_date: date) -> bool:
        return self.until is None or reference_date <= self.until

    @property
    def target(self) -> str:
        """What is blocked, in words: "invoice 123" or "contact 7"."""
        if self.invoice_id is not None:
            return f"invoice {self.invoice_id}"
        return f"contact {self.contact_id}"


def load_blocks(path: Path) -> tuple[Block, ...]:
    """Read and validate a blocks file; raises `BlocksError` with every problem found."""
    data = read_file(Path(path), "blocks file", BlocksError)
    return _blocks(data, str(path))


def parse_blocks(text: str, source: str = "blocks.toml") -> tuple[Block, ...]:
    """Validate blocks text; `source` names it in errors."""
    return _blocks(text.encode("utf-8"), source)


def _blocks(data: bytes, source: str) -> tuple[Block, ...]:
    document = parse_toml(data, source, BlocksError)
    problems = Problems(source)
    problems.table(document, "", ("block",))
    entries = document.get("block", [])
    if not isinstance(entries, list):
        problems.add("block", "each block must start with a [[block]] line (two brackets)")
        entries = []
    blocks: list[Block] = []
    first_at: dict[str, int] = {}
    for number, entry in enumerate(entries, 1):
        block = _block(entry, f"block[{number}]", problems)
        if block is None:
            continue
        if block.target in first_at:
            problems.add(
                f"block[{number}]",
                f"{block.target} is already blocked by "
                f"block[{first_at[block.target]}]; keep one block "
                f"per invoice or contact",
            )
            continue
        first_at[block.target] = number
        blocks.append(block)
    problems.raise_if_any(BlocksError)
    return tuple(blocks)


def _block(value: Any, path: str, problems: Problems) -> Block | None:
    table = problems.table(value, path, _KEYS, required=("reason",))
    if table is None:
        return None
    targets = [key for key in ("invoice_id", "contact_id") if key in table]
    if len(targets) != 1:
        problems.add(
            path, f"must name exactly one of invoice_id or contact_id (found {len(targets)})"
        )
    ids = {key: problems.whole(table[key], f"{path}.{key}", 1, _MAX_ID) for key in targets}
    reason = problems.text(table["reason"], f"{path}.reason") if "reason" in table else None
    until = problems.day(table["until"], f"{path}.until") if "until" in table else None
    if len(targets) != 1 or None in ids.values() or reason is None:
        return None
    if "until" in table and until is None:
        return None
    return Block(reason=reason.strip(), until=until, **ids)
