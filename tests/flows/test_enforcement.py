"""The debt-enforcement hand-off: a run that takes invoices past the last level leaves
`enforcement.csv` and one filled request per invoice, named in its record."""

from __future__ import annotations

import csv
import re
from decimal import Decimal

from pypdf import PdfReader

from dunning.money import money_text
from tests.support.harness import manifest_of, run_flow
from tests.support.sandbox import REFERENCE_DATE


def _text(path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(path).pages))


def test_invoices_past_the_last_level_are_handed_over_for_debt_enforcement(bexio, output):
    reminders_before = {i: list(rs) for i, rs in bexio.state.reminders.items()}
    state, summary = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    assert state.is_completed(), state.message
    record = manifest_of(summary)
    handed = [ln for ln in record["lines"] if ln["outcome"] == "MARKED_UNPAID"]
    assert handed, "the sandbox company should have invoices past the last level"
    folder = output / record["run_id"]
    assert record["enforcement_csv"] == "enforcement.csv"
    with (folder / "enforcement.csv").open(encoding="utf-8", newline="") as fh:
        rows = {int(row["invoice_id"]): row for row in csv.DictReader(fh)}
    assert set(rows) == {ln["invoice_id"] for ln in handed}
    assert sorted(p.name for p in (folder / "enforcement").iterdir()) == sorted(
        f"{ln['document_nr']}.pdf" for ln in handed
    )
    for line in handed:
        row = rows[line["invoice_id"]]
        invoice = bexio.state.invoices[line["invoice_id"]]
        debtor = bexio.client.fetch_contact(invoice["contact_id"])
        sent = sorted(reminders_before[line["invoice_id"]], key=lambda r: r["is_valid_from"])
        assert row["document_nr"] == line["document_nr"]
        assert row["invoice_date"] == invoice["is_valid_from"]
        assert row["debtor_name"] == debtor.name and row["debtor_city"] == debtor.address.city
        assert row["creditor_name"] == "Muster AG" and row["creditor_city"] == "Zürich"
        assert (row["currency"], row["claim_amount"]) == (line["currency"], line["open_amount"])
        assert row["interest_rate_percent"] == "5"
        assert row["interest_from"] == sent[0]["is_valid_from"]  # interest_from first_reminder
        assert row["reminders"] == "; ".join(
            f"{r['reminder_level']}: {r['is_valid_from']}" for r in sent
        )
        assert line["enforcement"] == row["pdf"] == f"enforcement/{line['document_nr']}.pdf"
        text = _text(folder / row["pdf"])
        amount = money_text(Decimal(line["open_amount"]), group="'")
        assert debtor.name in text
        assert f"{line['currency']} {amount}" in text
        assert line["document_nr"] in text
        assert all(f"{r['is_valid_from'][8:10]}.{r['is_valid_from'][5:7]}." in text for r in sent)
    others = [ln for ln in record["lines"] if ln["outcome"] != "MARKED_UNPAID"]
    assert all(ln["enforcement"] is None for ln in others)


def test_manual_action_invoices_are_handed_over_too(bexio, output, monkeypatch):
    monkeypatch.setenv("BEXIO_UNPAID_EXTENSION", "false")
    state, summary = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    record = manifest_of(summary)
    manual = [ln for ln in record["lines"] if ln["outcome"] == "MANUAL_ACTION"]
    assert manual
    folder = output / record["run_id"]
    with (folder / "enforcement.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["document_nr"] for r in rows) == sorted(ln["document_nr"] for ln in manual)
    assert {r["outcome"] for r in rows} == {"MANUAL_ACTION"}


def test_a_dry_run_hands_nothing_over(bexio, output):
    state, summary = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, dry_run=True
    )
    record = manifest_of(summary)
    assert record["enforcement_csv"] is None
    assert not (output / record["run_id"] / "enforcement.csv").exists()
    assert not (output / record["run_id"] / "enforcement").exists()
