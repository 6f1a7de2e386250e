"""Undoing a run: which of its reminders can be deleted in bexio, and why the others cannot.

bexio deletes only an invoice's most recent reminder (bexio-api.md, §4 Reminders: Delete),
so a reminder of the run can go only while it is still its invoice's latest. An invoice
that is no longer open keeps its reminders: deleting one would rewrite the history of a
paid, cancelled or written-off invoice. An invoice the run marked unpaid cannot be set
back to open through the API. The undo records what it deleted in the run's journal, so a
second undo deletes nothing twice and says what was undone already (docs/RULES.md, Undo).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dunning.model import (
    STATUS_CANCELLED,
    STATUS_DRAFT,
    STATUS_PAID,
    STATUS_UNPAID,
    Invoice,
)
from dunning.outcome import Outcome, Result

__all__ = [
    "UNDO_FILE",
    "UNDONE_EVENT",
    "Step",
    "Target",
    "Verdict",
    "targets_of_run",
    "judge",
    "undo_record",
    "undo_status",
]

UNDO_FILE = "undo.json"
UNDONE_EVENT = "undone"  # the journal's event for a reminder an undo deleted
_STATUS_WHY = {
    STATUS_PAID: "the invoice was paid",
    STATUS_CANCELLED: "the invoice was cancelled",
    STATUS_UNPAID: "the invoice was marked unpaid",
    STATUS_DRAFT: "the invoice is a draft again",
}


class Step(StrEnum):
    DELETE = "delete"  # the reminder is still the latest of an open invoice
    DELETED = "deleted"  # this undo deleted it
    ALREADY_UNDONE = "already_undone"  # an earlier undo deleted it
    GONE = "gone"  # it is no longer in bexio, deleted by someone else
    KEPT = "kept"  # it cannot be undone: `why`


@dataclass(frozen=True)
class Target:
    """What the run did to one invoice that an undo looks at."""

    invoice_id: int
    document_nr: str
    outcome: Outcome
    reminder_id: int | None
    level: int | None


@dataclass(frozen=True)
class Verdict:
    target: Target
    step: Step
    why: str | None = None


def targets_of_run(results: Mapping[int, Result], decisions: Mapping[int, Any]) -> list[Target]:
    """Every reminder the run made (also one whose delivery failed afterwards), and every
    invoice it marked unpaid, in invoice id order. `decisions` maps an invoice id to its
    proposal entry (`document_nr`, `to_level`)."""
    targets = []
    for invoice_id in sorted(results):
        result = results[invoice_id]
        proposed = decisions.get(invoice_id, {})
        if result.reminder_id is None and result.outcome is not Outcome.MARKED_UNPAID:
            continue
        targets.append(
            Target(
                invoice_id=invoice_id,
                document_nr=str(proposed.get("document_nr") or invoice_id),
                outcome=result.outcome,
                reminder_id=result.reminder_id,
                level=proposed.get("to_level"),
            )
        )
    return targets


def judge(target: Target, invoice: Invoice | None, undone: Iterable[int]) -> Verdict:
    """What an undo does with `target`, given its invoice as bexio has it now (None: not
    found) and the reminder ids earlier undos deleted."""
    if target.reminder_id is None:  # marked unpaid, no reminder of its own
        return Verdict(
            target,
            Step.KEPT,
            "marked unpaid: bexio's API cannot set an invoice back to open; do it in bexio",
        )
    if target.reminder_id in set(undone):
        return Verdict(target, Step.ALREADY_UNDONE, "deleted by an earlier undo")
    if invoice is None:
        return Verdict(target, Step.KEPT, "the invoice is no longer in bexio")
    if all(r.id != target.reminder_id for r in invoice.reminders):
        return Verdict(target, Step.GONE, "the reminder is no longer in bexio")
    if not invoice.is_open:
        why = _STATUS_WHY.get(invoice.status, f"the invoice is no longer open ({invoice.status})")
        return Verdict(target, Step.KEPT, why)
    latest = invoice.latest_reminder
    if latest is not None and latest.id != target.reminder_id:
        return Verdict(
            target,
            Step.KEPT,
            f"a later reminder exists (level {latest.level} of "
            f"{latest.valid_from.isoformat()}, id {latest.id}); bexio deletes only the latest",
        )
    return Verdict(target, Step.DELETE)


_DONE = {Step.DELETED, Step.ALREADY_UNDONE, Step.GONE}


def undo_status(verdicts: Iterable[Verdict]) -> str:
    """`undone` when nothing of the run is left in bexio, else `partly_undone`."""
    return "undone" if all(v.step in _DONE for v in verdicts) else "partly_undone"


def undo_record(run_id: str, verdicts: list[Verdict], now: str) -> dict[str, Any]:
    """`undo.json`: the last undo of a run, a line per reminder or invoice it looked at."""
    return {
        "schema": "dunning-undo/1",
        "run_id": run_id,
        "undone_at": now,
        "status": undo_status(verdicts),
        "lines": [
            {
                "invoice_id": v.target.invoice_id,
                "document_nr": v.target.document_nr,
                "reminder_id": v.target.reminder_id,
                "level": v.target.level,
                "step": v.step.value,
                "why": v.why,
            }
            for v in verdicts
        ],
    }
