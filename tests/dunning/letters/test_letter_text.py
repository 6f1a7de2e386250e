"""What a reader sees in the letter, in each language, read back from the PDF."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dunning.letters import render_letter, resolve_language
from dunning.letters.fmt import format_amount, format_rate, numeric_date, prose_date
from dunning.letters.salutation import salutation
from dunning.letters.samples import sample_letter
from dunning.letters.texts import TEXTS
from dunning.model import Address, Contact
from tests.dunning.letters.letter_helpers import page_texts

# language -> words the letter must show: salutation, closing, date line, fee and interest
EXPECTED = {
    "de": [
        "Sehr geehrte Damen und Herren",
        "Freundliche Grüsse",
        "Zürich, 30.11.2026",
        "Mahngebühr 1. Mahnung",
        "Verzugszins 5 % auf 1'200.00 für 42 Tage",
        "innert",
        "Zu bezahlen bis 10.12.2026 CHF 1'200.00",
        "Separat in Rechnung gestellt (nicht im obigen Betrag) CHF 26.90",
    ],
    "fr": [
        "Madame, Monsieur,",
        "Meilleures salutations",
        "Zürich, le 30 novembre 2026",
        "Frais de rappel (1re relance)",
        "Intérêts moratoires 5 % sur 1'200.00 pendant 42 jours",
        "À payer d'ici au 10.12.2026 CHF 1'200.00",
        "Facturé séparément (non compris dans le montant ci-dessus) CHF 26.90",
    ],
    "it": [
        "Gentili Signore e Signori,",
        "Cordiali saluti",
        "Zürich, 30 novembre 2026",
        "Spese di sollecito (1° sollecito)",
        "Interessi di mora 5 % su 1'200.00 per 42 giorni",
        "Da pagare entro il 10.12.2026 CHF 1'200.00",
        "Fatturato separatamente (non compreso nell'importo sopra) CHF 26.90",
    ],
    "en": [
        "Dear Sir or Madam,",
        "Kind regards",
        "Zürich, 30 November 2026",
        "Reminder fee (First reminder)",
        "Default interest 5 % on 1'200.00 for 42 days",
        "To pay by 10.12.2026 CHF 1'200.00",
        "Invoiced separately (not in the amount above) CHF 26.90",
    ],
}
TITLE = {"de": "1. Mahnung", "fr": "1re relance", "it": "1° sollecito", "en": "First reminder"}
ENFORCEMENT = {"de": "Betreibung", "fr": "poursuite", "it": "esecuzione", "en": "debt enforcement"}


def _flat(path: Path) -> str:
    return " ".join(" ".join(page_texts(path)).split())


@pytest.mark.parametrize("lang", ["de", "fr", "it", "en"])
def test_letter_shows_invoice_amounts_and_title_in_its_language(lang: str, tmp_path: Path) -> None:
    result = render_letter(sample_letter(42, language=lang, level=2), tmp_path / "l.pdf")
    text = _flat(result.path)
    assert "RE-00042" in text
    assert TITLE[lang] in text
    for amount in ("1'200.00", "20.00", "6.90", "CHF 26.90"):
        assert amount in text
    assert "10.12.2026" in text  # the new deadline as a date
    for words in EXPECTED[lang]:
        assert words in text
    assert ENFORCEMENT[lang] not in text  # a middle level does not announce enforcement yet
    for other in set(TITLE) - {lang}:
        assert EXPECTED[other][1] not in text


@pytest.mark.parametrize("lang", ["de", "fr", "it", "en"])
def test_only_the_last_level_names_debt_enforcement(lang: str, tmp_path: Path) -> None:
    first = _flat(render_letter(sample_letter(language=lang, level=1), tmp_path / "1.pdf").path)
    last = _flat(render_letter(sample_letter(language=lang, level=3), tmp_path / "3.pdf").path)
    assert ENFORCEMENT[lang] not in first
    assert ENFORCEMENT[lang] in last


def test_first_level_is_polite_and_charges_nothing(tmp_path: Path) -> None:
    text = _flat(render_letter(sample_letter(language="de", level=1), tmp_path / "1.pdf").path)
    assert "Aufmerksamkeit entgangen" in text
    assert "Mahngebühr" not in text and "Verzugszins" not in text
    assert "CHF 1'200.00" in text


def test_policy_body_replaces_the_default_with_placeholders_filled(tmp_path: Path) -> None:
    body = "Rechnung {document_nr} vom {invoice_date}, fällig {due_date}: {total_due} bis {deadline}. {unknown}"
    text = _flat(render_letter(sample_letter(7, body=body), tmp_path / "b.pdf").path)
    assert (
        "Rechnung RE-00007 vom 18.09.2026, fällig 18.10.2026: CHF 1'200.00 bis 10.12.2026. {unknown}"
        in text
    )
    assert "trotz unserer Erinnerung" not in text


def test_a_long_body_moves_the_payment_part_to_the_last_page(tmp_path: Path) -> None:
    body = "\n\n".join(["Wir verweisen auf unsere Allgemeinen Geschäftsbedingungen. " * 6] * 6)
    result = render_letter(sample_letter(body=body), tmp_path / "long.pdf")
    pages = page_texts(result.path)
    assert len(pages) == 2
    assert "Empfangsschein" not in pages[0] and "Empfangsschein" in pages[1]
    assert "Freundliche Grüsse" in pages[1]


def test_swiss_german_texts_never_use_sharp_s() -> None:
    assert not [key for key, text in TEXTS["de"].items() if "ß" in text]


@pytest.mark.parametrize(
    ("contact", "default", "expected"),
    [
        ("fr", "de", "fr"),
        ("IT", "de", "it"),
        ("en-GB", "de", "en"),
        ("fr_CH", "de", "fr"),
        ("es", "fr", "fr"),
        (None, "it", "it"),
        ("", "en", "en"),
        ("xx", "yy", "de"),
    ],
)
def test_unsupported_languages_fall_back_to_the_default(
    contact: str | None, default: str, expected: str
) -> None:
    assert resolve_language(contact, default) == expected


@pytest.mark.parametrize(
    ("amount", "lang", "expected"),
    [
        (Decimal("1234.5"), "de", "1'234.50"),
        (Decimal("1234.5"), "fr", "1'234.50"),
        (Decimal("1234567.891"), "it", "1'234'567.89"),
        (Decimal("0.005"), "en", "0.01"),
        (Decimal("999"), "de", "999.00"),
    ],
)
def test_amounts_use_swiss_grouping(amount: Decimal, lang: str, expected: str) -> None:
    assert format_amount(amount, lang) == expected


def test_dates_and_rates_per_language() -> None:
    day = date(2026, 3, 5)
    assert [numeric_date(day, lang) for lang in ("de", "fr")] == ["05.03.2026", "05.03.2026"]
    assert [prose_date(day, lang) for lang in ("de", "fr", "it", "en")] == [
        "05.03.2026",
        "5\xa0mars\xa02026",
        "5\xa0marzo\xa02026",
        "5\xa0March\xa02026",
    ]


@pytest.mark.parametrize("lang", ["de", "fr", "it", "en"])
def test_a_rate_reads_like_the_amounts_beside_it(lang: str) -> None:
    # CLDR's fr_CH writes amounts with a point but other numbers with a comma; a letter
    # keeps the amounts' point for its rates too.
    assert format_rate(Decimal("5.00"), lang) == "5"
    assert format_rate(Decimal("5.25"), lang) == "5.25"
    assert format_rate(Decimal("10"), lang) == "10"
    assert format_amount(Decimal("5.25"), lang) == "5.25"


def test_fees_of_earlier_levels_are_named_after_their_level(tmp_path: Path) -> None:
    letter = replace(
        sample_letter(9, language="de", level=3),
        level_titles=("Zahlungserinnerung", "1. Mahnung", "Letzte Mahnung"),
    )
    text = _flat(render_letter(letter, tmp_path / "l.pdf").path)
    assert "Mahngebühr 1. Mahnung" in text and "Mahngebühr Letzte Mahnung" in text
    assert "Stufe" not in text


# (bexio salutation, title, last name, language) -> the letter's salutation
SALUTATIONS = [
    ("Frau", "Dr.", "Brönnimann", "de", "Sehr geehrte Frau Dr. Brönnimann"),
    ("Herr", None, "Müller", "de", "Sehr geehrter Herr Müller"),
    ("Herr", "lic. iur.", "Müller", "de", "Sehr geehrter Herr Müller"),
    ("Herr", "Dr.", "Dupré", "fr", "Monsieur,"),
    ("Frau", None, "Monnier", "fr", "Madame,"),
    ("Herr", None, "Foletti", "it", "Egregio Signor Foletti,"),
    ("Frau", "Dr.", "Pellegrini", "it", "Gentile Dottoressa Pellegrini,"),
    ("Frau", None, "O'Hara", "en", "Dear Ms O'Hara,"),
    ("Herr", "Prof.", "Smith", "en", "Dear Professor Smith,"),
    ("Familie", None, "Zbinden", "de", "Sehr geehrte Damen und Herren"),
    (None, None, "Zbinden", "en", "Dear Sir or Madam,"),
    ("Herr", None, None, "de", "Sehr geehrte Damen und Herren"),  # a company
]


@pytest.mark.parametrize(("form", "title", "last", "lang", "expected"), SALUTATIONS)
def test_a_person_is_addressed_by_name_in_the_letters_language(
    form: str | None, title: str | None, last: str | None, lang: str, expected: str
) -> None:
    contact = Contact(1, Address("x"), salutation=form, title=title, last_name=last)
    assert salutation(contact, lang) == expected


def test_the_letter_to_a_person_opens_with_their_salutation(tmp_path: Path) -> None:
    letter = sample_letter(42)
    debtor = replace(letter.debtor, salutation="Frau", title="Dr.", last_name="Rutschmann")
    result = render_letter(replace(letter, debtor=debtor), tmp_path / "person.pdf")
    text = _flat(result.path)
    assert "Sehr geehrte Frau Dr. Rutschmann" in text and "Damen und Herren" not in text
