"""Reads the QR-bill on an invoice's PDF: the account and the reference a payment must carry.

Our letter's QR-bill repeats them, so that a payment made from the letter is matched to the
invoice exactly as one made from the invoice. The PDF's pages are rendered (pypdfium2), the
QR codes on them decoded (zxing-cpp), and the Swiss QR payload checked field by field as the
Swiss Implementation Guidelines for the QR-bill define it: the `SPC` header, version 2,
a CH or LI IBAN, the reference type and the reference's check digits.

An A4 page is first rendered only where the guidelines place the QR code, a twentieth of
the page (about 2 ms instead of 16 ms an invoice, which counts over thousands of them);
the whole page is read when nothing is found there.
"""

from __future__ import annotations

import re
import sys
import threading

import pypdfium2 as pdfium
import zxingcpp
from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.ch import esr
from stdnum.exceptions import ValidationError

from dunning.accounts import is_qr_iban
from dunning.letters.types import PaymentRef

__all__ = ["PaymentRef", "QrBillUnreadable", "parse_qr_payload", "read_invoice_qr"]

_LINES = re.compile(r"\r?\n")
_DPI = 200  # the 46 mm code at about 6 pixels a module: read at once, rendered in ms
_PAGES = 10  # the payment part is on the last page or on one of its own at the end
_MM = 72 / 25.4
_A4 = (210 * _MM, 297 * _MM)
# The Swiss QR code: 46 mm square, 67 mm from the page's left edge and 17 mm below the top of
# the 105 mm payment part (Style Guide, "Payment part"); read with 5 mm around it. In
# points from the left and from the bottom: left, bottom, right, top.
_QR_BOX = (62 * _MM, 37 * _MM, 118 * _MM, 93 * _MM)
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
# Line numbers of the payload's fields (Implementation Guidelines, section 4.3).
_ACCOUNT, _REF_TYPE, _REF, _TRAILER = 3, 27, 28, 30
# PDFium must never be called from two threads at once, not even for two documents: that
# crashes the process (pypdfium2, "Python API": "Incompatibility with Threading").
_PDFIUM = threading.Lock()


class QrBillUnreadable(ValueError):
    """The PDF has no QR-bill that can be used; `str()` says why, for the run's warnings."""


def read_invoice_qr(pdf: bytes) -> PaymentRef:
    """The account and reference of the QR-bill in `pdf`; raises `QrBillUnreadable`.
    Safe to call from several threads: they read one PDF at a time."""
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise QrBillUnreadable(f"the invoice's PDF cannot be opened ({exc})") from exc
        try:
            payloads = _swiss_payloads(document)
        finally:
            document.close()
    if not payloads:
        raise QrBillUnreadable("the invoice's PDF has no QR-bill")
    return parse_qr_payload(payloads[0])


def _swiss_payloads(document: pdfium.PdfDocument) -> list[str]:
    """The Swiss QR payloads of the first page, from the end, that has any."""
    for number in range(len(document) - 1, max(len(document) - _PAGES, 0) - 1, -1):
        page = document[number]
        for crop in _crops(page):
            bitmap = page.render(scale=_DPI / 72, grayscale=True, crop=crop)
            try:
                codes = zxingcpp.read_barcodes(bitmap.to_pil(), formats=_QR_ONLY)
            finally:  # now, under the lock, not whenever the garbage collector would
                bitmap.close()
            payloads = [bytes(code.bytes).decode("utf-8", errors="replace") for code in codes]
            swiss = [p for p in payloads if p.startswith("SPC")]
            if swiss:
                return swiss
    return []


def _crops(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    """What to cut off the page before reading it (left, bottom, right, top, in points): on
    an upright A4 page all but the QR code's place first, then nothing."""
    width, height = page.get_size()
    whole = (0.0, 0.0, 0.0, 0.0)
    if page.get_rotation() or abs(width - _A4[0]) > 3 or abs(height - _A4[1]) > 3:
        return [whole]
    left, bottom, right, top = _QR_BOX
    return [(left, bottom, width - right, height - top), whole]


def parse_qr_payload(payload: str) -> PaymentRef:
    """The account and reference of a Swiss QR payload; raises `QrBillUnreadable` when the
    payload breaks the guidelines (header, version, account, reference, check digits)."""
    lines = _LINES.split(payload.rstrip("\r\n"))
    if lines[0] != "SPC" or len(lines) < _TRAILER + 1:
        raise QrBillUnreadable("the invoice's QR code is not a complete Swiss QR-bill")
    if not re.fullmatch(r"02\d\d", lines[1]) or lines[2] != "1":
        raise QrBillUnreadable(
            f"the invoice's QR-bill has version {lines[1]!r} and coding {lines[2]!r}; "
            "only version 2 with UTF-8 (coding 1) is known"
        )
    if lines[_TRAILER] != "EPD":
        raise QrBillUnreadable("the invoice's QR-bill does not end its payment data with EPD")
    account = sys.intern(_account(lines[_ACCOUNT]))  # most invoices share one: one text
    kind, reference = lines[_REF_TYPE], lines[_REF].strip()
    if kind == "QRR":
        return PaymentRef(account, "QRR", _qr_reference(account, reference))
    if kind == "SCOR":
        return PaymentRef(account, "SCOR", _creditor_reference(account, reference))
    if kind == "NON":
        if reference or is_qr_iban(account):
            raise QrBillUnreadable(
                "the invoice's QR-bill has no reference type but a reference or a QR-IBAN"
            )
        return PaymentRef(account, "NON", "")
    raise QrBillUnreadable(f"the invoice's QR-bill has an unknown reference type {kind!r}")


def _account(text: str) -> str:
    account = stdnum_iban.compact(text)
    if account[:2] not in ("CH", "LI"):
        raise QrBillUnreadable(
            f"the invoice's QR-bill pays into {account!r}, not a CH or LI IBAN as it must"
        )
    try:
        stdnum_iban.validate(account)
    except ValidationError as exc:
        raise QrBillUnreadable(
            f"the invoice's QR-bill account {account} is not a valid IBAN ({exc})"
        ) from exc
    return account


def _qr_reference(account: str, reference: str) -> str:
    if not is_qr_iban(account):
        raise QrBillUnreadable(
            f"the invoice's QR-bill has a QR reference on {account}, which is no QR-IBAN"
        )
    if not re.fullmatch(r"\d{27}", reference):
        raise QrBillUnreadable(
            f"the invoice's QR reference {reference!r} is not 27 digits, as a QR reference is"
        )
    try:
        esr.validate(reference)
    except ValidationError as exc:
        raise QrBillUnreadable(
            f"the invoice's QR reference {reference!r} is wrong ({exc})"
        ) from exc
    return reference


def _creditor_reference(account: str, reference: str) -> str:
    if is_qr_iban(account):
        raise QrBillUnreadable(
            f"the invoice's QR-bill has a creditor reference on the QR-IBAN {account}"
        )
    try:
        return str(iso11649.validate(reference))
    except ValidationError as exc:
        raise QrBillUnreadable(
            f"the invoice's creditor reference {reference!r} is wrong ({exc})"
        ) from exc
