"""The invoice PDF the sandbox serves: an A4 invoice with a real Swiss QR-bill.

bexio answers `GET /2.0/kb_invoice/{id}/pdf` with `{"name", "size", "mime", "content"}`, the
content a base64 PDF named like `re-00001.pdf` (bexio-api.md §2, "Endpoints" and "PDF"). Its
payment part carries the account's QR-IBAN, the invoice's QR reference (`bank.py`) and the
open amount; CHF and EUR only, as the QR-bill takes no other currency (swiss-pdf.md §1).
bexio's document, not ours: drawn here in the standard Helvetica, without the letters'
embedded fonts, which would triple the cost of a benchmark that reads every invoice's PDF.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from qrbill import QRBill
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from connectors.sandbox.bank import QR_IBAN
from connectors.sandbox.shapes import COUNTRIES, CURRENCIES, LANGUAGES
from dunning.letters.fmt import latin_text, pdf_text
from dunning.letters.qrpay import Payment, format_reference, qr_runs
from dunning.letters.texts import PAYMENT_LABELS
from dunning.money import money_text

__all__ = ["ACCOUNT_HOLDER", "invoice_pdf"]

Json = Mapping[str, Any]  # a bexio object: a record or a dict

# The sandbox company's own name and address: the creditor of every invoice it issues.
ACCOUNT_HOLDER = {
    "name": "Muster AG",
    "street": "Bahnhofstrasse",
    "house_num": "1",
    "pcode": "8001",
    "city": "Zürich",
    "country": "CH",
}
_ISO = {lang["id"]: lang["iso_639_1"] for lang in LANGUAGES}
_COUNTRY = {c["id"]: c["iso_3166_alpha2"] for c in COUNTRIES}
_CURRENCY = {c["id"]: c["name"] for c in CURRENCIES}
_HEADINGS = {
    "de": ("Rechnung", "Rechnungsdatum", "Fällig am", "Total", "Bereits bezahlt", "Offen"),
    "fr": ("Facture", "Date de la facture", "Échéance", "Total", "Déjà payé", "Ouvert"),
    "it": ("Fattura", "Data della fattura", "Scadenza", "Totale", "Già pagato", "Aperto"),
    "en": ("Invoice", "Invoice date", "Due date", "Total", "Already paid", "Open"),
}


def _address(contact: Json) -> dict[str, str] | None:
    """The debtor as the QR-bill takes it; None when the contact's address is incomplete."""
    if contact["contact_type_id"] == 1:
        name = contact["name_1"]
    else:
        name = f"{contact['name_2'] or ''} {contact['name_1']}".strip()
    address = {
        "name": latin_text(name, 70),
        "street": latin_text(contact.get("street_name") or "", 70),
        "house_num": latin_text(contact.get("house_number") or "", 16),
        "pcode": latin_text(contact["postcode"] or "", 16),
        "city": latin_text(contact["city"] or "", 35),
        "country": _COUNTRY.get(contact["country_id"] or 0, "CH"),
    }
    return address if address["name"] and address["pcode"] and address["city"] else None


def _lines(address: dict[str, str]) -> tuple[str, ...]:
    street = f"{address['street']} {address['house_num']}".strip()
    prefix = "" if address["country"] in ("CH", "LI") else address["country"] + "-"
    town = f"{prefix}{address['pcode']} {address['city']}"
    return tuple(line for line in (address["name"], street, town) if line)


def _payment(invoice: Json, contact: Json, reference: str, lang: str) -> Payment | None:
    """The payment part of the invoice; None for a currency the QR-bill does not take."""
    currency = _CURRENCY.get(invoice["currency_id"], "")
    if currency not in ("CHF", "EUR"):
        return None
    open_amount = Decimal(invoice["total_remaining_payments"])
    debtor = _address(contact)
    creditor = {k: latin_text(v) for k, v in ACCOUNT_HOLDER.items()}
    info = latin_text(f"{_HEADINGS[lang][0]} {invoice['document_nr']}", 140)
    try:
        bill = _bill(creditor, debtor, open_amount, currency, reference, info, lang)
    except ValueError:  # a debtor address the guidelines refuse: the payer fills it in
        debtor = None
        bill = _bill(creditor, debtor, open_amount, currency, reference, info, lang)
    return Payment(
        payload=bill.qr_data(),
        account=QR_IBAN,
        creditor=_lines(creditor),
        debtor=_lines(debtor) if debtor else (),
        reference=format_reference(reference),
        additional=info,
        currency=currency,
        amount=money_text(open_amount, group=" ") if open_amount > 0 else "",
    )


def _bill(
    creditor: dict[str, str],
    debtor: dict[str, str] | None,
    amount: Decimal,
    currency: str,
    reference: str,
    info: str,
    lang: str,
) -> QRBill:
    bill = QRBill(
        account=QR_IBAN,
        creditor=creditor,
        debtor=debtor,
        amount=money_text(amount) if amount > 0 else None,
        currency=currency,
        reference_number=reference,
        additional_information=info,
        language=lang,
    )
    bill.qr_data()  # validates
    return bill


def invoice_pdf(invoice: Json, contact: Json, reference: str) -> bytes:
    """One A4 page: sender, recipient, the invoice's figures, the reference, the QR-bill."""
    lang = _ISO.get(invoice["language_id"], "de")
    lang = lang if lang in _HEADINGS else "de"
    heads = _HEADINGS[lang]
    currency = _CURRENCY.get(invoice["currency_id"], "")
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, invariant=1)
    width, height = A4
    c.setFont("Helvetica-Bold", 12)
    c.drawString(22 * mm, height - 20 * mm, ACCOUNT_HOLDER["name"])
    c.setFont("Helvetica", 9)
    c.drawString(22 * mm, height - 25 * mm, pdf_text("Bahnhofstrasse 1, 8001 Zürich"))
    c.setFont("Helvetica", 10)
    for row, line in enumerate(invoice["contact_address"].split("\n")):
        c.drawString(118 * mm, height - (55 + 4.5 * row) * mm, pdf_text(line))
    c.setFont("Helvetica-Bold", 12)
    c.drawString(22 * mm, height - 90 * mm, pdf_text(f"{heads[0]} {invoice['document_nr']}"))
    total = Decimal(invoice["total"])
    remaining = Decimal(invoice["total_remaining_payments"])
    rows = [
        (heads[1], invoice["is_valid_from"]),
        (heads[2], invoice["is_valid_to"]),
        (heads[3], f"{currency} {money_text(total, group=chr(39))}"),
        (heads[4], f"{currency} {money_text(total - remaining, group=chr(39))}"),
        (heads[5], f"{currency} {money_text(remaining, group=chr(39))}"),
        (PAYMENT_LABELS[lang]["reference"], format_reference(reference)),
    ]
    c.setFont("Helvetica", 10)
    c.drawString(22 * mm, height - 100 * mm, pdf_text(invoice["title"] or ""))
    for row, (label, value) in enumerate(rows):
        y = height - (110 + 6 * row) * mm
        c.drawString(22 * mm, y, pdf_text(label))
        c.drawString(75 * mm, y, pdf_text(value))
    payment = _payment(invoice, contact, reference, lang)
    if payment is not None:
        _payment_part(c, payment, PAYMENT_LABELS[lang], width)
    c.showPage()
    c.save()
    return buffer.getvalue()


def _payment_part(c: Canvas, pay: Payment, labels: dict[str, str], width: float) -> None:
    """The receipt and payment part in the bottom 105 mm, as the guidelines place them:
    receipt 62 mm wide, the 46 mm QR code with its Swiss cross at 67 mm, details at 118 mm."""
    c.setDash(3, 2)
    c.line(0, 105 * mm, width, 105 * mm)
    c.line(62 * mm, 0, 62 * mm, 105 * mm)
    c.setDash()
    for x, title, head, value, column in (
        (5 * mm, labels["receipt"], 6, 8, 52 * mm),
        (118 * mm, labels["payment_part"], 8, 10, 87 * mm),
    ):
        c.setFont("Helvetica-Bold", 11)
        c.drawString(x if x < 62 * mm else 67 * mm, 100 * mm - 9, title)
        y = (93 if x < 62 * mm else 100) * mm - head
        blocks = [(labels["account"], (pay.account, *pay.creditor))]
        blocks += [(labels["reference"], (pay.reference,))]
        if x > 62 * mm and pay.additional:
            blocks += [(labels["additional"], (pay.additional,))]
        if pay.debtor:
            blocks += [(labels["payable_by"], pay.debtor)]
        for heading, lines in blocks:
            c.setFont("Helvetica-Bold", head)
            c.drawString(x, y, heading)
            c.setFont("Helvetica", value)
            for line in lines:
                y -= value + 1
                c.drawString(x, y, pdf_text(line)[: int(column / (value * 0.5))])
            y -= (value + 1) * 1.8
        amount_x = 5 * mm if x < 62 * mm else 67 * mm
        c.setFont("Helvetica-Bold", head)
        c.drawString(amount_x, 37 * mm - head, labels["currency"])
        c.drawString(amount_x + (15 if x < 62 * mm else 22) * mm, 37 * mm - head, labels["amount"])
        c.setFont("Helvetica", value)
        c.drawString(amount_x, 37 * mm - head - value - 3, pay.currency)
        c.drawString(
            amount_x + (15 if x < 62 * mm else 22) * mm, 37 * mm - head - value - 3, pay.amount
        )
    _qr_code(c, pay.payload)


def _qr_code(c: Canvas, payload: str) -> None:
    """The QR code, 46 mm square at 67/42 mm, with the 7 mm Swiss cross in its middle."""
    size, runs = qr_runs(payload)
    c.saveState()
    c.transform(46 * mm / size, 0, 0, -46 * mm / size, 67 * mm, 88 * mm)
    c.addLiteral("\n".join([f"{col} {row} {length} 1 re" for row, col, length in runs] + ["f"]))
    c.restoreState()
    cx, cy = 90 * mm, 65 * mm
    c.setFillColorRGB(1, 1, 1)
    c.rect(cx - 3.5 * mm, cy - 3.5 * mm, 7 * mm, 7 * mm, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    c.rect(cx - 3.1 * mm, cy - 3.1 * mm, 6.2 * mm, 6.2 * mm, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.rect(cx - 0.65 * mm, cy - 2 * mm, 1.3 * mm, 4 * mm, stroke=0, fill=1)
    c.rect(cx - 2 * mm, cy - 0.65 * mm, 4 * mm, 1.3 * mm, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
