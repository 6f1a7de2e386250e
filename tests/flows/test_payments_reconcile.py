"""A customer who pays exactly what a letter's QR-bill asks leaves bexio consistent: the
invoice is paid in full, the bank has no unmatched credit, and the letter's fees and
interest wait in the run's record and spreadsheet, to be invoiced separately."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dunning.policy_file import example_policy_path
from tests.support.harness import manifest_of, run_flow
from tests.support.payments import pay, qr_bills
from tests.support.sandbox import REFERENCE_DATE, Company

PAID = 9
ORDINARY_IBAN = "CH93 0076 2011 6238 5295 7"  # the sandbox account's ordinary IBAN


def policy_with_iban(folder: Path, iban: str) -> Path:
    """The example policy with another account for the letters' QR-bills."""
    text = example_policy_path().read_text(encoding="utf-8")
    path = folder / "policy.toml"
    path.write_text(text.replace("CH44 3199 9123 0008 8901 2", iban), encoding="utf-8")
    return path


@pytest.mark.parametrize("iban", [ORDINARY_IBAN], ids=["creditor-reference"])
def test_paying_each_letters_qr_bill_pays_its_invoice_in_full_and_nothing_stays_unmatched(
    bexio: Company, output: Path, tmp_path: Path, iban: str
) -> None:
    policy = policy_with_iban(tmp_path, iban)
    _, summary = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, policy=str(policy)
    )
    record = manifest_of(summary)
    run_dir = output / record["run_id"]
    lettered = [ln for ln in record["lines"] if ln["letter"] and ln["currency"] in ("CHF", "EUR")]
    assert len(lettered) >= 5

    for line in lettered:
        [bill] = qr_bills(run_dir / line["letter"])
        credit = pay(bexio, bill)
        assert credit["invoice_id"] == line["invoice_id"], (line["document_nr"], credit)

    assert bexio.admin("GET", "/bank/unmatched") == []
    for line in lettered:
        invoice = bexio.state.invoice(line["invoice_id"])
        assert invoice["kb_item_status_id"] == PAID, line["document_nr"]
        assert Decimal(invoice["total_remaining_payments"]) == 0

    # Fees and interest were not paid with the invoice: the record and run.xlsx keep them,
    # per line and in total per currency, as the amounts to invoice separately.
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for line in lettered:
        separately = Decimal(line["fees"]) + Decimal(line["interest"])
        assert Decimal(line["invoice_separately"]) == separately
        expected[line["currency"]] += separately
    assert any(expected.values())
    book = load_workbook(run_dir / "run.xlsx")
    head = [c.value for c in next(book["Totals"].iter_rows(max_row=1))]
    column = head.index("to invoice separately")
    found = {
        row[0].value: Decimal(str(row[column].value)) for row in book["Totals"].iter_rows(min_row=2)
    }
    for currency, amount in expected.items():
        assert found[currency] == amount, currency


def test_letters_from_bexio_leave_nothing_to_invoice_separately(
    bexio: Company, output: Path, tmp_path: Path
) -> None:
    text = example_policy_path().read_text(encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(text.replace('source = "own"', 'source = "bexio"', 1), encoding="utf-8")
    _, summary = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, policy=str(policy)
    )
    record = manifest_of(summary)
    lettered = [ln for ln in record["lines"] if ln["letter"]]
    # bexio's letter claims none of our fees or interest, so none are to be invoiced.
    assert any(Decimal(ln["fees"]) + Decimal(ln["interest"]) > 0 for ln in lettered)
    assert {ln["invoice_separately"] for ln in lettered} == {"0.00"}
    book = load_workbook(output / record["run_id"] / "run.xlsx")
    head = [c.value for c in next(book["Totals"].iter_rows(max_row=1))]
    column = head.index("to invoice separately")
    assert {row[column].value for row in book["Totals"].iter_rows(min_row=2)} == {0}
