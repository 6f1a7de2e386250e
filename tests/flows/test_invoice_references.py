"""A run's letters pay into the account and carry the reference of the invoice's own QR-bill,
read once from bexio's invoice PDF; no letter shows a QR-IBAN for an ordinary transfer."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import zxingcpp
from reportlab.pdfgen.canvas import Canvas
from stdnum import iban as stdnum_iban

from dunning.accounts import is_qr_iban
from dunning.letters.qrpay import make_scor
from dunning.proposal import Reason
from dunning.reference_book import REFERENCE_BOOK
from tests.support.harness import manifest_of, run_flow
from tests.support.sandbox import REFERENCE_DATE, Company

PDF_ROUTE = "GET /2.0/kb_invoice/{invoice_id}/pdf"
SANDBOX_QR_IBAN = "CH4431999123000889012"  # the account of the sandbox's invoices
TRANSFER_IBAN = "CH9300762011623852957"  # the example policy's transfer_iban
PART_TOP = 105 / 25.4 * 72  # the payment part: the bottom 105 mm of its page, in points
IBAN_LIKE = re.compile(r"(?:CH|LI)\d{2}[0-9A-Z]{17}")


def _qr_payloads(page: pdfium.PdfPage) -> list[str]:
    image = page.render(scale=200 / 72).to_pil()
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [bytes(code.bytes).decode("utf-8") for code in codes]


def _read_letter(path: Path) -> tuple[list[str], str]:
    """The letter's QR payloads, and its text outside the payment part."""
    pdf = pdfium.PdfDocument(str(path))
    payloads, texts = [], []
    try:
        for page in pdf:
            found = _qr_payloads(page)
            payloads += found
            width, height = page.get_size()
            bottom = PART_TOP if found else 0  # a page with the payment part: above it
            texts.append(page.get_textpage().get_text_bounded(0, bottom, width, height))
    finally:
        pdf.close()
    return payloads, " ".join(texts)


def _qr_ibans_in(text: str) -> set[str]:
    compact = re.sub(r"[\s\u00a0\u202f]", "", text).upper()
    return {
        found
        for found in IBAN_LIKE.findall(compact)
        if stdnum_iban.is_valid(found) and is_qr_iban(found)
    }


def _plain_invoice_pdf(document_nr: str) -> bytes:
    """An invoice PDF without a QR-bill, as bexio gives one on paper without payment slip."""
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, f"Rechnung {document_nr}")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _pdf_requests(company: Company) -> int:
    return sum(company.stats()["requests"].get(PDF_ROUTE, {}).values())


def _lettered(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in record["lines"] if line["letter"]]


def test_each_letter_carries_the_reference_its_invoices_pdf_carries(
    bexio: Company, output: Path
) -> None:
    escalated = [d.invoice for d in bexio.decisions(Reason.ESCALATE)]
    usd, plain = escalated[0], escalated[1]
    bexio.state.invoices[usd.id]["currency_id"] = 3  # USD: a letter without QR-bill
    pdf = _plain_invoice_pdf(plain.document_nr)
    answer = {"name": "re.pdf", "size": len(pdf), "mime": "application/pdf"}
    answer["content"] = base64.b64encode(pdf).decode()
    route = {"method": "GET", "path": f"/2.0/kb_invoice/{plain.id}/pdf", "status": 200}
    bexio.admin("POST", "/tamper", {**route, "body": json.dumps(answer)})
    _, summary = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    record = manifest_of(summary)
    lines = {line["invoice_id"]: line for line in _lettered(record)}
    assert set(lines) == {i.id for i in escalated}
    for invoice_id, line in lines.items():
        payloads, _ = _read_letter(output / record["run_id"] / line["letter"])
        if invoice_id == usd.id:
            assert payloads == [] and line["reference_from"] == "built"
            continue
        fields = payloads[0].split("\r\n")
        if invoice_id == plain.id:
            built = make_scor(plain.document_nr.replace("-", ""))
            assert (fields[3], fields[27], fields[28]) == (TRANSFER_IBAN, "SCOR", built)
            assert (line["payment_reference"], line["reference_from"]) == (built, "built")
            assert "no QR-bill" in line["warning"] and built in line["warning"].replace(" ", "")
            continue
        own = bexio.state.qr_reference(invoice_id)
        assert (fields[3], fields[27], fields[28]) == (SANDBOX_QR_IBAN, "QRR", own)
        assert (line["payment_reference"], line["reference_from"]) == (own, "invoice")
        assert "creditor reference" not in (line["warning"] or "")
    # One download per letter with a QR-bill: none for the USD invoice, none for the rest.
    assert _pdf_requests(bexio) == len(escalated) - 1


def test_no_letter_shows_a_qr_iban_outside_its_payment_part(bexio: Company, output: Path) -> None:
    escalated = [d.invoice for d in bexio.decisions(Reason.ESCALATE)]
    for invoice in escalated[:2]:
        bexio.state.invoices[invoice.id]["currency_id"] = 3  # USD: no QR-bill on the letter
    _, summary = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    record = manifest_of(summary)
    letters = _lettered(record)
    assert len(letters) == len(escalated)
    with_qr = 0
    for line in letters:
        payloads, outside = _read_letter(output / record["run_id"] / line["letter"])
        with_qr += bool(payloads)
        assert _qr_ibans_in(outside) == set(), line["document_nr"]
        if not payloads:
            assert "CH93 0076 2011 6238 5295 7" in outside.replace("\xa0", " ")
    assert 0 < with_qr == len(letters) - 2


def test_a_later_run_reads_no_invoice_pdf_again(bexio: Company, output: Path) -> None:
    _, first = run_flow(reference_date=REFERENCE_DATE, dry_run=True)
    downloads = _pdf_requests(bexio)
    lettered = _lettered(manifest_of(first))
    assert downloads == len(lettered) > 0
    assert len((output / REFERENCE_BOOK).read_text(encoding="utf-8").splitlines()) == downloads
    _, second = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    assert _pdf_requests(bexio) == downloads
    again = {
        line["invoice_id"]: line["payment_reference"] for line in _lettered(manifest_of(second))
    }
    assert again == {line["invoice_id"]: line["payment_reference"] for line in lettered}
    assert all(line["reference_from"] == "invoice" for line in _lettered(manifest_of(second)))
