"""Helpers to read rendered letters back: their text, their QR code, their outline."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from pypdf import PdfReader

OUTPUT = Path(__file__).resolve().parents[2] / "output"  # gitignored previews for people


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def read_qr(path: Path, preview: str | None = None) -> list[zxingcpp.Barcode]:
    """Rasterise the last page at 200 dpi and decode every QR code on it."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        image = pdf[len(pdf) - 1].render(scale=200 / 72).to_pil()
    finally:
        pdf.close()
    if preview:
        OUTPUT.mkdir(exist_ok=True)
        image.save(OUTPUT / f"{preview}.png")
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def payload_of(code: zxingcpp.Barcode) -> str:
    return bytes(code.bytes).decode("utf-8")


def qr_fields(payload: str) -> dict[str, str]:
    """The fields of an SPC payload that a payment checks, by the guidelines' order."""
    lines = payload.split("\r\n")
    return {
        "iban": lines[3],
        "creditor_name": lines[5],
        "amount": lines[18],
        "currency": lines[19],
        "debtor_name": lines[21],
        "debtor_street": lines[22],
        "debtor_house": lines[23],
        "debtor_pcode": lines[24],
        "debtor_city": lines[25],
        "ref_type": lines[27],
        "reference": lines[28],
        "info": lines[29],
    }
