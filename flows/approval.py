"""The approval step: a form in the Prefect UI where a person reviews the proposal.

The form lists every proposed invoice as a pre-selected choice (past 200, the large form of
`flows/approval_large.py`); the approver removes the ones that must wait, may hold some
until a date, and may add a note; `flows/approval_answer.py` checks the answer. Locally the
run pauses (the process waits, and stops waiting when the run is cancelled in Prefect); in
a deployment it suspends, so no process sits idle for days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal, cast

import pydantic
from prefect import get_run_logger
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput, keyset_from_base_key, read_flow_run_input
from prefect.utilities.urls import url_for
from pydantic import Field

from dunning.proposal import Decision
from flows import progress
from flows.approval_answer import (
    NOTE_LIMIT,
    Approval,
    ApprovalError,
    HoldAnswer,
    check_answer,
    choice_label,
    keep_holds,
)
from flows.approval_large import LARGE_PROPOSAL, ListError, large_form_model, large_selection
from flows.form_schema import hold_fields
from flows.local_pause import ApprovalCancelled, pause_here

__all__ = [
    "NOTE_LIMIT",
    "Approval",
    "ApprovalCancelled",
    "ApprovalError",
    "HoldAnswer",
    "choice_label",
    "ask_for_approval",
    "check_answer",
    "keep_holds",
]

APPROVAL_KEY = "approval"


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
        hold=(
            list[choice],  # type: ignore[valid-type]
            Field(
                default=[],
                title="Hold until a date",
                description="Invoices to hold: they are not escalated now, and later runs "
                "leave them out (BLOCKED) until the date below.",
            ),
        ),
        **hold_fields("the customers of the invoices held"),
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
    reference_date: date | None = None,
) -> Approval:
    """Wait for a person's answer in the Prefect UI; a refused answer is asked for again,
    with the reason above the form, and nothing is pushed meanwhile."""
    labels = [choice_label(d, unpaid_extension) for d in proposed]
    large = len(proposed) > LARGE_PROPOSAL
    form_model = (
        large_form_model(proposed, unpaid_extension, NOTE_LIMIT) if large else _form_model(labels)
    )
    context = FlowRunContext.get()
    in_deployment = bool(context and context.flow_run and context.flow_run.deployment_id)
    told = False
    refusal = ""
    for attempt in range(1, MAX_ANSWERS + 1):
        form = form_model.with_initial_data(description=refusal + description)
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
                answer = pause_here(form, key, timeout_s, poll_interval)
        try:
            if large:
                return _checked_large(proposed, answer, unpaid_extension, reference_date)
            return _checked(proposed, answer, unpaid_extension, reference_date)
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
    `…/v2/runs/flow-run/<id>`, where the approver reviews the selection and resumes the run."""
    run = context.flow_run if context else None
    url = url_for("flow-run", obj_id=str(run.id)) if run else None
    # Prefect links its older page (`/runs/…`); the README and its screenshots show the
    # current UI, where the ⋮ menu has Resume: link that one.
    where = url.replace("/runs/flow-run/", "/v2/runs/flow-run/", 1) if url else "the Prefect UI"
    get_run_logger().info("waiting for approval: %s", where)
    progress.notice(
        f"The run waits for approval: open {where}, review the invoices, and press Resume."
    )


def _checked(
    proposed: Sequence[Decision],
    answer: RunInput | None,
    unpaid_extension: bool,
    reference_date: date | None,
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
        hold=data.get("hold") or [],
        hold_until=data.get("hold_until"),
        hold_reason=data.get("hold_reason") or "",
        hold_customer=bool(data.get("hold_customer")),
        reference_date=reference_date,
    )


def _checked_large(
    proposed: Sequence[Decision],
    answer: RunInput | None,
    unpaid_extension: bool,
    reference_date: date | None,
) -> Approval:
    """The large form's answer, as the selection it stands for, checked as the small one."""
    if answer is None or "approve" not in answer.model_fields_set:
        raise ApprovalError(
            "the answer does not say whether it approves the proposal (was the tick "
            "omitted?); nothing was pushed."
        )
    data = answer.model_dump()
    try:
        approved, held = large_selection(proposed, data, unpaid_extension)
    except ListError as exc:
        raise ApprovalError(f"{exc}; nothing was pushed.") from None
    return check_answer(
        proposed,
        [choice_label(d, unpaid_extension) for d in approved],
        data.get("note") or "",
        escalate_none=True,  # the approving tick is the explicit answer, also for none
        unpaid_extension=unpaid_extension,
        hold=[choice_label(d, unpaid_extension) for d in held],
        hold_until=data.get("hold_until"),
        hold_reason=data.get("hold_reason") or "",
        hold_customer=bool(data.get("hold_customer")),
        reference_date=reference_date,
    )
