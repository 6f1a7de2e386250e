"""What the commit did for each invoice: outcome codes and per-invoice results.

An invoice that fails carries its error. When the cause is a bug of ours (an exception
that is neither the API's nor one of our rules'), the error says so in words a user can
report, and the traceback travels with the result to the run folder's `errors.log`.
"""

from __future__ import annotations

import traceback as tb
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

__all__ = [
    "Outcome",
    "FINAL_OUTCOMES",
    "Result",
    "Failure",
    "failure",
    "internal_error_text",
    "is_internal_error",
    "ERRORS_LOG",
]

ERRORS_LOG = "errors.log"  # in the run folder: the tracebacks of bugs of ours
_INTERNAL = "internal error: "
_INTERNAL_ERROR = (
    _INTERNAL + "{what}. This is a bug in dunning; please report it with the run folder's "
    f"{ERRORS_LOG}."
)


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


@dataclass(frozen=True, slots=True)
class Failure:
    """Why one invoice failed: the text for the record, and a traceback for a bug of ours."""

    error: str
    traceback: str | None = None


def failure(exc: Exception, expected: tuple[type[Exception], ...]) -> Failure:
    """`expected` errors (the API's, our rules') are reported as they are; any other is a
    bug of ours: the internal-error text, and the traceback for `errors.log`."""
    if isinstance(exc, expected):
        return Failure(str(exc))
    return Failure(internal_error_text(exc), "".join(tb.format_exception(exc)))


def internal_error_text(exc: BaseException) -> str:
    message = str(exc).strip().rstrip(".")
    what = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return _INTERNAL_ERROR.format(what=what)


def is_internal_error(error: str | None) -> bool:
    return error is not None and error.startswith(_INTERNAL)


@dataclass(frozen=True, slots=True)
class Result:
    """The commit's result for one approved (or deselected) invoice."""

    invoice_id: int
    outcome: Outcome
    reminder_id: int | None = None
    api_deadline: date | None = None  # the deadline the API gave the new reminder
    note: str | None = None
    error: str | None = None
    api_date: date | None = None  # the new reminder's date: the day bexio created it
    # Where a bug of ours made the invoice fail; for errors.log, never part of the record.
    traceback: str | None = field(default=None, compare=False, repr=False)

    @classmethod
    def failed(
        cls,
        invoice_id: int,
        why: Failure,
        *,
        reminder_id: int | None = None,
        api_deadline: date | None = None,
        api_date: date | None = None,
    ) -> Result:
        return cls(
            invoice_id,
            Outcome.FAILED,
            reminder_id=reminder_id,
            api_deadline=api_deadline,
            api_date=api_date,
            error=why.error,
            traceback=why.traceback,
        )

    def undelivered(self, why: Failure) -> Result:
        """This escalation FAILED in its delivery: its reminder stays, with its dates."""
        return Result.failed(
            self.invoice_id,
            why,
            reminder_id=self.reminder_id,
            api_deadline=self.api_deadline,
            api_date=self.api_date,
        )

    @property
    def needs_letter(self) -> bool:
        return self.outcome in (Outcome.ESCALATED, Outcome.ALREADY_DONE)
