"""Holds in the approval answer can only narrow what is pushed: a hold of an invoice that
was not proposed, without a date, with a date not after the reference date or too far
after it, without a reason, or a date and reason without an invoice, is refused and the
run keeps waiting with nothing pushed; a held invoice is never pushed, even when the
answer also selects it."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from prefect.flow_runs import resume_flow_run

from flows.approval import ApprovalError, check_answer, choice_label
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.factories import escalate, open_invoice
from tests.support.harness import paused_run
from tests.support.sandbox import REFERENCE_DATE

RUN = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]
SOON = (REFERENCE_DATE + timedelta(days=10)).isoformat()

Answer = Callable[[list[str]], dict[str, Any]]


def _hold_first(**fields: Any) -> Answer:
    def answer(choices: list[str]) -> dict[str, Any]:
        return {"selected": choices, "hold": choices[:1], **fields}

    return answer


def test_a_bad_hold_is_refused_and_the_run_waits_until_a_good_one_comes(company, tmp_path):
    before = company.admin("GET", "/reminders")
    answers: list[Answer] = [
        lambda c: {"selected": c, "hold": ["#99999 RE-99999 · forged · L0 → L1 · CHF 1.00"]},
        _hold_first(hold_reason="promised"),  # no date
        _hold_first(hold_until=REFERENCE_DATE.isoformat(), hold_reason="promised"),
        _hold_first(
            hold_until=(REFERENCE_DATE + timedelta(days=181)).isoformat(), hold_reason="promised"
        ),
        _hold_first(hold_until=SOON, hold_reason="   "),
        lambda c: {"selected": c, "hold_until": SOON, "hold_reason": "promised"},  # no invoice
        _hold_first(hold_until=SOON, hold_reason="promised to pay by 10.12."),
    ]
    refused: list[str] = []
    after_each: list[Any] = []

    def person() -> None:
        for answer in answers:
            run_id, schema = paused_run()
            choices = schema["properties"]["selected"]["default"]
            after_each.append(company.admin("GET", "/reminders"))
            try:
                resume_flow_run(run_id, run_input=answer(choices))
            except RuntimeError as exc:
                refused.append(str(exc))

    thread = threading.Thread(target=person)
    thread.start()
    shown = run_cli([*RUN, "--approval"])
    thread.join(10)
    assert shown.code == 0, shown.text
    assert len(refused) == 1 and "Cannot resume" in refused[0]  # the forged label
    assert all(reminders == before for reminders in after_each)  # nothing pushed meanwhile
    (run_id,) = new_runs(tmp_path / "out")
    record = load_manifest(tmp_path / "out", run_id)
    proposed = [ln for ln in record["lines"] if ln["reason"] in ("ESCALATE", "FINAL")]
    held = [ln for ln in proposed if ln["outcome"] == "DESELECTED"]
    assert len(held) == 1 and "promised to pay by 10.12." in held[0]["note"]
    assert "held until 10.12.2026 (hold 1" in held[0]["note"]
    assert all(ln["outcome"] != "DESELECTED" for ln in proposed if ln is not held[0])
    assert [
        r["kb_invoice_id"] for r in company.admin("GET", "/reminders") if r not in before
    ].count(held[0]["invoice_id"]) == 0
    holds = json.loads((tmp_path / "out" / "holds.json").read_text("utf-8"))["holds"]
    assert [(h["invoice_id"], h["until"]) for h in holds] == [(held[0]["invoice_id"], SOON)]
    assert holds[0]["source"] == f"approval of run {run_id}"


def _proposed() -> list[Any]:
    stranger = dataclasses.replace(escalate(3), invoice=replace(open_invoice(3), contact_id=9))
    return [escalate(1), escalate(2), stranger]  # 1 and 2 are of contact 3


REASONS = [
    ({"hold_reason": "x"}, "no date"),
    ({"hold_until": REFERENCE_DATE, "hold_reason": "x"}, "is not after 2026-11-30"),
    ({"hold_until": date(2026, 11, 1), "hold_reason": "x"}, "is not after"),
    ({"hold_until": date(2027, 5, 30), "hold_reason": "x"}, "more than 180 days"),
    ({"hold_until": date(2026, 12, 10), "hold_reason": " "}, "needs a reason"),
]


@pytest.mark.parametrize(("fields", "said"), REASONS)
def test_check_answer_refuses_an_incomplete_or_misdated_hold(fields, said):
    proposed = _proposed()
    labels = [choice_label(d) for d in proposed]
    with pytest.raises(ApprovalError, match=said):
        check_answer(proposed, labels, "", hold=labels[:1], reference_date=REFERENCE_DATE, **fields)


def test_holding_the_customer_holds_every_proposed_invoice_of_that_customer():
    proposed = _proposed()
    labels = [choice_label(d) for d in proposed]
    answer = check_answer(
        proposed,
        labels,
        "",
        hold=labels[:1],
        hold_until=date(2026, 12, 10),
        hold_reason="payment plan",
        hold_customer=True,
        reference_date=REFERENCE_DATE,
    )
    assert answer.approved_ids == {3}  # invoices 1 and 2 share contact 3
    assert set(answer.held) == {1, 2}
    assert [(h.contact_id, h.invoice_id) for h in answer.holds] == [(3, None)]


def test_the_form_offers_the_hold_fields_without_requiring_them():
    from flows.approval import _form_model

    schema = _form_model(["#1 a", "#2 b"]).model_json_schema()
    assert schema["required"] == ["selected"]
    fields = schema["properties"]
    assert fields["hold"]["default"] == [] and fields["hold"]["items"]["enum"] == ["#1 a", "#2 b"]
    assert fields["hold_until"]["format"] == "date" and fields["hold_reason"]["maxLength"] == 500
