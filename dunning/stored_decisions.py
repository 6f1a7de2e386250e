"""A run's decisions read back from its `proposal.json` by position, not held in memory.

A run of 100,000 invoices would hold some 150 MB of decisions for hours; it holds instead
where each decision's line starts in the file (8 bytes each) and reads a decision again
each time it is needed. The file is written once, before anything is pushed, and never
changes in the run (docs/INTERFACES.md, "proposal.json").
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import overload

from dunning.proposal import Decision
from dunning.record import decision_from_dict
from dunning.runs import WrittenWhole

__all__ = ["StoredDecisions", "kept"]

# `save_json_items` writes `decision_to_dict`'s keys in order: the invoice's id comes first.
_LEADING_ID = re.compile(rb'\{"invoice": \{"id": (-?\d+)[,}]')


class StoredDecisions(Sequence[Decision]):
    """The decisions under `key` of a file written one a line, in order, the first of an
    invoice listed twice only; each read from the file when asked for."""

    def __init__(self, path: Path, starts: array[int]) -> None:
        self.path, self._starts = path, starts

    @classmethod
    def of(cls, path: Path, key: str = "decisions") -> StoredDecisions:
        opening = json.dumps(key).encode() + b": [\n"
        starts: array[int] = array("q")
        seen: set[int] = set()
        with path.open("rb") as fh:
            start = 0
            for line in fh:
                if line == opening:
                    break
                start += len(line)
            else:
                raise WrittenWhole(f"{path.name}: no {key!r} one a line")
            start += len(line)
            for line in fh:
                if line.rstrip(b"\n") == b"]":
                    break
                invoice_id = _invoice_id(line)
                if invoice_id not in seen:
                    seen.add(invoice_id)
                    starts.append(start)
                start += len(line)
        return cls(path, starts)

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> Decision: ...

    @overload
    def __getitem__(self, index: slice) -> StoredDecisions: ...

    def __getitem__(self, index: int | slice) -> Decision | StoredDecisions:
        if isinstance(index, slice):
            return StoredDecisions(self.path, self._starts[index])
        with self.path.open("rb") as fh:
            fh.seek(self._starts[index])
            return _decision(fh.readline())

    def __iter__(self) -> Iterator[Decision]:
        with self.path.open("rb") as fh:
            for start in self._starts:
                fh.seek(start)
                yield _decision(fh.readline())

    def where(self, keep: Callable[[Decision], bool]) -> StoredDecisions:
        """The decisions that `keep`, read from the file as these are."""
        kept: array[int] = array("q")
        for start, decision in zip(self._starts, self, strict=True):
            if keep(decision):
                kept.append(start)
        return StoredDecisions(self.path, kept)


def kept(decisions: Sequence[Decision], keep: Callable[[Decision], bool]) -> Sequence[Decision]:
    """The decisions that `keep`: read from the file as `decisions` are, if they are."""
    if isinstance(decisions, StoredDecisions):
        return decisions.where(keep)
    return [d for d in decisions if keep(d)]


def _invoice_id(line: bytes) -> int:
    found = _LEADING_ID.match(line)
    if found:
        return int(found.group(1))
    return int(json.loads(line.rstrip(b",\n"))["invoice"]["id"])


def _decision(line: bytes) -> Decision:
    return decision_from_dict(json.loads(line.rstrip(b",\n")))
