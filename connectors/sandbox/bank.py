"""The account's bank side: the QR references bexio prints on its invoices, and how a
credit on the bank statement (camt.054) finds the invoice it pays.

bexio numbers each invoice's payment slip itself (`esr_id`, `qr_invoice_id`: bexio-api.md
§2 "Invoice object"; recorded as 190 on invoice 194, so not the invoice id). The printed QR
reference is built the way Swiss banks assign them: the bank's customer id, the customer
number, the slip number, zero-padded to 26 digits, and the modulo-10 recursive check digit
(swiss-pdf.md §1.4). The API shows the reference nowhere: only the invoice PDF carries it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.sandbox.errors import ApiError
from connectors.sandbox.records import InvoiceRecord
from connectors.sandbox.shapes import CURRENCY_ID

__all__ = [
    "Bank",
    "BANK_CUSTOMER_ID",
    "IBAN",
    "QR_IBAN",
    "qr_reference",
    "reference_kind",
    "scor_key",
    "scor_payload",
]

Json = dict[str, Any]

# The account's bank accounts: a QR-IBAN for QR-bills with a QR reference, an ordinary IBAN
# for creditor (SCOR) references. Both are the published samples of swiss-pdf.md §1.3.
QR_IBAN = "CH44 3199 9123 0008 8901 2"
IBAN = "CH93 0076 2011 6238 5295 7"
BANK_CUSTOMER_ID = "210000"  # the 6-digit prefix the bank imposes on a QR-IBAN's references

_MOD10 = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)


def _check_digit(digits: str) -> str:
    carry = 0
    for char in digits:
        carry = _MOD10[(carry + int(char)) % 10]
    return str((10 - carry) % 10)


def qr_reference(contact_id: int, qr_invoice_id: int) -> str:
    """The 27-digit QR reference of a slip: bank customer id (6), customer number (7), the
    slip's number (13), check digit (swiss-pdf.md §1.4: "[bank customer id] + customer no.
    + invoice no.", modulo 10 recursive)."""
    body = f"{BANK_CUSTOMER_ID}{contact_id % 10**7:07d}{qr_invoice_id % 10**13:013d}"
    return body + _check_digit(body)


def _is_qrr(reference: str) -> bool:
    return (
        len(reference) == 27
        and reference.isdigit()
        and _check_digit(reference[:26]) == reference[26]
    )


def scor_payload(reference: str) -> str | None:
    """The part after "RF" and the check digits of a valid ISO 11649 creditor reference
    (swiss-pdf.md §1.4, mod 97-10), else None."""
    if not (5 <= len(reference) <= 25 and reference[:2] == "RF" and reference.isalnum()):
        return None
    if not reference.isascii() or not reference[2:4].isdigit():
        return None
    numeric = "".join(str(int(c, 36)) for c in reference[4:] + reference[:4])
    return reference[4:] if int(numeric) % 97 == 1 else None


def reference_kind(raw: str) -> tuple[str, str]:
    """("QRR" | "SCOR" | "", the reference without spaces, upper case)."""
    reference = "".join(raw.split()).upper()
    if _is_qrr(reference):
        return "QRR", reference
    if scor_payload(reference) is not None:
        return "SCOR", reference
    return "", reference


def scor_key(invoice: InvoiceRecord) -> str:
    """What follows "RF" and the check digits in an invoice's creditor reference: the
    letters and digits of its document number (the last 21), else its id."""
    alnum = "".join(c for c in invoice["document_nr"].upper() if c.isascii() and c.isalnum())
    return alnum[-21:] or str(invoice["id"])[-21:]


class Bank:
    """The account's incoming credits, booked as bexio's bank reconciliation books a
    camt.054 notification: by the QR or creditor reference to the open invoice it names,
    as a payment; what finds no invoice, or that the invoice cannot take, stays unmatched
    for a person to book (bexio-api.md §5 "Invoice payments": a payment moves the invoice
    to partial or paid; the sandbox refuses one above the open amount)."""

    def __init__(self, invoices: list[InvoiceRecord]) -> None:
        self.invoices = invoices
        self.credits: list[Json] = []
        self._by_qrr: dict[str, InvoiceRecord] | None = None  # made at the first QR credit

    def reference_of(self, invoice: InvoiceRecord) -> str:
        """The invoice's QR reference, made when asked (a few microseconds; kept for
        100,000 invoices it would hold 13 MB)."""
        return qr_reference(invoice["contact_id"] or 0, invoice["qr_invoice_id"])

    def unmatched(self) -> list[Json]:
        return [credit for credit in self.credits if credit["invoice_id"] is None]

    def book(self, body: Any, pay: Callable[[int, Json], Json], today: date) -> Json:
        """Book one credit `{"reference", "amount", "currency", "date"?}`; its record."""
        reference, amount, currency, day = _credit_fields(body, today)
        kind, reference = reference_kind(reference)
        credit: Json = {
            "id": len(self.credits) + 1,
            "date": day.isoformat(),
            "amount": f"{amount:.2f}",
            "currency": currency,
            "reference": reference,
            "reference_type": kind or "NON",
            "invoice_id": None,
            "payment_id": None,
            "unmatched_reason": None,
        }
        self.credits.append(credit)
        invoice, why = self._find(kind, reference)
        if invoice is not None and invoice["currency_id"] != CURRENCY_ID.get(currency):
            why = f"the invoice {invoice['document_nr']} is not in {currency}"
            invoice = None
        if invoice is None:
            credit["unmatched_reason"] = why
            return credit
        try:
            payment = pay(invoice["id"], {"value": str(amount), "date": day.isoformat()})
        except ApiError as refused:
            reason = "; ".join(refused.errors or []) or refused.message
            credit["unmatched_reason"] = f"{invoice['document_nr']}: {reason}"
            return credit
        credit["invoice_id"], credit["payment_id"] = invoice["id"], payment["id"]
        return credit

    def _find(self, kind: str, reference: str) -> tuple[InvoiceRecord | None, str | None]:
        if kind == "QRR":
            if self._by_qrr is None:
                self._by_qrr = {self.reference_of(i): i for i in self.invoices}
            match = self._by_qrr.get(reference)
            found = [match] if match is not None else []
        elif kind == "SCOR":
            key = reference[4:]
            found = [i for i in self.invoices if scor_key(i) == key]
        else:
            return None, "no valid QR reference or creditor reference"
        if not found:
            return None, f"no invoice has the reference {reference}"
        if len(found) > 1:
            return None, f"the reference {reference} names {len(found)} invoices"
        return found[0], None


def _credit_fields(body: Any, today: date) -> tuple[str, Decimal, str, date]:
    body = body if isinstance(body, dict) else {}
    errors = []
    reference = body.get("reference")
    if not isinstance(reference, str):
        errors.append("reference: a text is required")
    try:
        amount = Decimal(str(body.get("amount")))
        if not amount.is_finite() or amount <= 0:
            raise InvalidOperation
    except InvalidOperation:
        errors.append("amount: a positive decimal text is required")
    currency = body.get("currency")
    if currency not in CURRENCY_ID:
        errors.append(f"currency: one of {', '.join(CURRENCY_ID)}")
    try:
        day = date.fromisoformat(str(body.get("date", today.isoformat())))
    except ValueError:
        errors.append("date: expected YYYY-MM-DD")
    if errors:
        raise ApiError(422, "Could not save the entity", errors=errors)
    return str(reference), amount, str(currency), day
