"""Draws the QR-bill receipt and payment part at the bottom of an A4 page.

The geometry follows the Swiss Implementation Guidelines for the QR-bill: a strip 105 mm
high across the page, the receipt in its left 62 mm, the payment part to the right; 5 mm
margins; the 46 x 46 mm QR code with the 7 mm Swiss cross; headings 2 pt smaller than the
values (6/8 pt in the receipt, 8/10 pt in the payment part), titles 11 pt bold; dashed
separation lines with scissors, since a letter may be sent as a PDF and printed at home.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from dunning.letters.address import fit_line
from dunning.letters.fmt import pdf_text
from dunning.letters.pdfa import BOLD, REG
from dunning.letters.qrpay import Payment, qr_runs

__all__ = ["PART_HEIGHT", "draw_payment_part", "wrap"]

PART_HEIGHT = 105 * mm
RECEIPT_WIDTH = 62 * mm
_REGULAR, _BOLD = REG, BOLD
_QR_X, _QR_Y, _QR_SIZE = 67 * mm, 42 * mm, 46 * mm


def wrap(text: str, font: str, size: float, width: float, max_lines: int = 0) -> list[str]:
    """Lines of at most `width`; a word longer than the width is broken where it must be."""
    lines: list[str] = []
    for line in _greedy(text, font, size, width):
        while len(line) > 1 and stringWidth(line, font, size) > width:
            cut = _longest_fit(line, font, size, width)
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines[:max_lines] if max_lines else lines


def _greedy(text: str, font: str, size: float, width: float) -> list[str]:
    # Breaks at plain spaces only, so that a no-break space keeps "CHF 1'234.50" together.
    space = stringWidth(" ", font, size)
    lines, current, used = [], "", 0.0
    for word in text.split(" "):
        needed = stringWidth(word, font, size)
        if current and used + space + needed > width:
            lines.append(current)
            current, used = word, needed
        else:
            current, used = (
                (f"{current} {word}", used + space + needed) if current else (word, needed)
            )
    return [*lines, current]


def _longest_fit(line: str, font: str, size: float, width: float) -> int:
    low, high = 1, len(line)  # binary search for the longest prefix within the width
    while low < high:
        mid = (low + high + 1) // 2
        if stringWidth(line[:mid], font, size) <= width:
            low = mid
        else:
            high = mid - 1
    return low


def draw_payment_part(c: Canvas, pay: Payment, labels: dict[str, str], page_width: float) -> None:
    """Draw receipt, payment part, separation lines and QR code on the current page."""
    _separation_lines(c, page_width)
    _receipt(c, pay, labels)
    _payment(c, pay, labels)
    _qr_code(c, pay.payload)


def _separation_lines(c: Canvas, page_width: float) -> None:
    c.saveState()
    c.setLineWidth(0.5)
    c.setDash(3, 2)
    c.line(0, PART_HEIGHT, page_width, PART_HEIGHT)
    c.line(RECEIPT_WIDTH, 0, RECEIPT_WIDTH, PART_HEIGHT)
    c.setDash()
    # Scissors on both lines, on a white patch so the dashes do not run through them.
    c.setFillColorRGB(1, 1, 1)
    c.rect(4 * mm, PART_HEIGHT - 1.6 * mm, 4.4 * mm, 3.2 * mm, stroke=0, fill=1)
    c.rect(RECEIPT_WIDTH - 1.6 * mm, PART_HEIGHT - 9.4 * mm, 3.2 * mm, 4.4 * mm, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    _scissors(c, 4.6 * mm, PART_HEIGHT, 0)
    _scissors(c, RECEIPT_WIDTH, PART_HEIGHT - 8.8 * mm, 90)
    c.restoreState()


def _scissors(c: Canvas, x: float, y: float, angle: float) -> None:
    """Open scissors 3.6 mm long on a line through (x, y), blades pointing along it: drawn,
    not a glyph, so that no font outside the embedded ones is needed."""
    c.saveState()
    c.translate(x, y)
    c.rotate(angle)
    c.setLineWidth(0.6)
    c.setDash()
    for side in (1, -1):
        c.circle(0.6 * mm, side * 0.75 * mm, 0.5 * mm, stroke=1, fill=0)
        c.line(1.05 * mm, side * 0.55 * mm, 3.6 * mm, -side * 0.35 * mm)
    c.restoreState()


class _Column:
    """Heading/value blocks stacked downwards from a top edge, wrapped to a width."""

    def __init__(
        self,
        c: Canvas,
        x: float,
        top: float,
        width: float,
        head: float,
        value: float,
        max_lines: int = 0,
    ):
        self.c, self.x, self.width, self.max_lines = c, x, width, max_lines
        self.head, self.value = head, value
        self.leading = value + 1  # 9 pt for 8 pt values, 11 pt for 10 pt values
        self.y = top - head

    def block(self, heading: str, lines: tuple[str, ...] | list[str]) -> None:
        c = self.c
        c.setFont(_BOLD, self.head)
        c.drawString(self.x, self.y, heading)
        self.y -= self.leading
        c.setFont(_REGULAR, self.value)
        for line in lines:
            for part in self._wrapped(pdf_text(line)):
                c.drawString(self.x, self.y, part)
                self.y -= self.leading
        self.y -= self.leading * 0.8  # a blank line between blocks

    def _wrapped(self, text: str) -> list[str]:
        # Where lines are limited, what does not fit ends after a whole word with "…".
        parts = wrap(text, _REGULAR, self.value, self.width)
        if not self.max_lines or len(parts) <= self.max_lines:
            return parts
        rest = " ".join(parts[self.max_lines - 1 :])
        last = fit_line(rest, self.value, self.width, _REGULAR)
        return [*parts[: self.max_lines - 1], last]

    def blank(self, heading: str, width: float, height: float, floor: float = 0) -> None:
        """A heading over an empty box with corner marks, for the payer to fill in; the box
        is made lower rather than reach below `floor`."""
        c = self.c
        c.setFont(_BOLD, self.head)
        c.drawString(self.x, self.y, heading)
        top = self.y - self.leading * 0.6
        height = max(10 * mm, min(height, top - floor))
        _corner_box(c, self.x, top - height, width, height)
        self.y = top - height - self.leading * 1.4


def _receipt(c: Canvas, pay: Payment, labels: dict[str, str]) -> None:
    x = 5 * mm
    c.setFont(_BOLD, 11)
    c.drawString(x, PART_HEIGHT - 5 * mm - 9, labels["receipt"])
    # At most two lines per address line: the receipt has no room for more.
    col = _Column(c, x, PART_HEIGHT - 12 * mm, 52 * mm, head=6, value=8, max_lines=2)
    col.block(labels["account"], (pay.account, *pay.creditor))
    if pay.reference:
        col.block(labels["reference"], (pay.reference,))
    if pay.debtor:
        col.block(labels["payable_by"], pay.debtor)
    else:
        col.blank(labels["payable_by_blank"], 52 * mm, 20 * mm, floor=40 * mm)
    _amount(c, x, 17 * mm, 37 * mm, pay, labels, head=6, value=8)
    c.setFont(_BOLD, 6)
    c.drawRightString(57 * mm, 23 * mm - 6, labels["acceptance"])


def _payment(c: Canvas, pay: Payment, labels: dict[str, str]) -> None:
    c.setFont(_BOLD, 11)
    c.drawString(_QR_X, PART_HEIGHT - 5 * mm - 9, labels["payment_part"])
    _amount(c, _QR_X, _QR_X + 22 * mm, 37 * mm, pay, labels, head=8, value=10)
    col = _Column(c, 118 * mm, PART_HEIGHT - 5 * mm, 87 * mm, head=8, value=10)
    col.block(labels["account"], (pay.account, *pay.creditor))
    if pay.reference:
        col.block(labels["reference"], (pay.reference,))
    if pay.additional:
        col.block(labels["additional"], (pay.additional,))
    if pay.debtor:
        col.block(labels["payable_by"], pay.debtor)
    else:
        col.blank(labels["payable_by_blank"], 65 * mm, 25 * mm)


def _corner_box(c: Canvas, x: float, y: float, width: float, height: float) -> None:
    # The guidelines' blank field: only its corners, 3 mm across and 2 mm down, 0.75 pt.
    c.saveState()
    c.setLineWidth(0.75)
    path = c.beginPath()
    for cx, cy, dx, dy in (
        (x, y, 1, 1),
        (x + width, y, -1, 1),
        (x, y + height, 1, -1),
        (x + width, y + height, -1, -1),
    ):
        path.moveTo(cx + dx * 3 * mm, cy)
        path.lineTo(cx, cy)
        path.lineTo(cx, cy + dy * 2 * mm)
    c.drawPath(path, stroke=1, fill=0)
    c.restoreState()


def _amount(
    c: Canvas,
    x: float,
    x_amount: float,
    top: float,
    pay: Payment,
    labels: dict[str, str],
    head: float,
    value: float,
) -> None:
    c.setFont(_BOLD, head)
    c.drawString(x, top - head, labels["currency"])
    c.drawString(x_amount, top - head, labels["amount"])
    c.setFont(_REGULAR, value)
    c.drawString(x, top - head - value - 3, pay.currency)
    c.drawString(x_amount, top - head - value - 3, pay.amount)


def _qr_code(c: Canvas, payload: str) -> None:
    size, runs = qr_runs(payload)
    module = _QR_SIZE / size
    c.saveState()
    # One module = one unit, rows counted downwards from the top edge: each dark run is
    # an integer rectangle, and all of them are filled as one path.
    c.transform(module, 0, 0, -module, _QR_X, _QR_Y + _QR_SIZE)
    c.addLiteral("\n".join([f"{col} {row} {length} 1 re" for row, col, length in runs] + ["f"]))
    c.restoreState()
    _swiss_cross(c, _QR_X + _QR_SIZE / 2, _QR_Y + _QR_SIZE / 2)


def _swiss_cross(c: Canvas, cx: float, cy: float) -> None:
    # 7 mm white square, black square inside, white cross in the flag's proportions
    # (arms 6/32 wide, 20/32 across).
    outer, inner = 7 * mm, 6.2 * mm
    arm, span = inner * 6 / 32 * 1.15, inner * 20 / 32
    c.setFillColorRGB(1, 1, 1)
    c.rect(cx - outer / 2, cy - outer / 2, outer, outer, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    c.rect(cx - inner / 2, cy - inner / 2, inner, inner, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.rect(cx - arm / 2, cy - span / 2, arm, span, stroke=0, fill=1)
    c.rect(cx - span / 2, cy - arm / 2, span, arm, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
