"""The approver's answer: what it approves and what it holds, checked against the proposal.

Both forms of `flows/approval.py` (a chip per invoice, or groups and typed numbers for a
large run) come down to `check_answer`: only proposed invoices can be approved or held, an
answer can only narrow the proposal, and a hold needs its date and reason. `keep_holds`
then keeps the answer's holds beside the runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from dunning.holds import Hold, HoldsError, add_holds, reason_problem, until_problem
from dunning.money import money_text
from dunning.proposal import Decision, Reason
from dunning.report import final_step
from dunning.stored_decisions import invoice_ids
from flows.run_inputs import BadInput

__all__ = [
    "NOTE_LIMIT",
    "Approval",
    "ApprovalError",
    "HoldAnswer",
    "check_answer",
    "choice_label",
    "keep_holds",
]

NOTE_LIMIT = 2000


class ApprovalError(ValueError):
    """The approver's answer cannot be used; nothing is pushed."""


@dataclass(frozen=True)
class HoldAnswer:
    """The hold part of an answer: the invoices (or, with `customers`, their contacts) held
    until `until` for `reason`."""

    invoice_ids: frozenset[int]
    until: date
    reason: str
    customers: bool = False


@dataclass(frozen=True)
class Approval:
    """The approver's answer: what is pushed, the note, and what is held (each held
    invoice's note, once the holds are kept)."""

    approved_ids: frozenset[int]
    note: str | None
    holds: tuple[Hold, ...] = ()
    held: Mapping[int, str] = field(default_factory=dict)  # invoice id -> its note

    def to_dict(self) -> dict[str, Any]:
        return {
            "approved_ids": sorted(self.approved_ids),
            "note": self.note,
            "holds": [h.to_dict() for h in self.holds],
            "held": {str(k): v for k, v in sorted(self.held.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Approval:
        holds = tuple(
            Hold(
                id=h["id"],
                until=date.fromisoformat(h["until"]),
                reason=h["reason"],
                invoice_id=h["invoice_id"],
                contact_id=h["contact_id"],
                created_at=h["created_at"],
                source=h["source"],
            )
            for h in data.get("holds", [])
        )
        held = {int(k): v for k, v in data.get("held", {}).items()}
        return cls(frozenset(data["approved_ids"]), data.get("note"), holds, held)

    @classmethod
    def everything(cls, proposed: Sequence[Decision]) -> Approval:
        return cls(frozenset(invoice_ids(proposed)), None)


def choice_label(decision: Decision, unpaid_extension: bool = True) -> str:
    """What the approver sees for one invoice; unique because it starts with the id. A
    FINAL invoice goes "→ unpaid" where the API marks it so, else "→ manual action"."""
    invoice = decision.invoice
    name = invoice.contact_name or f"contact {invoice.contact_id}"
    if decision.reason is Reason.FINAL:
        action = f"L{decision.from_level} → {final_step(unpaid_extension)}"
        amount = f"{invoice.currency} {money_text(invoice.remaining)}"
    else:
        action = f"L{decision.from_level} → L{decision.to_level}"
        total = decision.amounts.total_due if decision.amounts else invoice.remaining
        amount = f"{invoice.currency} {money_text(total)}"
        if decision.amounts:
            amount += f" · pay by {decision.amounts.deadline:%d.%m.%Y}"
    return f"#{invoice.id} {invoice.document_nr} · {name} · {action} · {amount}"


def check_answer(
    proposed: Sequence[Decision],
    selected: Sequence[Any],
    note: str,
    escalate_none: bool = False,
    *,
    unpaid_extension: bool = True,
    hold: Sequence[Any] = (),
    hold_until: date | None = None,
    hold_reason: str = "",
    hold_customer: bool = False,
    reference_date: date | None = None,
) -> Approval:
    """Only proposed invoices can be approved or held; anything else rejects the whole
    answer. A held invoice is never pushed, whatever the selection says."""
    by_label = {choice_label(d, unpaid_extension): d.invoice.id for d in proposed}
    unknown = [s for s in [*selected, *hold] if s not in by_label]
    if unknown:
        raise ApprovalError(
            f"the approval names invoices that were not proposed: {', '.join(map(str, unknown))}; "
            "nothing was pushed."
        )
    if len(note) > NOTE_LIMIT:
        raise ApprovalError(
            f"the approval note has {len(note)} characters; at most {NOTE_LIMIT} are kept."
        )
    if proposed and not selected and not escalate_none:
        raise ApprovalError(
            "the answer removes every invoice; to escalate none of them, also tick "
            "'Escalate none of them'."
        )
    held = _hold_answer(
        frozenset(by_label[s] for s in hold), hold_until, hold_reason, hold_customer, reference_date
    )
    approved = frozenset(by_label[s] for s in selected)
    if held is None:
        return Approval(approved, note.strip() or None)
    holds = _requested_holds(proposed, held)
    contacts = {h.contact_id for h in holds if h.contact_id is not None}
    held_ids = {
        d.invoice.id
        for d in proposed
        if d.invoice.id in held.invoice_ids or d.invoice.contact_id in contacts
    }
    return Approval(approved - held_ids, note.strip() or None, holds, dict.fromkeys(held_ids, ""))


def _hold_answer(
    invoice_ids: frozenset[int],
    until: date | None,
    reason: str,
    customers: bool,
    reference_date: date | None,
) -> HoldAnswer | None:
    """The hold the answer asks for, None when it asks for none; refused when it is
    incomplete, or its date is not after the reference date or too far after it."""
    if not invoice_ids:
        if until is not None or reason.strip():
            raise ApprovalError(
                "the answer gives a hold date or reason but holds no invoice; pick the "
                "invoices to hold, or clear the date and the reason."
            )
        return None
    if until is None:
        raise ApprovalError("the answer holds invoices but gives no date to hold them until.")
    problem = until_problem(until, reference_date or until) or reason_problem(reason)
    if reference_date is None:
        problem = problem or "the hold has no reference date to be checked against"
    if problem:
        raise ApprovalError(f"{problem}; nothing was pushed.")
    return HoldAnswer(invoice_ids, until, " ".join(reason.split()), customers)


def _requested_holds(proposed: Sequence[Decision], held: HoldAnswer) -> tuple[Hold, ...]:
    """One hold per held invoice, or per contact of the held invoices (an invoice without
    a contact is held itself); their ids are given when they are kept."""
    holds: dict[str, Hold] = {}
    for d in proposed:
        invoice = d.invoice
        if invoice.id not in held.invoice_ids:
            continue
        if held.customers and invoice.contact_id is not None:
            hold = Hold(0, held.until, held.reason, contact_id=invoice.contact_id)
        else:
            hold = Hold(0, held.until, held.reason, invoice_id=invoice.id)
        holds.setdefault(hold.target, hold)
    return tuple(holds.values())


def keep_holds(
    approval: Approval,
    proposed: Sequence[Decision],
    output: Path,
    run_id: str,
    reference_date: date,
    now: str,
) -> Approval:
    """Keep the answer's holds in the holds file (once, also when asked again) and give
    each held invoice its note: the hold's id, date and reason."""
    if not approval.holds:
        return approval
    source = f"approval of run {run_id}"
    asked = [replace(h, source=source, created_at=now) for h in approval.holds]
    try:
        kept = add_holds(output, asked, reference_date)
    except HoldsError as exc:
        raise BadInput(str(exc)) from None
    by_target = {h.target: h for h in kept}
    held: dict[int, str] = {}
    for d in proposed:
        if d.invoice.id not in approval.held:
            continue
        hold = (
            by_target.get(f"invoice {d.invoice.id}") or by_target[f"contact {d.invoice.contact_id}"]
        )
        held[d.invoice.id] = (
            f"held until {hold.until:%d.%m.%Y} (hold {hold.id}, {hold.target}): {hold.reason}"
            + (f"; note: {approval.note}" if approval.note else "")
        )
    return replace(approval, holds=tuple(kept), held=held)
