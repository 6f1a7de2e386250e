"""From bexio's shapes to the core's values: names, addresses, currencies, reminders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from connectors import BadResponseError, BexioClient
from connectors.mapping import rounding_steps, split_street, to_contact, to_invoice
from connectors.schemas import Contact, Currency, Invoice, Reminder
from dunning import model

LANGS = {1: "de", 2: "fr", 3: "it", 4: "en"}
COUNTRIES = {1: "CH", 2: "DE", 3: "li"}
BASE = "https://api.bexio.com"


def contact(**fields: Any) -> Contact:
    return Contact.model_validate({"id": 3, "contact_type_id": 1, "name_1": "Muster AG", **fields})


def invoice(**fields: Any) -> dict[str, Any]:
    return {
        "id": 9,
        "document_nr": "RE-00009",
        "contact_id": 3,
        "currency_id": 2,
        "kb_item_status_id": 16,
        "total": "250.000000",
        "total_remaining_payments": "120.5000",
        "is_valid_from": "2026-05-01",
        "is_valid_to": "2026-05-31",
        "updated_at": "2026-06-18 15:57:30",
        "contact_address": "Muster AG\nBahnhofstrasse 1\n8001 Zürich",
        **fields,
    }


def reminder(rid: int, level: int, valid_from: str, valid_to: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "kb_invoice_id": 9,
        "reminder_level": level,
        "is_valid_from": valid_from,
        "is_valid_to": valid_to,
        "is_sent": True,
        "title": f"Level {level}",
        **fields,
    }


def test_a_company_keeps_its_addition_as_a_second_line() -> None:
    raw = contact(
        name_2="Abteilung Finanzen",
        street_name="Bahnhofstrasse",
        house_number="12a",
        postcode="8001",
        city="Zürich",
        country_id=1,
        mail="buchhaltung@muster.ch",
        language_id=2,
    )
    assert to_contact(raw, LANGS, COUNTRIES) == model.Contact(
        id=3,
        address=model.Address(
            name="Muster AG",
            street="Bahnhofstrasse",
            house_num="12a",
            pcode="8001",
            city="Zürich",
            country="CH",
            extra="Abteilung Finanzen",
        ),
        email="buchhaltung@muster.ch",
        language="fr",
    )


def test_a_person_reads_first_name_then_last_name() -> None:
    raw = contact(
        contact_type_id=2,
        name_1="Meier",
        name_2="Anna",
        address="Via Nassa 3",
        address_addition="c/o Rossi",
        postcode=6900,
        city="Lugano",
        country_id=3,
    )
    result = to_contact(raw, LANGS, COUNTRIES)
    assert result.name == "Anna Meier"
    assert result.address == model.Address(
        name="Anna Meier",
        street="Via Nassa",
        house_num="3",
        pcode="6900",
        city="Lugano",
        country="LI",
        extra="c/o Rossi",
    )


def test_missing_language_country_and_mail_fall_back() -> None:
    result = to_contact(contact(mail="", language_id=None), LANGS, COUNTRIES)
    assert (result.language, result.address.country, result.email) == ("de", "CH", None)
    assert to_contact(contact(language_id=99), LANGS, COUNTRIES).language == "de"


def test_an_unknown_country_is_not_guessed() -> None:
    with pytest.raises(BadResponseError, match="country_id 77"):
        to_contact(contact(country_id=77), LANGS, COUNTRIES)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Bahnhofstrasse 12", ("Bahnhofstrasse", "12")),
        ("Route de Genève 7b", ("Route de Genève", "7b")),
        ("Via Nassa 3-5", ("Via Nassa", "3-5")),
        ("Postfach", ("Postfach", None)),
        ("Strasse des 17. Juni 4", ("Strasse des 17. Juni", "4")),
    ],
)
def test_split_street(line: str, expected: tuple[str, str | None]) -> None:
    assert split_street(line) == expected


def test_an_address_block_keeps_its_further_lines() -> None:
    raw = contact(address="Industriestrasse 5\nPostfach 123", postcode="3000", city="Bern")
    address = to_contact(raw, LANGS, COUNTRIES).address
    assert (address.street, address.house_num, address.extra) == (
        "Industriestrasse",
        "5",
        "Postfach 123",
    )


def test_an_invoice_with_reminders() -> None:
    raw = Invoice.model_validate(invoice())
    reminders = [
        Reminder.model_validate(reminder(2, 2, "2026-06-20", "2026-06-30")),
        Reminder.model_validate(reminder(1, 1, "2026-06-05", "2026-06-15")),
    ]
    result = to_invoice(raw, reminders, {1: "CHF", 2: "EUR"})
    assert (result.currency, result.total, result.remaining) == (
        "EUR",
        Decimal("250"),
        Decimal("120.5"),
    )
    assert (result.level, result.deadline, result.is_open) == (2, date(2026, 6, 30), True)
    assert result.reminders[1] == model.Reminder(
        id=1,
        invoice_id=9,
        level=1,
        valid_from=date(2026, 6, 5),
        valid_to=date(2026, 6, 15),
        is_sent=True,
        title="Level 1",
    )
    assert result.updated_at == "2026-06-18T15:57:30+02:00"
    assert result.contact_name == "Muster AG"


def test_an_unknown_currency_is_a_bad_response() -> None:
    with pytest.raises(BadResponseError, match="currency_id 2"):
        to_invoice(Invoice.model_validate(invoice()), [], {1: "CHF"})


def test_rounding_steps_skip_currencies_without_a_step() -> None:
    currencies = [
        Currency(id=1, name="CHF", round_factor=Decimal("0.05")),
        Currency(id=2, name="EUR", round_factor=Decimal("0.01")),
        Currency(id=3, name="XXX", round_factor=Decimal("0")),
    ]
    assert rounding_steps(currencies) == {"CHF": Decimal("0.05"), "EUR": Decimal("0.01")}


def test_fetch_open_invoices_brings_reminders_and_currency_codes() -> None:
    router = respx.Router(base_url=BASE)
    router.post("/2.0/kb_invoice/search").mock(
        return_value=httpx.Response(
            200,
            json=[
                invoice(),
                invoice(id=10, document_nr="RE-00010", currency_id=1, kb_item_status_id=8),
            ],
        )
    )
    router.get("/2.0/kb_invoice/9/kb_reminder").mock(
        return_value=httpx.Response(200, json=[reminder(1, 1, "2026-06-05", "2026-06-15")])
    )
    router.get("/2.0/kb_invoice/10/kb_reminder").mock(return_value=httpx.Response(200, json=[]))
    router.get("/3.0/currencies").mock(
        return_value=httpx.Response(
            200,
            content=b'[{"id":1,"name":"CHF","round_factor":0.05},{"id":2,"name":"EUR","round_factor":0.01}]',
        )
    )
    with BexioClient(BASE, "tok", transport=httpx.MockTransport(router.handler)) as bexio:
        invoices = bexio.fetch_open_invoices()
        assert bexio.request_count == 4  # one search, two reminder lists, one currency list
    assert [(i.document_nr, i.currency, i.level) for i in invoices] == [
        ("RE-00009", "EUR", 1),
        ("RE-00010", "CHF", 0),
    ]


def test_fetch_contact_resolves_language_and_country() -> None:
    router = respx.Router(base_url=BASE)
    router.get("/2.0/contact/3").mock(
        return_value=httpx.Response(
            200,
            json={
                "id": 3,
                "contact_type_id": 2,
                "name_1": "Rossi",
                "name_2": "Luca",
                "street_name": "Via Nassa",
                "house_number": "3",
                "postcode": "6900",
                "city": "Lugano",
                "country_id": 1,
                "language_id": 3,
                "mail": "luca@rossi.ch",
                "salutation_id": 0,
            },
        )
    )
    router.get("/2.0/language").mock(
        return_value=httpx.Response(200, json=[{"id": 3, "name": "Italienisch", "iso_639_1": "it"}])
    )
    router.get("/2.0/country").mock(
        return_value=httpx.Response(
            200, json=[{"id": 1, "name": "Schweiz", "name_short": "CH", "iso_3166_alpha2": "CH"}]
        )
    )
    with BexioClient(BASE, "tok", transport=httpx.MockTransport(router.handler)) as bexio:
        result = bexio.fetch_contact(3)
    assert (result.name, result.language, result.email, result.address.city) == (
        "Luca Rossi",
        "it",
        "luca@rossi.ch",
        "Lugano",
    )
