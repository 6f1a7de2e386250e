"""A payer seen from a test: read a PDF's QR-bill as a banking app does, and pay it
through the sandbox's bank route (`/_sandbox/bank/credits`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pypdfium2 as pdfium
import zxingcpp

if TYPE_CHECKING:
    from tests.support.sandbox import Company

__all__ = ["QrBill", "pay", "qr_bills"]


@dataclass(frozen=True)
class QrBill:
    """What a banking app takes from a QR-bill's code (Swiss Implementation Guidelines)."""

    iban: str
    amount: str  # "" when the bill leaves it to the payer
    currency: str
    reference_type: str  # QRR, SCOR or NON
    reference: str


def qr_bills(pdf: bytes | Path, dpi: int = 150) -> list[QrBill]:
    """Every QR-bill on every page, rendered at `dpi` with pdfium and read with zxing-cpp."""
    document = pdfium.PdfDocument(pdf.read_bytes() if isinstance(pdf, Path) else pdf)
    bills = []
    try:
        for page in document:
            image = page.render(scale=dpi / 72).to_pil()
            for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
                lines = bytes(code.bytes).decode("utf-8").split("\r\n")
                assert lines[0] == "SPC", "not a Swiss QR-bill"
                bills.append(QrBill(lines[3], lines[18], lines[19], lines[27], lines[28]))
    finally:
        document.close()
    return bills


def pay(company: Company, bill: QrBill, amount: str | None = None) -> Any:
    """A credit of `amount` (the bill's own amount by default) with the bill's reference,
    as it arrives on the account's bank statement; the sandbox's record of it."""
    return company.admin(
        "POST",
        "/bank/credits",
        {"reference": bill.reference, "amount": amount or bill.amount, "currency": bill.currency},
    )
