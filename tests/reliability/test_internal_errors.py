"""A bug of ours met by one invoice: that invoice fails with words a user can report, its
traceback goes to the run folder's errors.log, and the run says so in its last line."""

from __future__ import annotations

from tests.reliability.bad_answers import escalating
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE

REFUSED = '{"error_code": 422, "message": "Could not save the entity"}'
# An amount bexio writes unpadded ("100"), but with more digits than the run computes with.
TOO_LARGE = "1" + "0" * 30


def test_an_internal_error_is_logged_with_its_traceback_and_named_last(company, tmp_path):
    target, *others = escalating(company)
    reminders = f"/2.0/kb_invoice/{target}/kb_reminder"
    company.admin(
        "POST", "/tamper", {"method": "POST", "path": reminders, "status": 422, "body": REFUSED}
    )
    first = run_cli(
        ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]
    )
    assert first.code == 1, first.text
    (run_id,) = new_runs(tmp_path / "out")
    folder = tmp_path / "out" / run_id
    assert not (folder / "errors.log").exists()  # bexio's refusal is no bug of ours

    company.tampered.clear()
    company.state.invoices[target]["total_remaining_payments"] = TOO_LARGE
    retried = run_cli(["retry", run_id])

    assert retried.code == 1, retried.text
    assert not retried.has_traceback(), retried.text
    last = retried.err.strip().splitlines()[-1]
    assert "an internal error happened" in last and str(folder / "errors.log") in last
    lines = {ln["invoice_id"]: ln for ln in load_manifest(tmp_path / "out", run_id)["lines"]}
    assert lines[target]["outcome"] == "FAILED"
    assert lines[target]["error"].startswith("internal error: InvalidOperation")
    assert lines[target]["error"].endswith(
        "This is a bug in dunning; please report it with the run folder's errors.log."
    )
    assert all(lines[i]["outcome"] == "ESCALATED" for i in others)
    log = (folder / "errors.log").read_text(encoding="utf-8")
    assert f"invoice {target}: internal error: InvalidOperation" in log
    assert "Traceback (most recent call last)" in log
    assert "decimal.InvalidOperation" in log
