"""One deadline per reminder: the draft letter, the approver's form, the final letter, the
record and the reminder bexio created all name the same last day to pay."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

from prefect.flow_runs import resume_flow_run
from pypdf import PdfReader

from dunning.letters.fmt import prose_date
from dunning.policy_file import example_policy_path, load_policy
from dunning.rules import propose
from flows.run_inputs import zurich_today
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.harness import paused_run
from tests.support.sandbox import REFERENCE_DATE, Company

_DRAFT_WORDS = ("ENTWURF", "PROJET", "BOZZA", "DRAFT")


def _text(pdf: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(pdf).pages)


def test_draft_form_letter_record_and_bexio_name_the_same_deadline(bexio: Company, output):
    labels: list[str] = []

    def approver() -> None:
        run_id, schema = paused_run()
        labels.extend(schema["properties"]["selected"]["default"])
        resume_flow_run(run_id, run_input={"selected": list(labels)})

    person = threading.Thread(target=approver)
    person.start()
    # The sandbox's today is REFERENCE_DATE: a run on the day bexio dates its reminders.
    argv = ["run", "--approval", "--reference-date", REFERENCE_DATE.isoformat()]
    result = run_cli([*argv, "--confirm-reference-date"])
    person.join(10)
    assert result.code == 0, result.text

    (run_id,) = new_runs(output)
    folder = output / run_id
    escalated = [ln for ln in load_manifest(output, run_id)["lines"] if ln["letter"]]
    assert escalated
    for line in escalated:
        day = date.fromisoformat(line["deadline"])
        shown, off_by_one = (f"{d:%d.%m.%Y}" for d in (day, day + timedelta(days=1)))
        reminder = max(bexio.client.list_reminders(line["invoice_id"]), key=lambda r: r.id)
        assert reminder.is_valid_to == day, line
        assert line["api_deadline"] == line["deadline"], line
        (label,) = [lb for lb in labels if lb.startswith(f"#{line['invoice_id']} ")]
        assert label.endswith(f"pay by {shown}"), label
        for letter in (folder / "draft" / line["letter"], folder / line["letter"]):
            text = _text(letter)
            assert shown in text and off_by_one not in text, (letter, shown)
        # Only the draft says it is one, in the letter's language.
        drafted = _text(folder / "draft" / line["letter"])
        assert any(word in drafted for word in _DRAFT_WORDS), drafted[:200]
        assert not any(word in _text(folder / line["letter"]) for word in _DRAFT_WORDS)


def test_a_run_dated_before_today_escalates_by_that_date_with_bexios_dates(
    start_company, tmp_path: Path
):
    """bexio dates a reminder on the day it is created: a run dated three days back picks
    what was overdue then, says so once, and its letters carry bexio's date and deadline."""
    company = start_company(invoices=40, seed=7, today=None)  # the sandbox's today is today
    today = zurich_today()
    day = today - timedelta(days=3)
    policy = load_policy(example_policy_path())
    expected = propose(company.client.fetch_open_invoices(), policy, (), day).counts()
    output = tmp_path / "out"

    result = run_cli(["run", "--reference-date", day.isoformat()])
    assert result.code == 0, result.text
    said = " ".join(result.err.split())
    assert said.count("bexio dates letters and deadlines on the day of the run") == 1, said

    (run_id,) = new_runs(output)
    record = load_manifest(output, run_id)
    assert record["reference_date"] == day.isoformat()
    assert record["counts"]["reasons"] == expected
    lettered = [ln for ln in record["lines"] if ln["letter"]]
    assert lettered
    for line in lettered:
        reminder = max(company.client.list_reminders(line["invoice_id"]), key=lambda r: r.id)
        assert reminder.is_valid_from == today
        assert line["api_deadline"] == reminder.is_valid_to.isoformat()
        text = _text(output / run_id / line["letter"])
        assert f"{reminder.is_valid_to:%d.%m.%Y}" in text, line
        dated = (" ".join(prose_date(today, lang).split()) for lang in ("de", "fr", "it", "en"))
        assert any(date_text in " ".join(text.split()) for date_text in dated), line


def test_payment_days_that_differ_from_bexios_period_stop_the_run_before_any_push(
    bexio: Company, output, tmp_path: Path
):
    """The sandbox's level 1 reminders run 14 days; a policy giving 10 would print a day
    bexio does not know."""
    policy = tmp_path / "policy.toml"
    text = example_policy_path().read_text(encoding="utf-8")
    policy.write_text(text.replace("payment_days = 14", "payment_days = 10", 1), encoding="utf-8")
    before = bexio.admin("GET", "/reminders")

    argv = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--policy", str(policy)]
    result = run_cli([*argv, "--confirm-reference-date"])

    assert result.code == 2, result.text
    said = " ".join(result.err.split())
    assert "level 1's payment_days is 10, but bexio gives a level 1 reminder 14 days" in said
    assert "Nothing was pushed" in said and "Traceback" not in result.text
    assert bexio.admin("GET", "/reminders") == before
