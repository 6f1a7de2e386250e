"""Renders one reminder letter as an A4 PDF, with the QR-bill payment part at the bottom.

Layout (A4, origin top-left in the comments, millimetres):
* sender block top left at 22 mm;
* recipient for a Swiss right-window envelope (C5/6 and DL, window on the right): the
  window shows 118 to 190 mm from the left edge and 50 to 83 mm from the top; a small
  return-address line at 53.5 mm, the address (see `address.py`) from 55 mm down;
* place and date, subject, salutation, body, the table of amounts, payment instruction,
  the crossing clause, contact and closing;
* the payment part in the bottom 105 mm of the last page. The body keeps its size: text
  that does not fit above the payment part flows onto continuation pages, each headed by
  the recipient, the date and "Seite 2 von 3" in the letter's language; the payment part
  goes under the end of the text when there is room, else alone on a last page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from dunning.letters.address import LEADING, fit_line, layout_address
from dunning.letters.fmt import (
    fill_placeholders,
    format_amount,
    format_rate,
    no_break,
    numeric_date,
    pdf_text,
    prose_date,
)
from dunning.letters.logo import is_svg, svg_logo
from dunning.letters.payment_part import PART_HEIGHT, draw_payment_part, wrap
from dunning.letters.pdfa import BOLD, REG, prepare_canvas
from dunning.letters.qrpay import Payment, build_payment, format_reference, transfer_ref
from dunning.letters.salutation import courtesy_line, salutation
from dunning.letters.texts import PAYMENT_LABELS, TEXTS, body_position
from dunning.letters.types import LetterInput, LetterResult
from dunning.letters.xmp import DocInfo, lang_tag

__all__ = ["render_letter"]

# Binary (Flate only) content streams: the extra ASCII85 layer would make every letter a
# quarter bigger and cost a third of the time spent saving it.
rl_config.useA85 = 0

PAGE_W, PAGE_H = A4
LEFT, RIGHT = 22 * mm, PAGE_W - 20 * mm
# What the window of a C5/6 right-window envelope shows of the folded sheet, wherever it
# sits in the envelope (millimetres from the left and from the top of the sheet).
WINDOW_X, WINDOW_RIGHT, WINDOW_TOP, WINDOW_BOTTOM = 118 * mm, RIGHT, 50 * mm, 83 * mm
_RETURN_LINE, _ADDRESS_TOP = 53.5 * mm, 55 * mm
_SENDER_SIZES = (7.0, 6.5, 6.0)
SIZE = 10
_TEXT_TOP = PAGE_H - 91 * mm
_NEXT_TOP = PAGE_H - 30 * mm  # where the text resumes under a continuation header
_FOOT = 20 * mm  # the lowest a line of text goes on a page without payment part
_ABOVE_PART = PART_HEIGHT + 5 * mm
_LOGO_HEIGHT, _LOGO_WIDTH = 20 * mm, 80 * mm
_PARAGRAPHS = re.compile(r"\n\s*\n")


class _Flow:
    """A top-down text cursor. In `measure` mode it only moves, so that a letter can be
    fitted and its pages counted before anything is drawn; when a block does not fit it
    starts a new page and calls `new_page` with its number."""

    def __init__(
        self,
        c: Canvas,
        bottom: float,
        new_page: Callable[[int], None] | None = None,
        measure: bool = False,
    ):
        self.c, self.y, self.bottom, self.page = c, _TEXT_TOP, bottom, 1
        self.new_page, self.measure = new_page, measure
        self.size, self.leading = SIZE, SIZE * 1.26

    def need(self, height: float) -> None:
        if self.y - height >= self.bottom:
            return
        self.page += 1
        self.y = _NEXT_TOP
        if not self.measure:
            self.c.showPage()
            if self.new_page is not None:
                self.new_page(self.page)

    def draw(self, x: float, text: str, font: str, size: float, right: bool = False) -> None:
        if self.measure:
            return
        self.c.setFont(font, size)
        if right:
            self.c.drawRightString(x, self.y, text)
        else:
            self.c.drawString(x, self.y, text)

    def rule(self, offset: float) -> None:
        if not self.measure:
            self.c.setLineWidth(0.5)
            self.c.line(LEFT, self.y - offset, RIGHT, self.y - offset)

    def text(self, text: str, font: str = REG, after: float = 0.6) -> None:
        """Paragraphs (split at blank lines), each followed by `after` times the leading;
        a paragraph starts a new page rather than break, unless it is longer than a page."""
        for para in _PARAGRAPHS.split(text.strip()):
            lines = wrap(pdf_text(para), font, self.size, RIGHT - LEFT)
            height = len(lines) * self.leading
            if height <= _NEXT_TOP - self.bottom:  # a paragraph that fits a page stays whole
                self.need(height)
            for line in lines:
                self.need(self.leading)  # a longer one goes on over the next pages
                self.y -= self.size
                self.draw(LEFT, line, font, self.size)
                self.y -= self.leading - self.size
            self.y -= after * self.leading


def render_letter(letter: LetterInput, path: Path) -> LetterResult:
    """Write the letter to `path`; a debtor-data problem drops only the payment part."""
    lang = letter.language if letter.language in TEXTS else "de"
    texts = TEXTS[lang]
    payment, warning = build_payment(letter)
    subject = pdf_text(
        fill_placeholders(
            texts["subject"], {"title": letter.title, "document_nr": letter.invoice.document_nr}
        )
    )
    c = Canvas(str(path), pagesize=A4, invariant=1, lang=lang_tag(lang), initialFontName=REG)
    prepare_canvas(
        c,
        DocInfo(
            title=f"{texts['draft']} – {subject}" if letter.draft else subject,
            author=pdf_text(letter.creditor.name),
            language=lang_tag(lang),
            created=letter.created_at(),
        ),
    )
    if letter.draft:
        _draft_mark(c, lang)
    _letterhead(c, letter)
    address_warning = _address_window(c, letter, lang)
    c.setFont(REG, SIZE)
    place = fill_placeholders(
        texts["date_line"],
        {"city": letter.creditor.city, "date": prose_date(letter.reference_date, lang)},
    )
    c.drawString(LEFT, PAGE_H - 77 * mm, pdf_text(place))
    c.setFont(BOLD, 11.5)
    c.drawString(LEFT, PAGE_H - 86 * mm, subject)
    bottom, pages, part_alone = _plan(c, letter, lang, payment)

    def header(page: int) -> None:
        if letter.draft:
            _draft_mark(c, lang)
        _continuation_header(c, letter, lang, page, pages)

    if pages > 1:
        _page_number(c, lang, 1, pages)
    _content(_Flow(c, bottom, header), letter, lang, payment)
    if payment is not None:
        if part_alone:
            c.showPage()
            header(pages)
        draw_payment_part(c, payment, PAYMENT_LABELS[lang], PAGE_W)
    c.showPage()
    c.save()
    if payment is None and warning and not warning.startswith("no QR-bill"):
        warning = f"no QR-bill: {warning}"  # the run's summary counts these letters
    warnings = "; ".join(w for w in (address_warning, warning) if w) or None
    return LetterResult(
        path=Path(path),
        qr_payload=payment.payload if payment else None,
        warning=warnings,
        payment_ref=payment.ref if payment else transfer_ref(letter),
    )


def _plan(
    c: Canvas, letter: LetterInput, lang: str, payment: Payment | None
) -> tuple[float, int, bool]:
    """The lowest line of text on a page, the page count, and whether the payment part
    needs a page of its own: a short letter keeps its payment part under the text on one
    page; a longer one uses its pages down to the foot."""
    if payment is not None:
        probe = _Flow(c, _ABOVE_PART, measure=True)
        _content(probe, letter, lang, payment)
        if probe.page == 1:
            return _ABOVE_PART, 1, False
    probe = _Flow(c, _FOOT, measure=True)
    _content(probe, letter, lang, payment)
    part_alone = payment is not None and probe.y < _ABOVE_PART
    return _FOOT, probe.page + part_alone, part_alone


def _draft_mark(c: Canvas, lang: str) -> None:
    """A draft's word ("ENTWURF") across the upper page, light grey under the text and
    clear of the payment part, so that a draft is never taken for the letter."""
    word = TEXTS[lang]["draft"]
    c.saveState()
    c.setFillColorRGB(0.85, 0.85, 0.85)
    c.translate(PAGE_W / 2, PAGE_H - 105 * mm)
    c.rotate(35)
    size = min(96.0, 150 * mm / max(stringWidth(word, BOLD, 1), 1))
    c.setFont(BOLD, size)
    c.drawCentredString(0, -size / 3, word)
    c.restoreState()


def _page_number(c: Canvas, lang: str, page: int, pages: int) -> None:
    c.setFont(REG, 8)
    text = fill_placeholders(TEXTS[lang]["page"], {"page": str(page), "pages": str(pages)})
    c.drawRightString(RIGHT, 12 * mm, text)


def _continuation_header(c: Canvas, letter: LetterInput, lang: str, page: int, pages: int) -> None:
    """Recipient, date and "Seite 2 von 3" at the top of every page after the first."""
    texts = TEXTS[lang]
    number = fill_placeholders(texts["page"], {"page": str(page), "pages": str(pages)})
    when = prose_date(letter.reference_date, lang)
    top = PAGE_H - 15 * mm
    c.setFont(REG, 9)
    c.drawRightString(RIGHT, top, when)
    c.drawRightString(RIGHT, top - 4.5 * mm, number)
    room = RIGHT - LEFT - max(stringWidth(x, REG, 9) for x in (when, number)) - 8 * mm
    c.setFont(BOLD, 9)
    c.drawString(LEFT, top, fit_line(pdf_text(letter.debtor.name), 9, room, BOLD))
    subject = fill_placeholders(
        texts["subject"], {"title": letter.title, "document_nr": letter.invoice.document_nr}
    )
    c.setFont(REG, 9)
    c.drawString(LEFT, top - 4.5 * mm, fit_line(pdf_text(subject), 9, room, REG))
    c.setLineWidth(0.5)
    c.line(LEFT, top - 7.5 * mm, RIGHT, top - 7.5 * mm)


def _letterhead(c: Canvas, letter: LetterInput) -> None:
    """The creditor's name and address top left, under its logo if it has one; nothing on
    letterhead paper, which brings its own."""
    cred = letter.creditor
    if letter.letterhead_paper:
        return
    top = 18 * mm
    if letter.logo is not None:
        top += _draw_logo(c, letter.logo)
    name = pdf_text(cred.name)
    # 12 pt, smaller down to 9 pt for a long name, then cut after a word: within the margins.
    size = next((s for s in (12, 11, 10, 9) if stringWidth(name, BOLD, s) <= RIGHT - LEFT), 9)
    c.setFont(BOLD, size)
    c.drawString(LEFT, PAGE_H - top, fit_line(name, size, RIGHT - LEFT, BOLD))
    lines = [f"{cred.street} {cred.house_num}".strip(), f"{cred.pcode} {cred.city}".strip()]
    lines += [x for x in (cred.phone, cred.email) if x]
    c.setFont(REG, 9)
    y = PAGE_H - top - 5 * mm
    for line in lines:
        c.drawString(LEFT, y, pdf_text(line))
        y -= 11


_is_svg = lru_cache(maxsize=4)(is_svg)


@lru_cache(maxsize=4)
def _logo_image(path: Path) -> ImageReader:
    return ImageReader(str(path))


def _draw_logo(c: Canvas, path: Path) -> float:
    """The logo from 10 mm below the top edge, at most 20 mm high and 80 mm wide, its
    proportions kept; returns how far it pushes the sender's name down."""
    vector = _is_svg(path)
    if vector:
        drawing = svg_logo(path)
        width, height = float(drawing.width), float(drawing.height)
    else:
        image = _logo_image(path)
        width, height = (float(side) for side in image.getSize())
    scale = min(_LOGO_HEIGHT / height, _LOGO_WIDTH / width)
    w, h = width * scale, height * scale
    if vector:
        c.saveState()
        c.translate(LEFT, PAGE_H - 10 * mm - h)
        c.scale(scale, scale)
        renderPDF.draw(drawing, c, 0, 0, showBoundary=False)
        c.restoreState()
    else:
        c.drawImage(image, LEFT, PAGE_H - 10 * mm - h, w, h, mask="auto")
    return float(h - 2 * mm)


def _address_window(c: Canvas, letter: LetterInput, lang: str) -> str | None:
    """The return-address line and the recipient inside the window; a warning if the
    address had to be shortened."""
    cred = letter.creditor
    where = f"{cred.street} {cred.house_num}, {cred.pcode} {cred.city}"
    back_text, back_size = _sender_line(pdf_text(cred.name), pdf_text(where))
    y = PAGE_H - _RETURN_LINE
    c.setFont(REG, back_size)
    c.drawString(WINDOW_X, y, back_text)
    c.setLineWidth(0.4)
    c.line(
        WINDOW_X, y - 0.8 * mm, WINDOW_X + c.stringWidth(back_text, REG, back_size), y - 0.8 * mm
    )
    courtesy = courtesy_line(letter.debtor, lang)
    block = layout_address(letter.debtor.address, lang, WINDOW_RIGHT - WINDOW_X, courtesy)
    c.setFont(REG, block.size)
    y = PAGE_H - _ADDRESS_TOP - block.size * 0.8
    for line in block.lines:
        c.drawString(WINDOW_X, y, line)
        y -= block.size * LEADING
    return block.warning


def _sender_line(name: str, where: str) -> tuple[str, float]:
    """The return address at the largest size that fits the window; else the name is cut
    after a word with "…", so that street and town stay whole."""
    width = WINDOW_RIGHT - WINDOW_X
    for size in _SENDER_SIZES:
        if stringWidth(f"{name}, {where}", REG, size) <= width:
            return f"{name}, {where}", size
    size = _SENDER_SIZES[-1]
    room = width - stringWidth(f", {where}", REG, size)
    short = fit_line(name, size, room, REG) if room > 0 else ""
    if short and stringWidth(short, REG, size) <= room:
        return f"{short}, {where}", size
    return fit_line(f"{name}, {where}", size, width, REG), size


def _content(flow: _Flow, letter: LetterInput, lang: str, payment: Payment | None) -> None:
    texts, amounts = TEXTS[lang], letter.amounts
    values = {
        "document_nr": no_break(letter.invoice.document_nr),
        "invoice_date": prose_date(letter.invoice.valid_from, lang),
        "due_date": prose_date(letter.invoice.valid_to, lang),
        "deadline": prose_date(letter.deadline, lang),
        # what this letter asks to be paid, as its payment part does: the open amount
        "total_due": f"{amounts.currency}\xa0{format_amount(amounts.open_amount, lang)}",
    }
    flow.text(salutation(letter.debtor, lang))
    if letter.body is not None:
        body = fill_placeholders(letter.body, values)
    else:
        body = fill_placeholders(texts[body_position(letter.level, letter.level_count)], values)
        if letter.level >= letter.level_count:
            body += " " + texts["consequence"]
    flow.text(body, after=0.8)
    _table(flow, letter, lang)
    phone = no_break(letter.creditor.phone) if letter.creditor.phone else None
    contact = " / ".join(x for x in (letter.creditor.email, phone) if x)
    contact_text = (
        fill_placeholders(texts["contact"], {"contact": contact})
        if contact
        else texts["contact_none"]
    )
    flow.text(
        " ".join((_payment_sentence(letter, lang, payment), texts["crossing"], contact_text)),
        after=0.9,
    )
    flow.need(2 * flow.leading)  # closing and signature stay together
    flow.text(texts["closing"], after=0.15)
    flow.text(letter.creditor.name, after=0)


def _payment_sentence(letter: LetterInput, lang: str, payment: Payment | None) -> str:
    texts = TEXTS[lang]
    if payment is not None:
        return texts["pay_qr"]
    ref = transfer_ref(letter)  # never a QR-IBAN: it takes no ordinary transfer
    return fill_placeholders(
        texts["pay_iban"],
        {
            "iban": "\xa0".join(ref.account[i : i + 4] for i in range(0, len(ref.account), 4)),
            "creditor": letter.creditor.name,
            "reference": no_break(format_reference(ref.reference)),
        },
    )


def _table_rows(letter: LetterInput, lang: str) -> list[tuple[str, str]]:
    texts, amounts = TEXTS[lang], letter.amounts
    rows = []
    for fee in amounts.fees:
        title = letter.title if fee.level == letter.level else letter.level_title(fee.level)
        label = (
            fill_placeholders(texts["fee"], {"title": title})
            if title
            else fill_placeholders(texts["fee_level"], {"level": str(fee.level)})
        )
        rows.append((label, format_amount(fee.amount, lang)))
    if amounts.interest > 0:
        key = "interest_one" if amounts.interest_days == 1 else "interest"
        rows.append(
            (
                fill_placeholders(
                    texts[key],
                    {
                        "rate": format_rate(amounts.interest_rate_percent, lang),
                        "base": format_amount(amounts.open_amount, lang),
                        "days": str(amounts.interest_days),
                    },
                ),
                format_amount(amounts.interest, lang),
            )
        )
    return rows


def _table(flow: _Flow, letter: LetterInput, lang: str) -> None:
    """The invoice and what to pay by when; below it, fees and interest, if any, as a
    claim of their own that the payment part leaves out."""
    texts, amounts = TEXTS[lang], letter.amounts
    size, row = flow.size, flow.size * 1.35
    flow.need(row * 4 + flow.leading)
    cols = (LEFT, LEFT + 45 * mm, LEFT + 85 * mm)
    flow.y -= size
    heads = (texts["col_invoice"], texts["col_invoice_date"], texts["col_due_date"])
    for x, head in zip(cols, heads, strict=False):
        flow.draw(x, head, BOLD, size - 1)
    col_amount = fill_placeholders(texts["col_amount"], {"currency": amounts.currency})
    flow.draw(RIGHT, col_amount, BOLD, size - 1, right=True)
    flow.rule(4)
    flow.y -= row + 1
    cells = (
        letter.invoice.document_nr,
        numeric_date(letter.invoice.valid_from, lang),
        numeric_date(letter.invoice.valid_to, lang),
    )
    for x, cell in zip(cols, cells, strict=False):
        flow.draw(x, pdf_text(cell), REG, size)
    flow.draw(RIGHT, format_amount(amounts.open_amount, lang), REG, size, right=True)
    flow.rule(5)
    flow.y -= row + 2
    total = f"{amounts.currency} {format_amount(amounts.open_amount, lang)}"
    deadline = numeric_date(letter.deadline, lang)
    flow.draw(LEFT, fill_placeholders(texts["total"], {"deadline": deadline}), BOLD, size)
    flow.draw(RIGHT, total, BOLD, size, right=True)
    if _table_rows(letter, lang):
        _separately(flow, letter, lang)
    flow.y -= flow.leading * 1.4


def _separately(flow: _Flow, letter: LetterInput, lang: str) -> None:
    """Fees and interest under a heading of their own that carries their total: a claim
    that the amount above, and so the payment part, leaves out."""
    texts, amounts = TEXTS[lang], letter.amounts
    extra = _table_rows(letter, lang)
    size, row = flow.size - 1, (flow.size - 1) * 1.35
    flow.need(row * (len(extra) + 2))
    flow.y -= row * 1.6
    total = f"{amounts.currency} {format_amount(amounts.separately, lang)}"
    flow.draw(LEFT, texts["separately"], BOLD, size)
    flow.draw(RIGHT, total, BOLD, size, right=True)
    flow.rule(3.5)
    flow.y -= 1
    for label, amount in extra:
        flow.y -= row
        flow.draw(LEFT, pdf_text(label), REG, size)
        flow.draw(RIGHT, amount, REG, size, right=True)
