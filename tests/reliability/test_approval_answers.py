"""Approval answers a person (or a script) may give: only proposed invoices can be
approved, an empty selection pushes nothing, an oversized note is refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prefect.flow_runs import resume_flow_run
from reliability_kit import REFERENCE_DATE, load_manifest, new_runs, paused_run, run_cli

from flows.approval import NOTE_LIMIT, ApprovalError, check_answer

RUN = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--approval"]


Answer = Callable[[list[str]], dict[str, Any]]  # the form's choices -> an answer


def _approve(answers: list[Answer], refused: list[str]) -> threading.Thread:
    """Answers the paused run with each answer in turn until one is taken."""

    def person() -> None:
        run_id, schema = paused_run()
        choices = schema["properties"]["selected"]["default"]
        for answer in answers:
            try:
                resume_flow_run(run_id, run_input=answer(choices))
                return
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
            lambda choices: {"selected": [], "note": "not this month"},
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
        [lambda choices: {"note": "x" * (NOTE_LIMIT + 1)}, lambda choices: {"note": "ok"}],
        tmp_path / "out",
    )
    assert len(refused) == 1 and code == 0
    escalated = [ln for ln in record["lines"] if ln["reason"] == "ESCALATE"]
    assert escalated and {ln["outcome"] for ln in escalated} == {"ESCALATED"}


def test_check_answer_refuses_ids_not_proposed_and_long_notes():
    with pytest.raises(ApprovalError, match="not proposed"):
        check_answer([], ["#1 RE-1 · someone · L0 → L1 · CHF 10.00"], "")
    with pytest.raises(ApprovalError, match=str(NOTE_LIMIT)):
        check_answer([], [], "n" * (NOTE_LIMIT + 1))
    assert check_answer([], [], "  ").approved_ids == frozenset()
