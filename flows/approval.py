"""The approval step: a form in the Prefect UI where a person reviews the proposal.

The form lists every proposed invoice as a pre-selected choice; the approver removes the
ones that must wait and may add a note. Locally the run pauses (the process waits); in a
deployment it suspends, so no process sits idle for days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import pydantic
from prefect import get_run_logger
from prefect.context import FlowRunContext
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.input import RunInput, keyset_from_base_key, read_flow_run_input
from prefect.utilities.urls import url_for
from pydantic import Field

from dunning.money import money_text
from dunning.proposal import Decision, Reason
from dunning.report import final_step
from flows import progress

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


class _ApprovalForm(RunInput):
    """The form's base: the selection is required although it starts pre-filled.

    A field with a default is optional in the JSON schema, and the Prefect UI then offers
    "Omit value"; an answer without a selection would load as the default, every invoice.
    Listing `selected` as required makes Prefect's server refuse such an answer (the run
    keeps waiting), and `check_answer` refuses it again should one get through.
    """

    model_config = pydantic.ConfigDict(json_schema_extra=lambda schema: _require(schema))


def _require(schema: dict[str, Any]) -> None:
    schema["required"] = sorted({*schema.get("required", []), "selected"})


def _form_model(labels: Sequence[str]) -> type[RunInput]:
    choice = Literal[tuple(labels)]  # type: ignore[valid-type]
    model: type[RunInput] = pydantic.create_model(
        "DunningApproval",
        __base__=_ApprovalForm,
        selected=(
            list[choice],  # type: ignore[valid-type]
            Field(
                default=list(labels),
                title="Invoices to escalate",
                description="Remove the invoices that must not move up a level now.",
            ),
        ),
        escalate_none=(
            bool,
            Field(
                default=False,
                title="Escalate none of them",
                description="Tick this only if you removed every invoice on purpose.",
            ),
        ),
        note=(
            str,
            Field(
                default="",
                title="Note",
                max_length=NOTE_LIMIT,
                description=f"Why invoices were removed (kept in the run record; at most "
                f"{NOTE_LIMIT:,} characters).",
            ),
        ),
    )
    return model


# A refused answer is asked for again under the next key; a run resumed from the top
# (a suspended deployment run) replays the earlier answers in the same order.
MAX_ANSWERS = 20


def ask_for_approval(
    proposed: Sequence[Decision],
    description: str,
    *,
    poll_interval: int,
    timeout_s: int,
    unpaid_extension: bool = True,
) -> Approval:
    """Wait for a person's answer in the Prefect UI; a refused answer is asked for again,
    with the reason above the form, and nothing is pushed meanwhile."""
    labels = [choice_label(d, unpaid_extension) for d in proposed]
    context = FlowRunContext.get()
    in_deployment = bool(context and context.flow_run and context.flow_run.deployment_id)
    told = False
    refusal = ""
    for attempt in range(1, MAX_ANSWERS + 1):
        form = _form_model(labels).with_initial_data(description=refusal + description)
        key = APPROVAL_KEY if attempt == 1 else f"{APPROVAL_KEY}-{attempt}"
        # A resumed deployment run starts again from the top: the answers it was given are
        # stored; read them, without saying again that the run waits (or suspends).
        answer = _given_answer(form, key) if in_deployment else None
        if answer is None:
            if not told:
                _tell_where_to_approve(context)
                told = True
            if in_deployment:
                answer = suspend_flow_run(wait_for_input=form, timeout=timeout_s, key=key)
            else:
                answer = pause_flow_run(
                    wait_for_input=form, timeout=timeout_s, poll_interval=poll_interval, key=key
                )
        try:
            return _checked(proposed, answer, unpaid_extension)
        except ApprovalError as exc:
            get_run_logger().warning("approval answer refused: %s", exc)
            refusal = f"**Your last answer was refused:** {exc} Please answer again.\n\n"
    raise ApprovalError(f"{MAX_ANSWERS} answers in a row were refused; nothing was pushed.")


def _given_answer(form: type[RunInput], key: str) -> RunInput | None:
    """The answer stored for the form under `key` when the run was resumed, else None.
    Prefect keeps a suspended run's answer under its `suspended-<key>` keys."""
    keyset = keyset_from_base_key(f"suspended-{key}")
    if read_flow_run_input(keyset["response"]) is None:
        return None
    # `load` is sync-compatible: called from the flow's (synchronous) code it returns the
    # answer, not a coroutine.
    return cast("RunInput", form.load(keyset))


def _tell_where_to_approve(context: FlowRunContext | None) -> None:
    """The run's page in the Prefect UI (PREFECT_UI_URL, else derived from PREFECT_API_URL),
    where the approver reviews the selection and resumes the run."""
    run = context.flow_run if context else None
    url = url_for("flow-run", obj_id=str(run.id)) if run else None
    where = url or "the Prefect UI"
    get_run_logger().info("waiting for approval: %s", where)
    progress.notice(
        f"The run waits for approval: open {where}, review the invoices, and press Resume."
    )


def _checked(
    proposed: Sequence[Decision], answer: RunInput | None, unpaid_extension: bool
) -> Approval:
    """An answer that does not name its selection is refused, never read as everything."""
    if answer is None or "selected" not in answer.model_fields_set:
        raise ApprovalError(
            "the answer has no list of invoices to escalate (was the field omitted?); "
            "nothing was pushed."
        )
    data = answer.model_dump()
    return check_answer(
        proposed,
        data["selected"],
        data.get("note") or "",
        bool(data.get("escalate_none")),
        unpaid_extension=unpaid_extension,
    )


def check_answer(
    proposed: Sequence[Decision],
    selected: Sequence[Any],
    note: str,
    escalate_none: bool = False,
    *,
    unpaid_extension: bool = True,
) -> Approval:
    """Only proposed invoices can be approved; anything else rejects the whole answer."""
    by_label = {choice_label(d, unpaid_extension): d.invoice.id for d in proposed}
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
    if proposed and not selected and not escalate_none:
        raise ApprovalError(
            "the answer removes every invoice; to escalate none of them, also tick "
            "'Escalate none of them'."
        )
    return Approval(frozenset(by_label[s] for s in selected), note.strip() or None)
