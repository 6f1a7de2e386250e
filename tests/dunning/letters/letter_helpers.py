"""Helpers to read rendered letters back: their text, their QR code, their outline."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from pypdf import PdfReader

OUTPUT = Path(__file__).resolve().parents[2] / "output"  # gitignored previews for people
MM = 72 / 25.4
# What the window of a C5/6 right-window envelope shows: mm from the left and from the top.
WINDOW = (118.0, 50.0, 190.0, 83.0)
A4 = (210.0, 297.0)
Box = tuple[float, float, float, float]


def text_boxes(path: Path, page: int = 0) -> list[tuple[str, Box]]:
    """(text, (left, top, right, bottom) in mm from the top-left corner) per text run."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        page_obj = pdf[page]
        text = page_obj.get_textpage()
        height = page_obj.get_height()
        found = []
        for i in range(text.count_rects()):
            left, bottom, right, top = text.get_rect(i)
            words = text.get_text_bounded(left, bottom, right, top).strip()
            box = (left / MM, (height - top) / MM, right / MM, (height - bottom) / MM)
            found.append((words, box))
        return found
    finally:
        pdf.close()


def inside(box: Box, area: Box, slack: float = 0.3) -> bool:
    """Whether `box` lies in `area` (both in mm), give or take `slack` (glyph boxes of
    extraction are not the type's design)."""
    return (
        box[0] >= area[0] - slack
        and box[1] >= area[1] - slack
        and box[2] <= area[2] + slack
        and box[3] <= area[3] + slack
    )


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
