"""What a run came to, read from its manifest: outcomes grouped as `dunning runs` shows them,
and the open amounts per currency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["OUTCOME_GROUPS", "outcome_groups", "open_by_currency"]

# Column -> the outcomes it counts (RULES.md's outcome table; every outcome has a column).
OUTCOME_GROUPS: dict[str, tuple[str, ...]] = {
    "done": ("ESCALATED", "ALREADY_DONE", "MARKED_UNPAID"),
    "deselected": ("DESELECTED",),
    "changed": ("CHANGED",),
    "manual": ("MANUAL_ACTION",),
    "failed": ("FAILED",),
}


def outcome_groups(manifest: Mapping[str, Any]) -> dict[str, int]:
    """`proposed` (escalations and invoices to mark unpaid), then one count per group."""
    reasons, outcomes = manifest["counts"]["reasons"], manifest["counts"]["outcomes"]
    counts = {"proposed": reasons.get("ESCALATE", 0) + reasons.get("FINAL", 0)}
    for column, codes in OUTCOME_GROUPS.items():
        counts[column] = sum(outcomes.get(code, 0) for code in codes)
    return counts


def open_by_currency(lines: Iterable[Mapping[str, Any]]) -> dict[str, Decimal]:
    """The open amount of the run's invoices, per currency, in alphabetical order."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line["currency"]] += Decimal(line["open_amount"])
    return dict(sorted(totals.items()))
