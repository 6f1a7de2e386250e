"""One letter for all of a customer's escalated invoices (`[letters] per_customer = true`).

The first pages carry the letter: letterhead, window address, date and a table with a row
per invoice (number, date, due date, the level reached, that invoice's new deadline and its
open amount); fees and interest follow under their own heading, as invoiced separately,
as in the letter for a single invoice. The text names the earliest of the deadlines.
Then one page per invoice with that invoice's own QR-bill payment part at its foot: its
own account, reference and open amount, so that each payment reconciles with its invoice.
The reminders in bexio stay one per invoice; only the paper is shared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from dunning.letters.address import fit_line
from dunning.letters.fmt import (
    bookmark_title_text,
    fill_placeholders,
    format_amount,
    letter_file_name,
    no_break,
    numeric_date,
    pdf_text,
    prose_date,
)
from dunning.letters.payment_part import draw_payment_part
from dunning.letters.pdfa import BOLD, REG, prepare_canvas
from dunning.letters.qrpay import Payment, build_payment, transfer_ref
from dunning.letters.render import (
    _FOOT,
    LEFT,
    PAGE_H,
    PAGE_W,
    RIGHT,
    SIZE,
    _address_window,
    _draft_mark,
    _Flow,
    _letterhead,
    _payment_sentence,
    _table_rows,
)
from dunning.letters.salutation import salutation
from dunning.letters.texts import PAYMENT_LABELS, TEXTS
from dunning.letters.types import LetterInput, LetterResult
from dunning.letters.xmp import DocInfo, lang_tag

__all__ = ["customer_bookmark", "customer_file_name", "render_customer_letter"]

_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "subject": "{title} – {count} offene Rechnungen",
        "subject_one": "{title} – Rechnung {document_nr}",
        "body": (
            "Die folgenden Rechnungen sind trotz Fälligkeit noch offen. Wir bitten Sie, jeden "
            "Betrag bis zu der in seiner Zeile genannten Frist zu bezahlen; die erste Frist "
            "läuft am {deadline} ab."
        ),
        "col_level": "Stufe",
        "contact": "Bei Fragen zu diesen Rechnungen oder für eine Ratenzahlung erreichen Sie uns unter {contact}.",
        "contact_none": "Bei Fragen zu diesen Rechnungen stehen wir Ihnen gerne zur Verfügung.",
        "col_date": "Datum",  # the invoice's date: the full heading does not fit
        "col_deadline": "Frist",
        "total": "Total offen",
        "pay_each": (
            "Jeder Rechnung ist ein eigener QR-Zahlteil beigelegt: Bitte bezahlen Sie jede "
            "Rechnung mit ihrem Zahlteil, damit wir Ihre Zahlung richtig zuordnen können."
        ),
        "part_for": "Zahlteil für Rechnung {document_nr}",
    },
    "fr": {
        "subject": "{title} – {count} factures ouvertes",
        "subject_one": "{title} – facture n° {document_nr}",
        "body": (
            "Les factures suivantes, échues, demeurent impayées. Nous vous prions de régler "
            "chaque montant dans le délai indiqué sur sa ligne ; le premier délai échoit le "
            "{deadline}."
        ),
        "col_level": "Niveau",
        "contact": "Pour toute question concernant ces factures ou pour convenir d'un paiement échelonné, vous pouvez nous joindre à {contact}.",
        "contact_none": "Nous restons à votre disposition pour toute question concernant ces factures.",
        "col_date": "Date",  # the invoice's date: the full heading does not fit
        "col_deadline": "Délai",
        "total": "Total ouvert",
        "pay_each": (
            "Chaque facture a son propre bulletin de versement QR : veuillez payer chaque "
            "facture avec son bulletin, afin que nous puissions attribuer votre paiement."
        ),
        "part_for": "Section paiement de la facture {document_nr}",
    },
    "it": {
        "subject": "{title} – {count} fatture aperte",
        "subject_one": "{title} – fattura n. {document_nr}",
        "body": (
            "Le seguenti fatture, scadute, risultano ancora aperte. Vi preghiamo di pagare "
            "ciascun importo entro il termine indicato sulla sua riga; il primo termine "
            "scade il {deadline}."
        ),
        "col_level": "Livello",
        "contact": "Per domande su queste fatture o per concordare un pagamento rateale potete contattarci a {contact}.",
        "contact_none": "Restiamo volentieri a disposizione per domande su queste fatture.",
        "col_date": "Data",  # the invoice's date: the full heading does not fit
        "col_deadline": "Termine",
        "total": "Totale aperto",
        "pay_each": (
            "Ogni fattura ha la sua sezione di pagamento QR: vi preghiamo di pagare ciascuna "
            "fattura con la sua sezione, così da poter attribuire il vostro pagamento."
        ),
        "part_for": "Sezione pagamento della fattura {document_nr}",
    },
    "en": {
        "subject": "{title} – {count} open invoices",
        "subject_one": "{title} – invoice {document_nr}",
        "body": (
            "The following invoices are overdue and still open. Please pay each amount by the "
            "deadline given in its row; the first deadline is {deadline}."
        ),
        "col_level": "Level",
        "contact": "If you have any questions about these invoices or would like to pay in instalments, please contact us at {contact}.",
        "contact_none": "Please contact us if you have any questions about these invoices.",
        "col_date": "Date",  # the invoice's date: the full heading does not fit
        "col_deadline": "Deadline",
        "total": "Total open",
        "pay_each": (
            "Each invoice has its own QR-bill payment part: please pay each invoice with its "
            "payment part, so that we can match your payment."
        ),
        "part_for": "Payment part for invoice {document_nr}",
    },
}


def customer_file_name(contact_id: int, first: LetterInput) -> str:
    """`customer-<contact id>-<first document nr, made safe>.pdf`."""
    stem = letter_file_name(first.invoice.document_nr, first.level).removesuffix(
        f"-L{int(first.level)}.pdf"
    )
    return f"customer-{int(contact_id)}-{stem}.pdf"


def _lang(letters: Sequence[LetterInput]) -> str:
    lang = letters[0].language
    return lang if lang in TEXTS else "de"


def _top(letters: Sequence[LetterInput]) -> LetterInput:
    """The invoice at the highest level: its title heads the letter."""
    return max(letters, key=lambda x: x.level)


def _subject(letters: Sequence[LetterInput], lang: str) -> str:
    top = _top(letters)
    if len(letters) == 1:
        key, values = "subject_one", {"document_nr": top.invoice.document_nr}
    else:
        key, values = "subject", {"count": str(len(letters))}
    return fill_placeholders(_TEXTS[lang][key], {"title": top.title, **values})


def customer_bookmark(letters: Sequence[LetterInput]) -> str:
    """`RE-1, RE-2 · Muster AG · 2. Mahnung`: the customer's letter in the merged file."""
    numbers = ", ".join(x.invoice.document_nr.strip() for x in letters)
    return bookmark_title_text(numbers, letters[0].debtor.name, _top(letters).title)


def render_customer_letter(letters: Sequence[LetterInput], path: Path) -> list[LetterResult]:
    """Write the customer's letter to `path`; one result per invoice, in the given order,
    each with the payment part drawn for it (or why there is none)."""
    first, lang = letters[0], _lang(letters)
    built = [build_payment(x) for x in letters]
    subject = pdf_text(_subject(letters, lang))
    draft_word = TEXTS[lang]["draft"]
    c = Canvas(str(path), pagesize=A4, invariant=1, lang=lang_tag(lang), initialFontName=REG)
    prepare_canvas(
        c,
        DocInfo(
            title=f"{draft_word} – {subject}" if first.draft else subject,
            author=pdf_text(first.creditor.name),
            language=lang_tag(lang),
            created=first.created_at(),
        ),
    )
    probe = _Flow(c, _FOOT, measure=True)
    _content(probe, letters, lang, built)
    parts = [p for p, _ in built if p is not None]
    pages = probe.page + len(parts)

    def header(page: int, line: str) -> None:
        if first.draft:
            _draft_mark(c, lang)
        _header(c, first, lang, page, pages, line)

    if first.draft:
        _draft_mark(c, lang)
    _letterhead(c, first)
    address_warning = _address_window(c, first, lang)
    c.setFont(REG, SIZE)
    place = fill_placeholders(
        TEXTS[lang]["date_line"],
        {"city": first.creditor.city, "date": prose_date(first.reference_date, lang)},
    )
    c.drawString(LEFT, PAGE_H - 77 * mm, pdf_text(place))
    c.setFont(BOLD, 11.5)
    c.drawString(LEFT, PAGE_H - 86 * mm, fit_line(subject, 11.5, RIGHT - LEFT, BOLD))
    if pages > 1:
        _page_number(c, lang, 1, pages)
    flow = _Flow(c, _FOOT, lambda page: header(page, subject))
    _content(flow, letters, lang, built)
    page = flow.page
    for letter, (payment, _) in zip(letters, built, strict=True):
        if payment is None:
            continue
        c.showPage()
        page += 1
        part_for = fill_placeholders(
            _TEXTS[lang]["part_for"], {"document_nr": letter.invoice.document_nr}
        )
        header(page, part_for)
        draw_payment_part(c, payment, PAYMENT_LABELS[lang], PAGE_W)
    c.showPage()
    c.save()
    results = []
    for letter, (payment, warning) in zip(letters, built, strict=True):
        if payment is None and warning and not warning.startswith("no QR-bill"):
            warning = f"no QR-bill: {warning}"
        warnings = "; ".join(w for w in (address_warning, warning) if w) or None
        results.append(
            LetterResult(
                path=Path(path),
                qr_payload=payment.payload if payment else None,
                warning=warnings,
                payment_ref=payment.ref if payment else transfer_ref(letter),
            )
        )
    return results


def _page_number(c: Canvas, lang: str, page: int, pages: int) -> None:
    c.setFont(REG, 8)
    text = fill_placeholders(TEXTS[lang]["page"], {"page": str(page), "pages": str(pages)})
    c.drawRightString(RIGHT, 12 * mm, text)


def _header(c: Canvas, first: LetterInput, lang: str, page: int, pages: int, line: str) -> None:
    """Recipient, date and "Seite 2 von 3" at the top of every page after the first, with
    the letter's subject or the invoice whose payment part the page carries."""
    number = fill_placeholders(TEXTS[lang]["page"], {"page": str(page), "pages": str(pages)})
    when = prose_date(first.reference_date, lang)
    top = PAGE_H - 15 * mm
    c.setFont(REG, 9)
    c.drawRightString(RIGHT, top, when)
    c.drawRightString(RIGHT, top - 4.5 * mm, number)
    room = RIGHT - LEFT - 60 * mm
    c.setFont(BOLD, 9)
    c.drawString(LEFT, top, fit_line(pdf_text(first.debtor.name), 9, room, BOLD))
    c.setFont(REG, 9)
    c.drawString(LEFT, top - 4.5 * mm, fit_line(pdf_text(line), 9, room, REG))
    c.setLineWidth(0.5)
    c.line(LEFT, top - 7.5 * mm, RIGHT, top - 7.5 * mm)


def _content(
    flow: _Flow,
    letters: Sequence[LetterInput],
    lang: str,
    built: Sequence[tuple[Payment | None, str | None]],
) -> None:
    texts, own = TEXTS[lang], _TEXTS[lang]
    first = letters[0]
    earliest = min(x.deadline for x in letters)
    flow.text(salutation(first.debtor, lang))
    body = fill_placeholders(own["body"], {"deadline": prose_date(earliest, lang)})
    if any(x.level >= x.level_count for x in letters):
        body += " " + texts["consequence"]
    flow.text(body, after=0.8)
    _table(flow, letters, lang)
    sentences = []
    if any(p is not None for p, _ in built):
        sentences.append(own["pay_each"])
    for letter, (payment, _) in zip(letters, built, strict=True):
        if payment is None:
            nr = no_break(letter.invoice.document_nr)
            sentences.append(f"{nr}: {_payment_sentence(letter, lang, None)}")
    phone = no_break(first.creditor.phone) if first.creditor.phone else None
    contact = " / ".join(x for x in (first.creditor.email, phone) if x)
    sentences.append(
        fill_placeholders(own["contact"], {"contact": contact}) if contact else own["contact_none"]
    )
    flow.text(" ".join([*sentences[:1], texts["crossing"], *sentences[1:]]), after=0.9)
    flow.need(2 * flow.leading)
    flow.text(texts["closing"], after=0.15)
    flow.text(first.creditor.name, after=0)


# Column starts (from LEFT) of the invoice table: number, date, due, level, deadline; the
# open amount is right-aligned at RIGHT.
_COLS = (0.0, 30 * mm, 54 * mm, 76 * mm, 124 * mm)


def _table(flow: _Flow, letters: Sequence[LetterInput], lang: str) -> None:
    """A row per invoice; the total of the open amounts per currency; then fees and
    interest, listed per invoice as invoiced separately (the payment parts leave them out)."""
    texts, own = TEXTS[lang], _TEXTS[lang]
    size = flow.size - 1
    row = size * 1.4
    flow.need(row * 3 + flow.leading)
    flow.y -= size
    heads = (
        texts["col_invoice"],
        own["col_date"],
        texts["col_due_date"],
        own["col_level"],
        own["col_deadline"],
    )
    currencies = sorted({x.amounts.currency for x in letters})
    one_currency = currencies[0] if len(currencies) == 1 else ""
    for x, end, head in zip(_COLS, (*_COLS[1:], 150 * mm), heads, strict=True):
        flow.draw(LEFT + x, fit_line(head, size - 1, end - x - 1 * mm, BOLD), BOLD, size - 1)
    col_amount = fill_placeholders(texts["col_amount"], {"currency": one_currency}).strip()
    flow.draw(RIGHT, col_amount, BOLD, size - 1, right=True)
    flow.rule(4)
    flow.y -= 2
    for letter in letters:
        flow.need(row)
        flow.y -= row
        cells = (
            fit_line(pdf_text(letter.invoice.document_nr), size, 29 * mm, REG),
            numeric_date(letter.invoice.valid_from, lang),
            numeric_date(letter.invoice.valid_to, lang),
            fit_line(pdf_text(letter.title), size, 45 * mm, REG),
            numeric_date(letter.deadline, lang),
        )
        for x, cell in zip(_COLS, cells, strict=True):
            flow.draw(LEFT + x, cell, REG, size)
        amount = format_amount(letter.amounts.open_amount, lang)
        if not one_currency:
            amount = f"{letter.amounts.currency} {amount}"
        flow.draw(RIGHT, amount, REG, size, right=True)
    flow.rule(4)
    flow.y -= row + 2
    totals = " / ".join(
        f"{cur} {format_amount(_sum(x.amounts.open_amount for x in letters if x.amounts.currency == cur), lang)}"  # noqa: E501
        for cur in currencies
    )
    flow.draw(LEFT, own["total"], BOLD, size + 1)
    flow.draw(RIGHT, totals, BOLD, size + 1, right=True)
    extra = [
        (letter, label, amount) for letter in letters for label, amount in _table_rows(letter, lang)
    ]
    if extra:
        flow.need(row * 3)
        flow.y -= row * 1.6
        sep = " / ".join(
            f"{cur} {format_amount(_sum(x.amounts.separately for x in letters if x.amounts.currency == cur), lang)}"  # noqa: E501
            for cur in currencies
            if any(_table_rows(x, lang) for x in letters if x.amounts.currency == cur)
        )
        flow.draw(LEFT, texts["separately"], BOLD, size)
        flow.draw(RIGHT, sep, BOLD, size, right=True)
        flow.rule(3.5)
        flow.y -= 1
        for letter, label, amount in extra:
            flow.need(row)
            flow.y -= row
            text = f"{letter.invoice.document_nr}: {label}"
            flow.draw(LEFT, fit_line(pdf_text(text), size, RIGHT - LEFT - 30 * mm, REG), REG, size)
            flow.draw(RIGHT, amount, REG, size, right=True)
    flow.y -= flow.leading * 1.4


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))
