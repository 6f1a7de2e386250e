"""A filled debt-enforcement request (Betreibungsbegehren, Art. 67 SchKG) per claim.

One A4 page with the fields the request asks for, in the order of the offices' forms:
the debtor, the creditor and any representative, the claim with its interest, the cause
(the invoice) and the reminders sent, then place, date and a line to sign. In German,
French or Italian, the debtor's language when it is one of them (the office's language is
that of the debtor's domicile), else the policy's default, else German.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from dunning.enforcement import ENFORCEMENT_CSV, Claim, write_enforcement_csv
from dunning.letters.address import country_line
from dunning.letters.fmt import format_amount, format_rate, numeric_date, pdf_text
from dunning.letters.payment_part import wrap
from dunning.letters.pdfa import BOLD, REG, prepare_canvas
from dunning.letters.xmp import DocInfo, lang_tag
from dunning.model import Address

__all__ = [
    "ENFORCEMENT_LANGUAGES",
    "enforcement_language",
    "render_enforcement",
    "write_enforcement",
]

ENFORCEMENT_LANGUAGES = ("de", "fr", "it")
PAGE_W, PAGE_H = A4
LEFT, RIGHT = 22 * mm, PAGE_W - 20 * mm
LABEL_W = 48 * mm
SIZE, LEADING = 10, 13

_LABELS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Betreibungsbegehren",
        "law": "nach Art. 67 SchKG",
        "debtor": "Schuldner",
        "creditor": "Gläubiger",
        "representative": "Vertreter",
        "none": "keiner",
        "claim": "Forderung",
        "interest": "Zins",
        "interest_text": "{rate} % seit {day}",
        "no_interest": "kein Zins",
        "cause": "Forderungsurkunde oder Grund der Forderung",
        "cause_text": "Rechnung {nr} vom {day}",
        "reminders": "Mahnungen",
        "reminder_text": "{title} (Stufe {level}) vom {day}",
        "no_reminders": "keine in bexio",
        "place": "Ort und Datum",
        "signature": "Unterschrift des Gläubigers oder Vertreters",
        "invoice_id": "bexio-Rechnung {id}",
        "note": "Bemerkung",
        "francs": "Die Forderung lautet auf {cur}: im Begehren in CHF anzugeben (Art. 67 "
        "Abs. 1 Ziff. 3 SchKG), umgerechnet zum Kurs am Tag der Einreichung.",
    },
    "fr": {
        "title": "Réquisition de poursuite",
        "law": "selon l'art. 67 LP",
        "debtor": "Débiteur",
        "creditor": "Créancier",
        "representative": "Représentant",
        "none": "aucun",
        "claim": "Créance",
        "interest": "Intérêt",
        "interest_text": "{rate} % dès le {day}",
        "no_interest": "sans intérêt",
        "cause": "Titre de la créance ou cause de l'obligation",
        "cause_text": "Facture {nr} du {day}",
        "reminders": "Rappels",
        "reminder_text": "{title} (niveau {level}) du {day}",
        "no_reminders": "aucun dans bexio",
        "place": "Lieu et date",
        "signature": "Signature du créancier ou du représentant",
        "invoice_id": "facture bexio {id}",
        "note": "Remarque",
        "francs": "La créance est en {cur} : la réquisition l'indique en CHF (art. 67 "
        "al. 1 ch. 3 LP), convertie au cours du jour du dépôt.",
    },
    "it": {
        "title": "Domanda d'esecuzione",
        "law": "secondo l'art. 67 LEF",
        "debtor": "Debitore",
        "creditor": "Creditore",
        "representative": "Rappresentante",
        "none": "nessuno",
        "claim": "Credito",
        "interest": "Interessi",
        "interest_text": "{rate} % dal {day}",
        "no_interest": "senza interessi",
        "cause": "Titolo del credito o causa dell'obbligazione",
        "cause_text": "Fattura {nr} del {day}",
        "reminders": "Solleciti",
        "reminder_text": "{title} (livello {level}) del {day}",
        "no_reminders": "nessuno in bexio",
        "place": "Luogo e data",
        "signature": "Firma del creditore o del rappresentante",
        "invoice_id": "fattura bexio {id}",
        "note": "Osservazione",
        "francs": "Il credito è in {cur}: la domanda lo indica in CHF (art. 67 cpv. 1 "
        "n. 3 LEF), convertito al corso del giorno dell'inoltro.",
    },
}


def enforcement_language(contact_language: str | None, default_language: str) -> str:
    """The request's language: the debtor's, else the policy's default, if the office
    can take it (de, fr, it); else German."""
    for candidate in (contact_language, default_language):
        code = (candidate or "").strip().lower().replace("_", "-").split("-")[0]
        if code in ENFORCEMENT_LANGUAGES:
            return code
    return "de"


def _address_lines(address: Address, language: str) -> list[str]:
    street = " ".join(x for x in (address.street, address.house_num) if x)
    place = " ".join(x for x in (address.pcode, address.city) if x)
    country = country_line(address.country, language)
    return [x for x in (address.name, address.extra, street, place, country) if x]


class _Page:
    """A top-down cursor on one page; a field is a label on the left and lines beside it."""

    def __init__(self, canvas: Canvas) -> None:
        self.c, self.y = canvas, PAGE_H - 25 * mm

    def field(self, label: str, lines: Sequence[str], bold_first: bool = False) -> None:
        self.c.setFont(BOLD, SIZE)
        label_lines = wrap(pdf_text(label), BOLD, SIZE, LABEL_W - 4 * mm)
        for i, line in enumerate(label_lines):
            self.c.drawString(LEFT, self.y - i * LEADING, line)
        width = RIGHT - LEFT - LABEL_W
        shown: list[tuple[str, str]] = []
        for n, text in enumerate(lines):
            font = BOLD if bold_first and n == 0 else REG
            shown += [(font, part) for part in wrap(pdf_text(text), font, SIZE, width)]
        for i, (font, line) in enumerate(shown):
            self.c.setFont(font, SIZE)
            self.c.drawString(LEFT + LABEL_W, self.y - i * LEADING, line)
        used = max(len(label_lines), len(shown), 1)
        self.y -= used * LEADING + 3 * mm
        self.rule()

    def rule(self) -> None:
        self.c.setLineWidth(0.3)
        self.c.line(LEFT, self.y + 1.5 * mm, RIGHT, self.y + 1.5 * mm)
        self.y -= 3 * mm


def render_enforcement(claim: Claim, language: str, day: date, target: Path) -> Path:
    """Write the claim's filled request to `target`, dated `day`; the path."""
    labels = _LABELS[language if language in _LABELS else "de"]
    target.parent.mkdir(parents=True, exist_ok=True)
    lang = lang_tag(language)
    c = Canvas(str(target), pagesize=A4, invariant=1, lang=lang, initialFontName=REG)
    prepare_canvas(  # PDF/A-2b with embedded fonts, as the letters
        c,
        DocInfo(
            title=pdf_text(f"{labels['title']} {claim.document_nr}"),
            author=pdf_text(claim.creditor.name),
            language=lang,
            created=datetime.combine(day, time(0), tzinfo=UTC),
        ),
    )
    page = _Page(c)
    c.setFont(BOLD, 16)
    c.drawString(LEFT, page.y, pdf_text(labels["title"]))
    c.setFont(REG, SIZE)
    c.drawRightString(RIGHT, page.y, pdf_text(labels["law"]))
    page.y -= 12 * mm
    _fill(page, claim, labels, language)
    page.y -= 10 * mm
    c.setFont(REG, SIZE)
    place = f"{labels['place']}: {claim.creditor.city}, {numeric_date(day, language)}"
    c.drawString(LEFT, page.y, pdf_text(place))
    page.y -= 22 * mm
    c.line(LEFT, page.y, LEFT + 80 * mm, page.y)
    c.setFont(REG, 8)
    c.drawString(LEFT, page.y - 4 * mm, pdf_text(labels["signature"]))
    c.showPage()
    c.save()
    return target


def _fill(page: _Page, claim: Claim, labels: dict[str, str], language: str) -> None:
    creditor = claim.creditor
    creditor_address = Address(
        name=creditor.name,
        street=creditor.street,
        house_num=creditor.house_num,
        pcode=creditor.pcode,
        city=creditor.city,
        country=creditor.country,
    )
    page.field(labels["debtor"], _address_lines(claim.debtor.address, language), bold_first=True)
    page.field(labels["creditor"], _address_lines(creditor_address, language), bold_first=True)
    page.field(labels["representative"], [claim.representative or labels["none"]])
    amount = f"{claim.currency}\xa0{format_amount(claim.amount, language)}"
    page.field(labels["claim"], [amount], bold_first=True)
    if claim.interest_from:
        interest = labels["interest_text"].format(
            rate=format_rate(claim.interest_rate_percent, language),
            day=numeric_date(claim.interest_from, language),
        )
    else:
        interest = labels["no_interest"]
    page.field(labels["interest"], [interest])
    cause = labels["cause_text"].format(
        nr=claim.document_nr, day=numeric_date(claim.invoice_date, language)
    )
    page.field(labels["cause"], [cause, labels["invoice_id"].format(id=claim.invoice_id)])
    reminders = [
        labels["reminder_text"].format(
            title=r.title or labels["reminders"],
            level=r.level,
            day=numeric_date(r.valid_from, language),
        )
        for r in claim.reminders
    ]
    page.field(labels["reminders"], reminders or [labels["no_reminders"]])
    if claim.needs_francs:
        page.field(labels["note"], [labels["francs"].format(cur=claim.currency)])


def write_enforcement(
    claims: Sequence[Claim], run_folder: Path, default_language: str, day: date
) -> Path | None:
    """Every claim's request (`<run>/<claim.pdf>`) and `<run>/enforcement.csv`; the CSV's
    path, or None when there is no claim (then neither is written)."""
    for claim in claims:
        language = enforcement_language(claim.debtor.language, default_language)
        render_enforcement(claim, language, day, run_folder / claim.pdf)
    if not claims:
        return None
    return write_enforcement_csv(claims, run_folder / ENFORCEMENT_CSV)
