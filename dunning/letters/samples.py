"""Example letters, for the benchmark, the tests and anyone who wants to look at one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from dunning.accounts import is_qr_iban
from dunning.letters.qrpay import make_qrr
from dunning.letters.types import LetterInput, PaymentRef
from dunning.model import Address, Contact, Invoice
from dunning.policy import Creditor
from dunning.proposal import Amounts, FeeLine

__all__ = ["SAMPLE_CREDITOR", "TITLES", "sample_letter", "gallery_letters", "GALLERY_LOGO_SVG"]

SAMPLE_CREDITOR = Creditor(
    name="Muster AG",
    street="Bahnhofstrasse",
    house_num="1",
    pcode="8001",
    city="Zürich",
    country="CH",
    iban="CH4431999123000889012",
    transfer_iban="CH5800791123000889012",
    email="buchhaltung@muster.ch",
    phone="+41 44 123 45 67",
)

TITLES = {
    "de": ("Zahlungserinnerung", "1. Mahnung", "Letzte Mahnung"),
    "fr": ("Rappel", "1re relance", "Dernier rappel"),
    "it": ("Promemoria di pagamento", "1° sollecito", "Ultimo sollecito"),
    "en": ("Payment reminder", "First reminder", "Final reminder"),
}


def sample_letter(
    n: int = 42,
    *,
    language: str = "de",
    level: int = 2,
    address: Address | None = None,
    creditor: Creditor = SAMPLE_CREDITOR,
    open_amount: Decimal = Decimal("1200.00"),
    currency: str = "CHF",
    body: str | None = None,
) -> LetterInput:
    """A reminder for invoice `RE-<n>` at `level` of three, with a fee and interest."""
    address = address or Address(
        name="Beispiel GmbH",
        street="Marktgasse",
        house_num="28",
        pcode="9400",
        city="Rorschach",
        extra="z. H. Frau Pia Rutschmann",
    )
    fees = tuple(FeeLine(level=k, amount=Decimal("20.00")) for k in range(2, level + 1))
    interest = Decimal("6.90") if level > 1 else Decimal("0")
    total = open_amount + sum((f.amount for f in fees), Decimal("0")) + interest
    amounts = Amounts(
        currency=currency,
        open_amount=open_amount,
        fees=fees,
        interest=interest,
        interest_days=42 if interest else 0,
        interest_rate_percent=Decimal("5.0"),
        interest_start=date(2026, 10, 19) if interest else None,
        total_due=total,
        deadline=date(2026, 12, 10),
    )
    invoice = Invoice(
        id=n,
        document_nr=f"RE-{n:05d}",
        contact_id=n,
        status=8,
        currency=currency,
        total=open_amount,
        remaining=open_amount,
        valid_from=date(2026, 9, 18),
        valid_to=date(2026, 10, 18),
    )
    return LetterInput(
        creditor=creditor,
        debtor=Contact(id=n, address=address, language=language),
        invoice=invoice,
        amounts=amounts,
        level=level,
        level_count=3,
        title=TITLES.get(language, TITLES["de"])[level - 1],
        language=language,
        reference_date=date(2026, 11, 30),
        deadline=date(2026, 12, 10),
        body=body,
        # As a run reads it from the invoice's QR-bill: a QR reference on a QR-IBAN.
        payment_ref=(
            PaymentRef(creditor.iban, "QRR", make_qrr(str(n)))
            if is_qr_iban(creditor.iban)
            else None
        ),
    )


# The gallery: the edge cases of the layout, in every language.
GALLERY_LANGUAGES = ("de", "fr", "it", "en")
_LONG_BODY = {
    "de": "Wir haben Ihnen die Rechnung {document_nr} am {invoice_date} zugestellt. ",
    "fr": "Nous vous avons adressé la facture {document_nr} le {invoice_date}. ",
    "it": "Vi abbiamo inviato la fattura {document_nr} il {invoice_date}. ",
    "en": "We sent you invoice {document_nr} on {invoice_date}. ",
}
_LONG_TAIL = {
    "de": "Bitte bezahlen Sie {total_due} bis zum {deadline}.",
    "fr": "Veuillez régler {total_due} d'ici au {deadline}.",
    "it": "Vi preghiamo di versare {total_due} entro il {deadline}.",
    "en": "Please pay {total_due} by {deadline}.",
}
_FORM = {"de": "Frau", "fr": "Madame", "it": "Signora", "en": "Ms"}
_PERSON = {"de": "Herr", "fr": "Monsieur", "it": "Signor", "en": "Mr"}
GALLERY_ADDRESSES = {
    "long-name": Address(
        name="Genossenschaft für landwirtschaftliche Maschinen und Geräte der Nordostschweiz",
        extra="c/o Treuhandbüro Hürlimann-Zimmermann & Partner AG",
        street="Obere Kirchgasse und Untere Bahnhofstrasse",
        house_num="112b",
        pcode="8595",
        city="Altnau-Kesswil-Uttwil am Bodensee",
    ),
    "germany": Address(
        name="Bayerische Gesellschaft für Wald- und Forstwirtschaft mbH",
        extra="Abteilung Rechnungswesen",
        street="Maximiliansplatz",
        house_num="12a",
        pcode="80539",
        city="München",
        country="DE",
    ),
    "france": Address(
        name="Société Nouvelle des Établissements Dupont-Lefèvre et Fils SARL",
        street="Boulevard du Maréchal de Lattre de Tassigny",
        house_num="145",
        pcode="69006",
        city="Lyon",
        country="FR",
    ),
    "italy": Address(
        name="Ristorante Al Ponte di Ferro S.r.l.",
        street="Via Giuseppe Garibaldi",
        house_num="7",
        pcode="22100",
        city="Como",
        country="IT",
    ),
    "no-city": Address(name="Ohne Ort AG", street="Weg", house_num="1", pcode="8000"),
    "person": Address(
        name="Anna Meier-Huber", street="Seestrasse", house_num="9", pcode="6004", city="Luzern"
    ),
}
# A logo for the gallery's letterhead case: a red square with a white cross and a name.
GALLERY_LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">
<rect width="100" height="100" rx="12" fill="#c81e28"/>
<path d="M40 20h20v20h20v20h-20v20h-20v-20h-20v-20h20z" fill="#ffffff"/>
<text x="115" y="65" font-family="Arial" font-weight="bold" font-size="40">Muster AG</text>
</svg>
"""


def gallery_letters(logo: Path | None = None) -> list[tuple[str, LetterInput]]:
    """(name, letter) for every case of the gallery in every language: each level, a
    person's salutation, long and foreign addresses, no debtor town, a long letter with
    continuation pages, EUR, a currency without QR-bill, a logo and letterhead paper."""
    letters: list[tuple[str, LetterInput]] = []
    for lang in GALLERY_LANGUAGES:
        n = 100 * (GALLERY_LANGUAGES.index(lang) + 1)
        cases = _cases(lang, n, logo)
        letters += [(f"{lang}-{name}", letter) for name, letter in cases]
    return letters


def _cases(lang: str, n: int, logo: Path | None) -> list[tuple[str, LetterInput]]:
    addr = GALLERY_ADDRESSES
    person = Contact(
        id=n,
        address=addr["person"],
        language=lang,
        salutation=_PERSON[lang],
        title="Dr.",
        last_name="Meier-Huber",
    )
    woman = replace(person, salutation=_FORM[lang], title=None)
    cases = [
        ("level-1", sample_letter(n + 1, language=lang, level=1)),
        ("level-2-person", replace(sample_letter(n + 2, language=lang, level=2), debtor=person)),
        ("level-3-woman", replace(sample_letter(n + 3, language=lang, level=3), debtor=woman)),
        ("long-name", sample_letter(n + 4, language=lang, address=addr["long-name"])),
        ("germany", sample_letter(n + 5, language=lang, address=addr["germany"])),
        ("france-eur", sample_letter(n + 6, language=lang, address=addr["france"], currency="EUR")),
        ("italy", sample_letter(n + 7, language=lang, address=addr["italy"], level=3)),
        ("no-city", sample_letter(n + 8, language=lang, address=addr["no-city"])),
        (
            "long-letter",
            sample_letter(n + 9, language=lang, body=_LONG_BODY[lang] * 90 + _LONG_TAIL[lang]),
        ),
        (
            "usd-no-qr",
            sample_letter(
                n + 10,
                language=lang,
                currency="USD",
                creditor=replace(SAMPLE_CREDITOR, transfer_iban="CH9300762011623852957"),
            ),
        ),
        ("letterhead-paper", replace(sample_letter(n + 11, language=lang), letterhead_paper=True)),
    ]
    if logo is not None:
        cases.append(("logo", replace(sample_letter(n + 12, language=lang), logo=logo)))
    return cases
