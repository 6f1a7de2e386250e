"""A customer who pays exactly what a letter's QR-bill asks (or, with letters from bexio,
the amount and reference bexio's reminder shows) leaves bexio consistent: the invoice is
paid in full, the bank has no unmatched credit, and our letter's fees and interest wait in
the run's record and spreadsheet, to be invoiced separately."""

from __future__ import annotations

import base64
import io
import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from dunning.policy_file import example_policy_path
from dunning.proposal import Reason
from tests.support.harness import manifest_of, run_flow
from tests.support.payments import pay, qr_bills
from tests.support.sandbox import REFERENCE_DATE, Company

PAID = 9


def without_qr_bill(company: Company, invoice_id: int, document_nr: str) -> None:
    """bexio answers this invoice's PDF with one that has no QR-bill (an invoice printed
    without payment slip): its letter falls back to a creditor reference."""
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, f"Rechnung {document_nr}")
    canvas.showPage()
    canvas.save()
    content = out.getvalue()
    answer = {"name": "re.pdf", "size": len(content), "mime": "application/pdf"}
    answer["content"] = base64.b64encode(content).decode()
    route = {"method": "GET", "path": f"/2.0/kb_invoice/{invoice_id}/pdf", "status": 200}
    company.admin("POST", "/tamper", {**route, "body": json.dumps(answer)})


def test_paying_each_letters_qr_bill_pays_its_invoice_in_full_and_nothing_stays_unmatched(
    bexio: Company, output: Path
) -> None:
    escalated = [d.invoice for d in bexio.decisions(Reason.ESCALATE)]
    for invoice in escalated[::3]:
        without_qr_bill(bexio, invoice.id, invoice.document_nr)
    _, summary = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    record = manifest_of(summary)
    run_dir = output / record["run_id"]
    lettered = [ln for ln in record["lines"] if ln["letter"]]
    assert {ln["invoice_id"] for ln in lettered} == {i.id for i in escalated}

    kinds = set()
    for line in lettered:
        [bill] = qr_bills(run_dir / line["letter"])
        kinds.add(bill.reference_type)
        credit = pay(bexio, bill)
        assert credit["invoice_id"] == line["invoice_id"], (line["document_nr"], credit)
    assert kinds == {"QRR", "SCOR"}  # the invoice's own reference, and the fallback

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


def _run_with_bexio_letters(tmp_path: Path) -> dict[str, Any]:
    """A run of the example policy with `[letters] source = "bexio"`; its record."""
    text = example_policy_path().read_text(encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(text.replace('source = "own"', 'source = "bexio"', 1), encoding="utf-8")
    _, summary = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, policy=str(policy)
    )
    return manifest_of(summary)


def test_paying_what_bexios_letter_asks_pays_its_invoice_in_full_and_nothing_stays_unmatched(
    bexio: Company, output: Path, tmp_path: Path
) -> None:
    record = _run_with_bexio_letters(tmp_path)
    lettered = [ln for ln in record["lines"] if ln["letter"] and ln["currency"] in ("CHF", "EUR")]
    assert lettered
    for line in lettered:
        # The customer reads the amount and the reference off bexio's reminder, and pays.
        page = PdfReader(output / record["run_id"] / line["letter"]).pages[0].extract_text()
        amount = re.search(r"Offener Betrag\s+(?:CHF|EUR)\s*([\d'.]+)", page)
        reference = re.search(r"QR-Referenz\s+([\d ]+\d)", page)
        assert amount and reference, page
        credit = bexio.admin(
            "POST",
            "/bank/credits",
            {
                "reference": reference.group(1).replace(" ", ""),
                "amount": amount.group(1).replace("'", ""),
                "currency": line["currency"],
            },
        )
        assert credit["invoice_id"] == line["invoice_id"], (line["document_nr"], credit)
    assert bexio.admin("GET", "/bank/unmatched") == []
    for line in lettered:
        invoice = bexio.state.invoice(line["invoice_id"])
        assert invoice["kb_item_status_id"] == PAID, line["document_nr"]


def test_letters_from_bexio_leave_nothing_to_invoice_separately(
    bexio: Company, output: Path, tmp_path: Path
) -> None:
    record = _run_with_bexio_letters(tmp_path)
    lettered = [ln for ln in record["lines"] if ln["letter"]]
    # bexio's letter claims none of our fees or interest, so none are to be invoiced.
    assert any(Decimal(ln["fees"]) + Decimal(ln["interest"]) > 0 for ln in lettered)
    assert {ln["invoice_separately"] for ln in lettered} == {"0.00"}
    book = load_workbook(output / record["run_id"] / "run.xlsx")
    head = [c.value for c in next(book["Totals"].iter_rows(max_row=1))]
    column = head.index("to invoice separately")
    assert {row[column].value for row in book["Totals"].iter_rows(min_row=2)} == {0}
