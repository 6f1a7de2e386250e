"""What the commit did for each invoice: outcome codes and per-invoice results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = ["Outcome", "FINAL_OUTCOMES", "Result"]


class Outcome(StrEnum):
    ESCALATED = "ESCALATED"
    ALREADY_DONE = "ALREADY_DONE"
    CHANGED = "CHANGED"
    MARKED_UNPAID = "MARKED_UNPAID"
    MANUAL_ACTION = "MANUAL_ACTION"
    DESELECTED = "DESELECTED"
    FAILED = "FAILED"


# Outcomes a retry leaves alone: the invoice needs nothing more from this run.
FINAL_OUTCOMES = frozenset(Outcome) - {Outcome.FAILED}


@dataclass(frozen=True)
class Result:
    """The commit's result for one approved (or deselected) invoice."""

    invoice_id: int
    outcome: Outcome
    reminder_id: int | None = None
    api_deadline: date | None = None  # the deadline the API gave the new reminder
    note: str | None = None
    error: str | None = None

    @property
    def needs_letter(self) -> bool:
        return self.outcome in (Outcome.ESCALATED, Outcome.ALREADY_DONE)
