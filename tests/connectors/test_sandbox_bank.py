"""The sandbox's invoices carry QR references as bexio prints them, and its bank books a
credit by that reference to the invoice, as bexio's camt.054 reconciliation does."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from stdnum.ch import esr

from connectors.sandbox.bank import QR_IBAN
from dunning.letters.qrpay import make_scor
from tests.support.payments import QrBill, pay, qr_bills
from tests.support.sandbox import TOKEN, Company

OPEN, PAID, PARTIAL = 8, 9, 16
_used: set[int] = set()


@pytest.fixture(scope="module")
def company() -> Iterator[Company]:
    with Company.started(invoices=120, seed=3) as started:
        yield started


def get(company: Company, path: str) -> Any:
    """A bexio route's JSON answer, as any client gets it."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    response = httpx.get(f"{company.url}{path}", headers=headers, timeout=30)
    response.raise_for_status()
    return response.json()


def invoice_pdf(company: Company, invoice_id: int) -> bytes:
    answer = get(company, f"/2.0/kb_invoice/{invoice_id}/pdf")
    assert answer["mime"] == "application/pdf"
    return base64.b64decode(answer["content"])


def take(company: Company, *statuses: int, currency_id: int = 1) -> dict[str, Any]:
    """An invoice no other test of this module has paid."""
    for invoice in company.state.invoice_list:
        wanted = invoice["kb_item_status_id"] in statuses and invoice["currency_id"] == currency_id
        if wanted and invoice["id"] not in _used:
            _used.add(invoice["id"])
            return dict(invoice)
    raise AssertionError(f"no free invoice in status {statuses}")


def shown(company: Company, invoice_id: int) -> dict[str, Any]:
    return dict(get(company, f"/2.0/kb_invoice/{invoice_id}"))


def test_the_invoice_pdf_carries_a_qr_bill_with_the_account_and_a_bank_style_reference(
    company: Company,
) -> None:
    for currency_id in (1, 2):
        invoice = take(company, PARTIAL, OPEN, currency_id=currency_id)
        content = invoice_pdf(company, invoice["id"])
        [bill] = qr_bills(content, dpi=150)
        assert bill.iban == QR_IBAN.replace(" ", "")
        assert bill.currency == ("CHF" if currency_id == 1 else "EUR")
        assert Decimal(bill.amount) == Decimal(invoice["total_remaining_payments"])
        assert bill.reference_type == "QRR" and esr.is_valid(bill.reference)
        # The bank's customer id first, bexio's slip number last: not the invoice id.
        assert bill.reference.startswith("210000")
        assert bill.reference[13:26] == f"{invoice['qr_invoice_id']:013d}"
        assert invoice["qr_invoice_id"] == invoice["esr_id"] != invoice["id"]
        text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
        assert esr.format(bill.reference) in text and invoice["document_nr"] in text


def test_no_two_invoices_share_a_qr_reference(company: Company) -> None:
    references = {company.state.qr_reference(i["id"]) for i in company.state.invoice_list}
    assert len(references) == len(company.state.invoice_list)


def test_paying_the_qr_bill_of_an_invoice_pays_it_in_full(company: Company) -> None:
    invoice = take(company, OPEN)
    [bill] = qr_bills(invoice_pdf(company, invoice["id"]))
    credit = pay(company, bill)
    assert credit["invoice_id"] == invoice["id"] and credit["unmatched_reason"] is None
    after = shown(company, invoice["id"])
    assert after["kb_item_status_id"] == PAID
    assert Decimal(after["total_remaining_payments"]) == 0
    payments = get(company, f"/2.0/kb_invoice/{invoice['id']}/payment")
    assert [p["id"] for p in payments] == [credit["payment_id"]]
    assert Decimal(payments[0]["value"]) == Decimal(bill.amount)
    assert credit not in company.admin("GET", "/bank/unmatched")


def test_a_smaller_credit_leaves_the_invoice_partly_paid(company: Company) -> None:
    invoice = take(company, OPEN)
    [bill] = qr_bills(invoice_pdf(company, invoice["id"]))
    pay(company, bill, amount="10.00")
    after = shown(company, invoice["id"])
    assert after["kb_item_status_id"] == PARTIAL
    left = Decimal(invoice["total_remaining_payments"]) - Decimal("10.00")
    assert Decimal(after["total_remaining_payments"]) == left
    # The invoice's PDF now asks for what is left, under the same reference.
    [again] = qr_bills(invoice_pdf(company, invoice["id"]))
    assert (Decimal(again.amount), again.reference) == (left, bill.reference)


def test_more_than_is_open_stays_unmatched_and_the_invoice_untouched(company: Company) -> None:
    invoice = take(company, OPEN)
    [bill] = qr_bills(invoice_pdf(company, invoice["id"]))
    more = str(Decimal(bill.amount) + Decimal("20.00"))
    credit = pay(company, bill, amount=more)
    assert credit["invoice_id"] is None
    assert invoice["document_nr"] in credit["unmatched_reason"]
    assert "exceeds the open amount" in credit["unmatched_reason"]
    assert credit in company.admin("GET", "/bank/unmatched")
    assert shown(company, invoice["id"])["kb_item_status_id"] == OPEN


def test_a_credit_with_an_unknown_or_broken_reference_stays_unmatched(company: Company) -> None:
    known = company.state.qr_reference(take(company, OPEN)["id"])
    broken = known[:-1] + str((int(known[-1]) + 1) % 10)  # the check digit is wrong
    unknown = "210000" + "9" * 20
    unknown += str(esr.calc_check_digit(unknown))
    for reference, why in ((broken, "no valid"), (unknown, "no invoice has")):
        credit = pay(company, QrBill("", "", "CHF", "QRR", reference), amount="50.00")
        assert credit["invoice_id"] is None and why in credit["unmatched_reason"]
        assert credit in company.admin("GET", "/bank/unmatched")


def test_a_creditor_reference_of_the_document_number_pays_that_invoice(
    company: Company,
) -> None:
    invoice = take(company, OPEN)
    number = "".join(c for c in invoice["document_nr"] if c.isalnum())
    bill = QrBill("", "", "CHF", "SCOR", make_scor(number))
    credit = pay(company, bill, amount=invoice["total_remaining_payments"])
    assert credit["invoice_id"] == invoice["id"]
    assert shown(company, invoice["id"])["kb_item_status_id"] == PAID


def test_a_credit_in_another_currency_stays_unmatched(company: Company) -> None:
    invoice = take(company, OPEN)
    bill = QrBill("", "", "EUR", "QRR", company.state.qr_reference(invoice["id"]))
    credit = pay(company, bill, amount="5.00")
    assert credit["invoice_id"] is None and "not in EUR" in credit["unmatched_reason"]
    assert shown(company, invoice["id"])["kb_item_status_id"] == OPEN


def test_a_credit_without_amount_or_currency_is_refused_with_what_is_missing(
    company: Company,
) -> None:
    response = httpx.post(
        f"{company.url}/_sandbox/bank/credits",
        json={"reference": "RF18539007547034"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 422
    errors = " ".join(response.json()["errors"])
    assert "amount" in errors and "currency" in errors


def test_an_invoice_in_another_currency_has_no_qr_bill(company: Company) -> None:
    invoice = take(company, OPEN)
    company.state.invoice(invoice["id"])["currency_id"] = 3  # USD: the QR-bill takes none
    content = invoice_pdf(company, invoice["id"])
    assert qr_bills(content) == []
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert invoice["document_nr"] in text and "USD" in text
