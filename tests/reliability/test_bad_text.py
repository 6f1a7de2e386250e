"""A string from bexio that cannot be written (a lone surrogate, `"\\ud800"` in the JSON)
stays with its invoice: the run finishes, every letter is written and every reminder
marked sent, and that invoice's manifest line carries a warning."""

from __future__ import annotations

import pytest

from tests.reliability.bad_answers import escalating
from tests.support.checks import check_exactly_once
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE

RUN = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]
BAD = "\ud800"


def _contact_name(company, invoice_id: int) -> None:
    state = company.state
    state.contacts[state.invoices[invoice_id]["contact_id"]]["name_1"] = f"Muster{BAD} AG"


def _document_nr(company, invoice_id: int) -> None:
    company.state.invoices[invoice_id]["document_nr"] = f"RE-{BAD}-1"


@pytest.mark.parametrize(
    ("change", "field"),
    [(_contact_name, "name_1"), (_document_nr, "document_nr")],
    ids=["contact name", "document number"],
)
def test_a_text_that_cannot_be_written_stays_with_its_invoice(change, field, company, tmp_path):
    target, *_ = escalating(company)
    change(company, target)

    result = run_cli(RUN)

    assert result.code == 0, result.text
    assert not result.has_traceback(), result.text
    output = tmp_path / "out"
    (run_id,) = new_runs(output)
    lines = {ln["invoice_id"]: ln for ln in load_manifest(output, run_id)["lines"]}
    assert lines[target]["outcome"] == "ESCALATED"
    assert field in (lines[target]["warning"] or ""), lines[target]
    assert "\ufffd" in (lines[target]["warning"] or "")
    assert (output / run_id / lines[target]["letter"]).is_file()
    warned = {i for i, ln in lines.items() if ln["warning"] and field in ln["warning"]}
    same = "contact_id" if field == "name_1" else "invoice_id"  # the debtor's every letter
    assert warned == {
        i for i, ln in lines.items() if ln["letter"] and ln[same] == lines[target][same]
    }
    assert check_exactly_once(company, output, [run_id]).problems == []


def test_an_error_message_that_cannot_be_written_stays_with_its_invoice(company, tmp_path):
    target, *others = escalating(company)
    company.admin(
        "POST",
        "/tamper",
        {
            "method": "POST",
            "path": f"/2.0/kb_invoice/{target}/kb_reminder",
            "status": 422,
            "body": '{"error_code": 422, "message": "Ung\\ud800ltige Mahnung"}',
        },
    )

    result = run_cli(RUN)

    assert result.code == 1, result.text
    assert not result.has_traceback(), result.text
    output = tmp_path / "out"
    (run_id,) = new_runs(output)
    lines = {ln["invoice_id"]: ln for ln in load_manifest(output, run_id)["lines"]}
    assert lines[target]["outcome"] == "FAILED"
    assert "Ung\ufffdltige Mahnung" in lines[target]["error"]
    assert "error" in (lines[target]["warning"] or ""), lines[target]
    assert all(lines[i]["outcome"] == "ESCALATED" for i in others)
    company.tampered.clear()
    assert run_cli(["retry", run_id]).code == 0
    assert check_exactly_once(company, output, [run_id]).problems == []
