"""Approval answers a person (or a script) may give: only proposed invoices can be
approved, an answer can only narrow the proposal (an omitted or null selection is refused,
removing every invoice needs its own tick), an oversized note is refused. A refused answer
leaves the run waiting for the next one, with nothing pushed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prefect.flow_runs import resume_flow_run

from flows.approval import NOTE_LIMIT, ApprovalError, check_answer
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.harness import paused_run
from tests.support.sandbox import REFERENCE_DATE

RUN = [
    "run",
    "--reference-date",
    REFERENCE_DATE.isoformat(),
    "--confirm-reference-date",
    "--approval",
]


Answer = Callable[[list[str]], dict[str, Any]]  # the form's choices -> an answer


def _approve(answers: list[Answer], refused: list[str]) -> threading.Thread:
    """Answers the paused run with each answer in turn, each once the run waits again;
    the server's refusals are collected in `refused`."""

    def person() -> None:
        for answer in answers:
            run_id, schema = paused_run()
            choices = schema["properties"]["selected"]["default"]
            try:
                resume_flow_run(run_id, run_input=answer(choices))
            except RuntimeError as exc:
                refused.append(str(exc))

    thread = threading.Thread(target=person)
    thread.start()
    return thread


def _run_with(answers: list[Answer], output: Path) -> tuple[int, dict[str, Any], list[str]]:
    refused: list[str] = []
    person = _approve(answers, refused)
    code = run_cli(RUN).code
    person.join(10)
    (run_id,) = new_runs(output)
    return code, load_manifest(output, run_id), refused


def test_an_invoice_that_was_not_proposed_is_refused_and_nothing_pushed(company, tmp_path):
    before = company.admin("GET", "/reminders")
    code, record, refused = _run_with(
        [
            lambda choices: {
                "selected": [*choices, "#99999 RE-99999 · forged · L0 → L1 · CHF 1.00"]
            },
            lambda choices: {"selected": [], "escalate_none": True, "note": "not this month"},
        ],
        tmp_path / "out",
    )
    assert len(refused) == 1 and "Cannot resume" in refused[0]
    assert code == 0
    proposed = [ln for ln in record["lines"] if ln["reason"] in ("ESCALATE", "FINAL")]
    assert proposed and {ln["outcome"] for ln in proposed} == {"DESELECTED"}
    assert {ln["note"] for ln in proposed} == {"not this month"}
    assert company.admin("GET", "/reminders") == before


def test_an_oversized_note_is_refused_then_a_proper_answer_is_taken(company, tmp_path):
    code, record, refused = _run_with(
        [
            lambda choices: {"selected": choices, "note": "x" * (NOTE_LIMIT + 1)},
            lambda choices: {"selected": choices, "note": "ok"},
        ],
        tmp_path / "out",
    )
    assert len(refused) == 1 and code == 0
    escalated = [ln for ln in record["lines"] if ln["reason"] == "ESCALATE"]
    assert escalated and {ln["outcome"] for ln in escalated} == {"ESCALATED"}


def test_an_answer_that_omits_the_selection_is_refused_and_the_run_keeps_waiting(company, tmp_path):
    """The UI's "Omit value" sends no selection; it must never mean "every invoice"."""
    code, record, refused = _run_with(
        [
            lambda choices: {"note": "the first one waits"},
            lambda choices: {"selected": None, "note": "the first one waits"},
            lambda choices: {"selected": choices[1:], "note": "the first one waits"},
        ],
        tmp_path / "out",
    )
    assert len(refused) == 2 and code == 0
    proposed = [ln for ln in record["lines"] if ln["reason"] in ("ESCALATE", "FINAL")]
    deselected = [ln for ln in proposed if ln["outcome"] == "DESELECTED"]
    assert len(deselected) == 1 and deselected[0]["note"] == "the first one waits"
    assert all(ln["outcome"] != "DESELECTED" for ln in proposed if ln not in deselected)


def test_removing_every_invoice_is_asked_again_until_it_is_confirmed(company, tmp_path):
    before = company.admin("GET", "/reminders")
    code, record, refused = _run_with(
        [
            lambda choices: {"selected": [], "note": "all wait"},
            lambda choices: {"selected": [], "escalate_none": True, "note": "all wait"},
        ],
        tmp_path / "out",
    )
    assert refused == [] and code == 0  # the server took both; the run refused the first
    proposed = [ln for ln in record["lines"] if ln["reason"] in ("ESCALATE", "FINAL")]
    assert proposed and {ln["outcome"] for ln in proposed} == {"DESELECTED"}
    assert company.admin("GET", "/reminders") == before


def test_check_answer_refuses_ids_not_proposed_and_long_notes():
    with pytest.raises(ApprovalError, match="not proposed"):
        check_answer([], ["#1 RE-1 · someone · L0 → L1 · CHF 10.00"], "")
    with pytest.raises(ApprovalError, match=str(NOTE_LIMIT)):
        check_answer([], [], "n" * (NOTE_LIMIT + 1))
    assert check_answer([], [], "  ").approved_ids == frozenset()


def test_the_form_requires_a_selection_although_it_starts_with_every_invoice():
    from flows.approval import _form_model

    schema = _form_model(["#1 a", "#2 b"]).model_json_schema()
    assert "selected" in schema["required"]
    assert schema["properties"]["selected"]["default"] == ["#1 a", "#2 b"]
