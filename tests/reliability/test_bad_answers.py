"""Odd and broken API answers (see `bad_answers.py`): no traceback, nothing pushed for a
run that cannot read its invoices, and one invoice's trouble stays with that invoice."""

from __future__ import annotations

import pytest

from tests.reliability.bad_answers import ANSWERS, escalating
from tests.support.checks import check_exactly_once
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE

RUN = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("answer", ANSWERS, ids=[a.name for a in ANSWERS])
def test_odd_answer_is_handled_without_traceback(answer, company, tmp_path):
    target, *others = escalating(company)
    answer.change(company, target)
    result = run_cli(RUN)
    output = tmp_path / "out"
    assert result.code == answer.code, result.text
    assert not result.has_traceback(), result.text
    stats = company.admin("GET", "/stats")
    if answer.outcome is None:  # the run stopped before pushing anything
        for words in answer.says:
            assert words in flat(result.text), (words, result.text)
        if new_runs(output):  # a run that started says how to finish it
            assert "dunning retry" in flat(result.text)
        assert stats.get("reminders_created", 0) == stats.get("invoices_marked_unpaid", 0) == 0
        return
    (run_id,) = new_runs(output)
    lines = {ln["invoice_id"]: ln for ln in load_manifest(output, run_id)["lines"]}
    assert lines[target]["outcome"] == answer.outcome, lines[target]
    for words in answer.says:
        assert words in (lines[target]["error"] or ""), lines[target]
    assert all(lines[i]["outcome"] == "ESCALATED" for i in others)
    if answer.outcome == "ESCALATED":
        assert (output / run_id / lines[target]["letter"]).is_file()
        return
    company.tampered.clear()  # bexio answers properly again: the retry finishes the run
    assert run_cli(["retry", run_id]).code == 0
    tally = check_exactly_once(company, output, [run_id])
    assert tally.ok, tally.problems
