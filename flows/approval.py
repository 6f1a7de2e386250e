"""The approval step: a form in the Prefect UI where a person reviews the proposal.

The form lists every proposed invoice as a pre-selected choice; the approver removes the
ones that must wait and may add a note. Locally the run pauses (the process waits); in a
deployment it suspends, so no process sits idle for days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pydantic
from prefect.context import FlowRunContext
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.input import RunInput
from pydantic import Field

from dunning.proposal import Decision, Reason

__all__ = ["Approval", "ApprovalError", "choice_label", "ask_for_approval", "check_answer"]

APPROVAL_KEY = "approval"
NOTE_LIMIT = 2000


class ApprovalError(ValueError):
    """The approver's answer cannot be used; nothing is pushed."""


@dataclass(frozen=True)
class Approval:
    approved_ids: frozenset[int]
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"approved_ids": sorted(self.approved_ids), "note": self.note}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Approval:
        return cls(frozenset(data["approved_ids"]), data.get("note"))

    @classmethod
    def everything(cls, proposed: Sequence[Decision]) -> Approval:
        return cls(frozenset(d.invoice.id for d in proposed), None)


def choice_label(decision: Decision) -> str:
    """What the approver sees for one invoice; unique because it starts with the id."""
    invoice = decision.invoice
    name = invoice.contact_name or f"contact {invoice.contact_id}"
    if decision.reason is Reason.FINAL:
        action = f"L{decision.from_level} → mark unpaid"
        amount = f"{invoice.currency} {invoice.remaining:.2f}"
    else:
        action = f"L{decision.from_level} → L{decision.to_level}"
        total = decision.amounts.total_due if decision.amounts else invoice.remaining
        amount = f"{invoice.currency} {total:.2f}"
    return f"#{invoice.id} {invoice.document_nr} · {name} · {action} · {amount}"


def _form_model(labels: Sequence[str]) -> type[RunInput]:
    choice = Literal[tuple(labels)]  # type: ignore[valid-type]
    return pydantic.create_model(
        "DunningApproval",
        __base__=RunInput,
        selected=(
            list[choice],  # type: ignore[valid-type]
            Field(
                default=list(labels),
                title="Invoices to escalate",
                description="Remove the invoices that must not move up a level now.",
            ),
        ),
        note=(
            str,
            Field(
                default="",
                title="Note",
                max_length=NOTE_LIMIT,
                description="Why invoices were removed (kept in the run record).",
            ),
        ),
    )


def ask_for_approval(
    proposed: Sequence[Decision], description: str, *, poll_interval: int, timeout_s: int
) -> Approval:
    """Wait for a person's answer in the Prefect UI and check it."""
    labels = [choice_label(d) for d in proposed]
    form = _form_model(labels).with_initial_data(description=description)
    context = FlowRunContext.get()
    in_deployment = bool(context and context.flow_run and context.flow_run.deployment_id)
    if in_deployment:
        answer = suspend_flow_run(wait_for_input=form, timeout=timeout_s, key=APPROVAL_KEY)
    else:
        answer = pause_flow_run(
            wait_for_input=form, timeout=timeout_s, poll_interval=poll_interval, key=APPROVAL_KEY
        )
    data = answer.model_dump() if answer is not None else {}
    return check_answer(proposed, data.get("selected", labels), data.get("note", ""))


def check_answer(proposed: Sequence[Decision], selected: Sequence[Any], note: str) -> Approval:
    """Only proposed invoices can be approved; anything else rejects the whole answer."""
    by_label = {choice_label(d): d.invoice.id for d in proposed}
    unknown = [s for s in selected if s not in by_label]
    if unknown:
        raise ApprovalError(
            f"the approval names invoices that were not proposed: {', '.join(map(str, unknown))}; "
            "nothing was pushed."
        )
    if len(note) > NOTE_LIMIT:
        raise ApprovalError(
            f"the approval note has {len(note)} characters; at most {NOTE_LIMIT} are kept."
        )
    return Approval(frozenset(by_label[s] for s in selected), note.strip() or None)
