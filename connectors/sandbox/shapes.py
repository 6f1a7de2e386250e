"""bexio's JSON shapes: money strings, lookup tables, and the invoice/reminder/payment objects.

Money in bexio's v2 objects is a decimal string whose number of decimals depends on the
field and the call: 6 on reads, 4 for `total_remaining_payments` and `total_taxes`, and no
padding at all in a create response. The sandbox reproduces that, so clients must parse.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from connectors.sandbox.records import (
    ZERO6,
    ContactRecord,
    InvoiceRecord,
    ReminderRecord,
    money4,
    money6,
    vat_included,
)

__all__ = [
    "COUNTRIES",
    "COUNTRY_ID",
    "CURRENCIES",
    "CURRENCY_ID",
    "LANGUAGES",
    "LANGUAGE_ID",
    "SALUTATIONS",
    "SALUTATION_ID",
    "TITLES",
    "contact_address",
    "invoice_record",
    "iso_day",
    "money4",
    "money6",
    "payment_dict",
    "plain",
    "positions_for",
    "reminder_record",
    "vat_included",
]

Json = dict[str, Any]

_LANGS = [
    ("Deutsch", "de"),
    ("Französisch", "fr"),
    ("Italienisch", "it"),
    ("Englisch", "en"),
    ("Portugiesisch", "pt"),
    ("Chinesisch", "zh"),
    ("Japanisch", "ja"),
    ("Spanisch", "es"),
]
LANGUAGES: list[Json] = [
    {
        "id": i,
        "name": name,
        "decimal_point": ".",
        "thousands_separator": "'",
        "date_format_id": 1,
        "date_format": "d.m.Y",
        "iso_639_1": iso,
    }
    for i, (name, iso) in enumerate(_LANGS, start=1)
]
LANGUAGE_ID = {lang["iso_639_1"]: lang["id"] for lang in LANGUAGES}

# The account's salutation and title lists (GET /2.0/salutation, /2.0/title): `{id, name}`
# entries that a contact's `salutation_id` and `title_id` point to, named in the account's
# language (bexio-api.md, Contacts: salutation_id, title_id; 0 means none).
SALUTATIONS: list[Json] = [
    {"id": 1, "name": "Herr"},
    {"id": 2, "name": "Frau"},
    {"id": 3, "name": "Familie"},
]
SALUTATION_ID: dict[str, int] = {s["name"]: s["id"] for s in SALUTATIONS}
TITLES: list[Json] = [{"id": 1, "name": "Dr."}, {"id": 2, "name": "Prof."}]

_COUNTRIES = [
    ("Schweiz", "CH"),
    ("Deutschland", "DE"),
    ("Frankreich", "FR"),
    ("Italien", "IT"),
    ("Österreich", "AT"),
    ("Liechtenstein", "LI"),
]
COUNTRIES: list[Json] = [
    {"id": i, "name": name, "name_short": iso, "iso_3166_alpha2": iso}
    for i, (name, iso) in enumerate(_COUNTRIES, start=1)
]
COUNTRY_ID = {c["iso_3166_alpha2"]: c["id"] for c in COUNTRIES}
COUNTRY_NAME = {c["id"]: c["name"] for c in COUNTRIES}

CURRENCIES: list[Json] = [
    {"id": 1, "name": "CHF", "round_factor": 0.05},
    {"id": 2, "name": "EUR", "round_factor": 0.01},
    {"id": 3, "name": "USD", "round_factor": 0.01},
    {"id": 4, "name": "GBP", "round_factor": 0.01},
]
CURRENCY_ID = {c["name"]: c["id"] for c in CURRENCIES}


def plain(value: Decimal) -> str:
    """A decimal without padding, as bexio writes it in create responses: "100", "12.5"."""
    text = format(value.normalize(), "f")
    return text


@lru_cache(maxsize=4096)
def iso_day(day: date) -> str:
    """`day` as bexio writes dates, "2026-11-30": one string shared by every object of
    that day, instead of one each."""
    return day.isoformat()


def invoice_record(
    *,
    invoice_id: int,
    document_nr: str,
    contact: ContactRecord,
    address: str,
    title: str,
    status: int,
    currency_id: int,
    total: Decimal,
    received: Decimal,
    valid_from: date,
    valid_to: date,
    updated_at: str,
    slip_id: int,
) -> InvoiceRecord:
    """An invoice as `GET /2.0/kb_invoice` lists it (no positions). `slip_id` is bexio's
    own number of its payment slip (`esr_id`, `qr_invoice_id`: bexio-api.md §2); `reference`
    is the free text field, empty as recorded. `address` is `contact_address(contact)`."""
    return InvoiceRecord(
        invoice_id=invoice_id,
        document_nr=document_nr,
        title=title,
        contact_id=contact["id"],
        language_id=contact["language_id"] or 1,
        currency_id=currency_id,
        total=money6(total),
        received=money6(received) if received else ZERO6,
        remaining=money4(total - received),
        valid_from=iso_day(valid_from),
        valid_to=iso_day(valid_to),
        contact_address=address,
        status=status,
        updated_at=updated_at,
        slip_id=slip_id,
    )


def positions_for(invoice: Mapping[str, Any]) -> list[Json]:
    """One custom position carrying the whole amount; enough for a show response."""
    total = Decimal(invoice["total"])
    return [
        {
            "id": invoice["id"],
            "type": "KbPositionCustom",
            "amount": "1.000000",
            "amount_reserved": "0.000000",
            "amount_open": "0.000000",
            "amount_completed": "0.000000",
            "unit_id": 1,
            "account_id": 95,
            "unit_name": "Stk",
            "tax_id": 14,
            "tax_value": "8.10",
            "text": invoice["title"],
            "unit_price": money6(total),
            "discount_in_percent": "0.0000",
            "position_total": money6(total),
            "pos": "1",
            "internal_pos": 1,
            "parent_id": None,
            "is_optional": False,
        }
    ]


def contact_address(contact: Mapping[str, Any]) -> str:
    """bexio's read-only address block: name, street, postcode and city, country."""
    if contact["contact_type_id"] == 1:
        lines = [contact["name_1"]] + ([contact["name_2"]] if contact["name_2"] else [])
    else:
        lines = [f"{contact['name_2']} {contact['name_1']}".strip()]
    if contact["address"]:
        lines.append(contact["address"])
    town = " ".join(p for p in (contact["postcode"], contact["city"]) if p)
    if town:
        lines.append(town)
    if contact["country_id"]:
        lines.append(COUNTRY_NAME[contact["country_id"]])
    return "\n".join(lines)


def reminder_record(
    *,
    reminder_id: int,
    invoice: InvoiceRecord,
    level: int,
    title: str,
    period_days: int,
    valid_from: date,
    valid_to: date,
    header: str,
    footer: str,
    is_sent: bool,
) -> ReminderRecord:
    return ReminderRecord(
        reminder_id=reminder_id,
        invoice_id=invoice["id"],
        title=title,
        valid_from=iso_day(valid_from),
        valid_to=iso_day(valid_to),
        period_days=period_days,
        level=level,
        remaining_price=_share(money6(Decimal(invoice["total_remaining_payments"])), invoice),
        received_total=invoice["total_received_payments"],
        is_sent=is_sent,
        header=header,
        footer=footer,
    )


def _share(text: str, invoice: InvoiceRecord) -> str:
    """The invoice's own `total` text when a reminder's open amount equals it (nothing paid
    yet, the usual case): one string for both instead of two."""
    total = invoice["total"]
    return total if text == total else text


def payment_dict(
    *,
    payment_id: int,
    invoice_id: int,
    day: date,
    value: Decimal,
    bank_account_id: int | None,
    payment_service_id: int | None,
) -> Json:
    return {
        "id": payment_id,
        "date": day.isoformat(),
        "value": money6(value),
        "bank_account_id": bank_account_id,
        "title": "Zahlungseingang",
        "payment_service_id": payment_service_id,
        "is_client_account_redemption": False,
        "is_cash_discount": False,
        "kb_invoice_id": invoice_id,
        "kb_credit_voucher_id": None,
        "kb_bill_id": None,
        "kb_credit_voucher_text": "",
    }
