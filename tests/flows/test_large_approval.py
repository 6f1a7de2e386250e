"""Approval at any size: past 200 proposed invoices the form asks for groups and typed
numbers to hold back and a tick that approves the rest, instead of one chip per invoice;
its schema stays small, and its answer is checked as strictly as the chips are."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any

import pytest
from prefect.flow_runs import resume_flow_run

from flows.approval_large import LARGE_PROPOSAL, large_form_model, large_selection
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.factories import escalate, final
from tests.support.harness import paused_run
from tests.support.sandbox import REFERENCE_DATE


def _proposal() -> list[Any]:
    proposed = [escalate(i) for i in range(1, 301)] + [final(i) for i in range(301, 311)]
    proposed[4] = replace(proposed[4], invoice=replace(proposed[4].invoice, contact_id=77))
    proposed[5] = replace(proposed[5], invoice=replace(proposed[5].invoice, contact_id=77))
    proposed[6] = replace(proposed[6], invoice=replace(proposed[6].invoice, currency="EUR"))
    return proposed


def test_the_large_form_holds_back_numbers_customers_steps_and_currencies() -> None:
    proposed = _proposal()
    answer = {
        "approve": True,
        "hold_back": "RE-1, #2\nre-3; customer 77",
        "hold_back_steps": ["L3 → unpaid"],
        "hold_back_currencies": ["EUR"],
        "hold": "RE-10",
    }
    approved, held = large_selection(proposed, answer, unpaid_extension=True)
    back = {d.invoice.id for d in proposed} - {d.invoice.id for d in approved}
    assert back == {1, 2, 3, 5, 6, 7, *range(301, 311)}
    assert [d.invoice.id for d in held] == [10]


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"approve": False}, "does not tick 'Approve"),
        ({"approve": True, "hold_back": "RE-1 RE-99999 #4242"}, "RE-99999, #4242"),
        ({"approve": True, "hold_back": "customer 5"}, "customer 5"),
        ({"approve": True, "hold": "RE-0"}, "to hold until a date names"),
    ],
)
def test_the_large_form_refuses_an_answer_that_does_not_approve_or_names_the_unknown(
    answer: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValueError) as caught:
        large_selection(_proposal(), answer, unpaid_extension=True)
    assert words in str(caught.value)


def test_the_large_forms_schema_does_not_grow_with_the_proposal() -> None:
    proposed = [escalate(i) for i in range(1, 10_001)]
    schema = large_form_model(proposed, True, 2000).model_json_schema()
    assert len(json.dumps(schema)) < 5_000
    assert "approve" in schema["required"]
    assert "10,000" in schema["properties"]["approve"]["title"]


def test_a_run_with_hundreds_proposed_is_approved_with_two_held_back(
    start_company, tmp_path
) -> None:
    company = start_company(invoices=900, seed=11)
    refused: list[str] = []
    seen: dict[str, Any] = {}

    def person() -> None:
        run_id, schema = paused_run(timeout=240)
        seen["schema"] = schema
        # An unknown number refuses the whole answer; the run waits for the next one.
        try:
            resume_flow_run(run_id, run_input={"approve": True, "hold_back": "RE-NOPE"})
        except RuntimeError as exc:  # pragma: no cover - the server may refuse it at once
            refused.append(str(exc))
        record = load_manifest(tmp_path / "out", new_runs(tmp_path / "out")[0])
        first, second = [ln for ln in record["lines"] if ln["reason"] == "ESCALATE"][:2]
        seen["held"] = (first["invoice_id"], second["invoice_id"])
        run_id, _ = paused_run(timeout=240)
        resume_flow_run(
            run_id,
            run_input={
                "approve": True,
                "hold_back": f"{first['document_nr']}, #{second['invoice_id']}",
                "note": "two disputed",
            },
        )

    thread = threading.Thread(target=person)
    thread.start()
    result = run_cli(
        ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date",
         "--approval"]
    )  # fmt: skip
    thread.join(30)
    assert result.code == 0, result.text
    assert set(seen["schema"]["properties"]) >= {"approve", "hold_back", "hold_back_steps"}
    assert "selected" not in seen["schema"]["properties"]
    (run_id,) = new_runs(tmp_path / "out")
    record = load_manifest(tmp_path / "out", run_id)
    proposed = [ln for ln in record["lines"] if ln["reason"] in ("ESCALATE", "FINAL")]
    assert len(proposed) > LARGE_PROPOSAL
    outcomes = {ln["invoice_id"]: (ln["outcome"], ln["note"]) for ln in proposed}
    assert [outcomes[i] for i in seen["held"]] == [("DESELECTED", "two disputed")] * 2
    assert sum(o == "DESELECTED" for o, _ in outcomes.values()) == 2
    levels = company.levels()
    for invoice_id in seen["held"]:
        assert levels.get(invoice_id, []) == [
            r["reminder_level"] for r in company.before.get(invoice_id, [])
        ]
