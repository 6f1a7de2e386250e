"""The sandbox's reminder PDF: one small page, written by hand, as bexio's shows a reminder.

bexio renders its own documents; the sandbox only needs a file that PDF readers open and that
shows what bexio's shows, so two kilobytes of hand-made PDF are enough and cost nothing.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.sandbox.invoice_pdf import ACCOUNT_HOLDER

__all__ = ["ReminderPage", "reminder_page_pdf"]

_TEAL = b"0.05 0.42 0.45 rg"


def _pdf_text(text: str) -> bytes:
    """A PDF string literal in WinAnsi encoding (what the standard Helvetica font expects)."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _line(x: float, y: float, text: str, size: int = 10, bold: bool = False) -> bytes:
    font = b"/F2" if bold else b"/F1"
    return b"BT %s %d Tf %.1f %.1f Td %s Tj ET\n" % (font, size, x, y, _pdf_text(text))


@dataclass(frozen=True)
class ReminderPage:
    """What bexio's reminder PDF shows (bexio-api.md §3, Reminders: the reminder's title of
    its level, `is_valid_from` as its date, `is_valid_to` as the new deadline, the invoice
    and its open amount, and the invoice's QR reference, bexio-api.md §2 `qr_invoice_id`),
    in the account's language and date format (`d.m.Y`)."""

    title: str
    date: str
    deadline: str
    document_nr: str
    address: Sequence[str]
    open_amount: str
    header: str
    footer: str
    qr_reference: str | None = None


def reminder_page_pdf(page: ReminderPage, *, logopaper: bool) -> bytes:
    """The reminder as one A4 page. `logopaper` is bexio's `?logopaper=1` (bexio-api.md §3,
    v2ShowInvoiceReminderPDF): with it, the letterhead (logo and company); without it, an
    empty head for paper that has them printed already."""
    out = bytearray(_letterhead() if logopaper else b"")
    for i, text in enumerate(page.address):
        out += _line(334, 700 - 13 * i, text)
    out += _line(56, 580, f"{ACCOUNT_HOLDER['city']}, {page.date}")
    out += _line(56, 550, f"{page.title} zu Rechnung {page.document_nr}", 15, bold=True)
    y = 520
    for text in _paragraphs(page.header):
        out += _line(56, y, text)
        y -= 13
    y -= 13
    rows = [
        ("Rechnung", page.document_nr),
        ("Offener Betrag", page.open_amount),
        ("Zahlbar bis", page.deadline),
    ]
    if page.qr_reference:
        rows.append(("QR-Referenz", page.qr_reference))
    for label, value in rows:
        out += _line(56, y, label, bold=True) + _line(180, y, value)
        y -= 15
    y -= 13
    for text in _paragraphs(page.footer):
        out += _line(56, y, text)
        y -= 13
    return _page(bytes(out))


def _letterhead() -> bytes:
    """A teal square for the logo with the company's initials, the name and address beside:
    the account's company (bexio prints its company profile)."""
    name, street = (
        ACCOUNT_HOLDER["name"],
        f"{ACCOUNT_HOLDER['street']} {ACCOUNT_HOLDER['house_num']}",
    )
    pcode, city = ACCOUNT_HOLDER["pcode"], ACCOUNT_HOLDER["city"]
    initials = "".join(word[0] for word in name.split())[:2]
    head = _TEAL + b" 56 752 48 48 re f 1 g\n" + _line(64, 768, initials, 20, bold=True)
    head += (
        b"0 g\n"
        + _line(116, 784, name, 16, bold=True)
        + _line(116, 768, f"{street}, {pcode} {city}")
    )
    return head + _TEAL.replace(b"rg", b"RG") + b" 1.5 w 56 740 m 539 740 l S 0 G\n"


def _paragraphs(html: str) -> list[str]:
    """bexio's header and footer texts (with `<br/>` for line breaks) as lines of the page."""
    lines: list[str] = []
    for part in html.replace("<br />", "<br/>").split("<br/>"):
        lines.extend(textwrap.wrap(part, 95) or [""])
    return lines


def _page(content: bytes) -> bytes:
    """A PDF of one A4 page with `content`, Helvetica and Helvetica-Bold at hand."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 6 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)
