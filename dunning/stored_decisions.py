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

__all__ = ["StoredDecisions", "invoice_ids", "select"]

# `save_json_items` writes `decision_to_dict`'s keys in order: the invoice's id comes first.
_LEADING_ID = re.compile(rb'\{"invoice": \{"id": (-?\d+)[,}]')
_PROPOSED = re.compile(rb'"proposed": (true|false)\},?\n?$')  # its last key


class StoredDecisions(Sequence[Decision]):
    """The decisions under `key` of a file written one a line, in order, the first of an
    invoice listed twice only; each read from the file when asked for. Each one's invoice
    id and whether it is proposed are kept, to select decisions without reading them."""

    def __init__(self, path: Path, starts: array[int], ids: array[int], proposed: bytes) -> None:
        self.path, self._starts, self._ids, self._proposed = path, starts, ids, proposed

    @classmethod
    def of(cls, path: Path, key: str = "decisions") -> StoredDecisions:
        opening = json.dumps(key).encode() + b": [\n"
        starts: array[int] = array("q")
        ids: array[int] = array("q")
        proposed = bytearray()
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
                invoice_id, is_proposed = _id_and_proposed(line)
                if invoice_id not in seen:
                    seen.add(invoice_id)
                    starts.append(start)
                    ids.append(invoice_id)
                    proposed.append(is_proposed)
                start += len(line)
        return cls(path, starts, ids, bytes(proposed))

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> Decision: ...

    @overload
    def __getitem__(self, index: slice) -> StoredDecisions: ...

    def __getitem__(self, index: int | slice) -> Decision | StoredDecisions:
        if isinstance(index, slice):
            return StoredDecisions(
                self.path, self._starts[index], self._ids[index], self._proposed[index]
            )
        with self.path.open("rb") as fh:
            fh.seek(self._starts[index])
            return _decision(fh.readline())

    def __iter__(self) -> Iterator[Decision]:
        with self.path.open("rb") as fh:
            for start in self._starts:
                fh.seek(start)
                yield _decision(fh.readline())

    def where(self, keep: Callable[[int, bool], bool]) -> StoredDecisions:
        """The decisions whose invoice id and proposed flag `keep` takes, none read."""
        positions = [
            n
            for n, (i, p) in enumerate(zip(self._ids, self._proposed, strict=True))
            if keep(i, p == 1)
        ]
        return StoredDecisions(
            self.path,
            array("q", (self._starts[n] for n in positions)),
            array("q", (self._ids[n] for n in positions)),
            bytes(self._proposed[n] for n in positions),
        )

    def invoice_ids(self) -> Sequence[int]:
        return self._ids


def select(decisions: Sequence[Decision], keep: Callable[[int, bool], bool]) -> Sequence[Decision]:
    """The decisions whose invoice id and `proposed` flag `keep` takes; stored decisions
    are selected without being read."""
    if isinstance(decisions, StoredDecisions):
        return decisions.where(keep)
    return [d for d in decisions if keep(d.invoice.id, d.proposed)]


def invoice_ids(decisions: Sequence[Decision]) -> Sequence[int]:
    """The decisions' invoice ids, in order; stored decisions are not read."""
    if isinstance(decisions, StoredDecisions):
        return decisions.invoice_ids()
    return [d.invoice.id for d in decisions]


def _id_and_proposed(line: bytes) -> tuple[int, bool]:
    found, end = _LEADING_ID.match(line), _PROPOSED.search(line)
    if found and end:
        return int(found.group(1)), end.group(1) == b"true"
    decision = json.loads(line.rstrip(b",\n"))
    return int(decision["invoice"]["id"]), bool(decision["proposed"])


def _decision(line: bytes) -> Decision:
    return decision_from_dict(json.loads(line.rstrip(b",\n")))
