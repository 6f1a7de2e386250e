"""What someone should check after a run, counted where people look (the command's
summary, the summary artifact, the approval form): holds and blocks that have ended,
letters without a QR-bill, addresses shortened to fit the envelope window or too incomplete
for the QR-bill's debtor, and any other
warning of a line, each with its count and the first few invoices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["FIRST", "WarningGroup", "expired_label", "group_warnings"]

FIRST = 5  # invoices named per group; the run's spreadsheet has them all

_NO_QR = "no QR-bill"
_ADDRESS = "does not fit the envelope window"
_BLANK_DEBTOR = "the QR-bill leaves 'Payable by' blank"  # dunning.letters.qrpay says why


@dataclass(frozen=True)
class WarningGroup:
    """`count` of one kind of warning, and the first few of them (`first`)."""

    what: str
    count: int
    first: tuple[str, ...]  # invoice ids, or ended holds and blocks in words

    def text(self) -> str:
        """E.g. `Letters without a QR-bill: 3 (invoices 12, 15, 19)`."""
        more = ", …" if self.count > len(self.first) else ""
        ids = all(item.isdigit() for item in self.first)
        named = ("invoice " if self.count == 1 else "invoices ") if ids else ""
        return f"{self.what}: {self.count} ({named}{', '.join(self.first)}{more})"


def expired_label(block: Mapping[str, Any]) -> str:
    """An ended hold or block of a proposal's `expired_blocks`, in words."""
    target = (
        f"invoice {block['invoice_id']}"
        if block.get("invoice_id") is not None
        else f"contact {block.get('contact_id')}"
    )
    until = f" until {date.fromisoformat(block['until']):%d.%m.%Y}" if block.get("until") else ""
    if block.get("hold_id") is not None:
        return f"hold {block['hold_id']} of {target}{until}"
    return f"block of {target}{until}"


def group_warnings(
    lines: Iterable[Mapping[str, Any]], expired: Iterable[Mapping[str, Any]] = ()
) -> list[WarningGroup]:
    """The run's warnings by kind, kinds without any left out. `lines` are manifest lines
    (`invoice_id`, `warning`); `expired` the proposal's `expired_blocks`."""
    ended = [expired_label(b) for b in expired]
    found: dict[str, list[str]] = {"no_qr": [], "address": [], "blank_debtor": [], "other": []}
    for line in lines:
        for part in str(line.get("warning") or "").split("; "):
            if part:
                found[_kind(part)].append(str(line["invoice_id"]))
    groups = [
        ("Expired holds and blocks (their invoices are dunned again)", ended),
        ("Letters without a QR-bill", _unique(found["no_qr"])),
        ("Addresses shortened to fit the envelope window", _unique(found["address"])),
        (
            "Addresses incomplete (no name, postcode or town: the QR-bill's 'Payable by' is blank)",
            _unique(found["blank_debtor"]),
        ),
        ("Other warnings", _unique(found["other"])),
    ]
    return [WarningGroup(what, len(items), tuple(items[:FIRST])) for what, items in groups if items]


def _kind(part: str) -> str:
    if part.startswith(_NO_QR):
        return "no_qr"
    if _ADDRESS in part:
        return "address"
    if _BLANK_DEBTOR in part:
        return "blank_debtor"
    return "other"


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))
