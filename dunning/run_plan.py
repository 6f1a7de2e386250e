"""What a run still has to do, and how it ended, decided from its proposal and results.

docs/RULES.md "Commit": a proposed invoice the approver removed is `DESELECTED` with the
approver's note; an approved invoice is committed unless an earlier attempt of the same
run already gave it a final outcome. A dry run treats every proposed escalation as done,
to write its letters; a run with any `FAILED` invoice ends `failed` and can be retried.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from enum import StrEnum

from dunning.outcome import FINAL_OUTCOMES, Outcome, Result
from dunning.proposal import Decision

__all__ = [
    "RunStatus",
    "asks_approver",
    "deselected",
    "still_to_commit",
    "still_to_deliver",
    "as_escalated",
    "dry_run_results",
    "draft_results",
    "final_status",
]


class RunStatus(StrEnum):
    """`status` in the manifest (docs/INTERFACES.md)."""

    AWAITING_APPROVAL = "awaiting_approval"
    DRY_RUN = "dry_run"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"  # in Prefect, while it waited for approval


def asks_approver(proposed: Sequence[Decision], *, approval: bool, dry_run: bool) -> bool:
    """Whether the run waits for a person: only a run started with approval that proposes
    something and would push it (a dry run approves its whole proposal itself)."""
    return approval and not dry_run and bool(proposed)


def deselected(
    decisions: Iterable[Decision],
    approved_ids: frozenset[int],
    note: str | None,
    results: Mapping[int, Result],
    notes: Mapping[int, str] | None = None,
) -> list[Result]:
    """A `DESELECTED` result for each proposed invoice the approver removed that has none
    yet; `notes` gives an invoice its own note (a held invoice: its hold)."""
    notes = notes or {}
    return [
        Result(d.invoice.id, Outcome.DESELECTED, note=notes.get(d.invoice.id, note))
        for d in decisions
        if d.proposed and d.invoice.id not in approved_ids and d.invoice.id not in results
    ]


def still_to_commit(
    decisions: Iterable[Decision], approved_ids: frozenset[int], results: Mapping[int, Result]
) -> list[Decision]:
    """The approved invoices, in proposal order, without a final outcome from this run."""
    return [d for d in decisions if needs_commit(d.invoice.id, d.proposed, approved_ids, results)]


def needs_commit(
    invoice_id: int, proposed: bool, approved_ids: frozenset[int], results: Mapping[int, Result]
) -> bool:
    """Whether a proposed invoice is approved and has no final outcome from this run yet."""
    return (
        proposed
        and invoice_id in approved_ids
        and (invoice_id not in results or results[invoice_id].outcome not in FINAL_OUTCOMES)
    )


def still_to_deliver(
    lettered: Iterable[int], results: Mapping[int, Result], sent: Set[int]
) -> list[tuple[int, int]]:
    """(invoice id, reminder id) of each reminder that has its letter and is not yet marked
    sent or e-mailed, in letter order; an invoice without a reminder has nothing to send."""
    found = []
    for invoice_id in lettered:
        reminder_id = results[invoice_id].reminder_id
        if invoice_id not in sent and reminder_id is not None:
            found.append((invoice_id, reminder_id))
    return found


def as_escalated(decisions: Iterable[Decision]) -> dict[int, Result]:
    """An `ESCALATED` result for each decision that carries the amounts of a letter."""
    return {d.invoice.id: Result(d.invoice.id, Outcome.ESCALATED) for d in decisions if d.amounts}


def dry_run_results(decisions: Iterable[Decision]) -> dict[int, Result]:
    """What a dry run writes letters for: every proposed escalation, as if it were pushed."""
    return as_escalated(d for d in decisions if d.proposed)


def draft_results(decisions: Iterable[Decision]) -> dict[int, Result]:
    """What the approver's draft letters show: every escalation of the proposal."""
    return as_escalated(decisions)


def final_status(results: Iterable[Result], *, dry_run: bool) -> RunStatus:
    """How a run that went through to the end ended."""
    if dry_run:
        return RunStatus.DRY_RUN
    if any(r.outcome is Outcome.FAILED for r in results):
        return RunStatus.FAILED
    return RunStatus.COMPLETED
