"""The letters of a whole run, read back: every QR-bill asks for the invoice's open amount
that the record shows, and the record keeps fees and interest to invoice separately."""

from __future__ import annotations

from decimal import Decimal

import pypdfium2 as pdfium
import zxingcpp
from pypdf import PdfReader

from tests.support.harness import manifest_of, run_flow
from tests.support.sandbox import REFERENCE_DATE


def qr_amount_and_currency(path) -> tuple[Decimal, str] | None:  # noqa: ANN001
    pdf = pdfium.PdfDocument(str(path))
    try:
        image = pdf[len(pdf) - 1].render(scale=200 / 72).to_pil()
    finally:
        pdf.close()
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    if not codes:
        return None
    lines = bytes(codes[0].bytes).decode("utf-8").split("\r\n")
    return Decimal(lines[18]), lines[19]


def test_every_qr_bill_of_a_run_asks_for_the_open_amount_in_the_record(bexio, output):
    state, summary = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    record = manifest_of(summary)
    run_dir = output / record["run_id"]
    lettered = [ln for ln in record["lines"] if ln["letter"]]
    assert lettered
    for line in lettered:
        found = qr_amount_and_currency(run_dir / line["letter"])
        if found is None:  # a letter goes without payment part only with the reason
            assert line["warning"] and line["currency"] not in ("CHF", "EUR"), line["document_nr"]
            continue
        assert found == (Decimal(line["open_amount"]), line["currency"]), line["document_nr"]
    # Fees and interest stay in the record, to be invoiced separately.
    for line in lettered:
        separately = Decimal(line["fees"]) + Decimal(line["interest"])
        assert Decimal(line["invoice_separately"]) == separately, line["document_nr"]
        assert Decimal(line["total_due"]) == Decimal(line["open_amount"]) + separately
    assert any(Decimal(line["invoice_separately"]) > 0 for line in lettered)
    merged = PdfReader(run_dir / "letters.pdf")
    pages = sum(len(PdfReader(run_dir / ln["letter"]).pages) for ln in lettered)
    assert len(merged.pages) == pages
    assert merged.metadata.title and record["run_id"] in merged.metadata.title
