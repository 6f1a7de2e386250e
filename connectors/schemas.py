"""What bexio's JSON looks like, as far as dunning reads it (pydantic v2).

Responses are parsed with `json.loads(..., parse_float=Decimal)` before they reach these
models, so no amount ever passes through a float. Money comes from bexio as decimal
strings ("100.000000"); a JSON number where money belongs is refused, because it means
the server (or something in between) already went through binary floating point.
Identifiers must be JSON integers: "12" where 12 belongs is refused too. Unknown fields
are ignored.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, PlainValidator, StrictBool, StrictInt, StrictStr

__all__ = [
    "ZURICH",
    "Invoice",
    "Reminder",
    "Contact",
    "Language",
    "Currency",
    "Country",
    "Salutation",
    "Title",
    "Pdf",
]

ZURICH = ZoneInfo("Europe/Zurich")

_DECIMAL_STRING = re.compile(r"-?\d+(\.\d+)?")
_DATE_STRING = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _money(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError(f"expected a decimal string for money, got {_kind(value)}")
    if not _DECIMAL_STRING.fullmatch(value):
        raise ValueError("expected a decimal string for money, got text that is not a number")
    return Decimal(value)


def _factor(value: Any) -> Decimal:
    # round_factor is a JSON number in bexio (0.05); with parse_float=Decimal it arrives exact.
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        return _money(value)
    raise ValueError(f"expected an exact decimal number, got {_kind(value)}")


def _date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE_STRING.fullmatch(value):
        raise ValueError(f"expected a date YYYY-MM-DD, got {_kind(value)}")
    return _day(value)


@functools.lru_cache(maxsize=1024)
def _day(text: str) -> date:
    """One object per day (dates are immutable): a large run keeps two per reminder."""
    return date.fromisoformat(text)


def _zurich_datetime(value: Any) -> datetime:
    """bexio's "YYYY-MM-DD HH:MM:SS" carries no zone; it is Swiss local time."""
    if not isinstance(value, str):
        raise ValueError(f"expected a date-time YYYY-MM-DD HH:MM:SS, got {_kind(value)}")
    try:
        naive = datetime.strptime(value, _DATETIME_FORMAT)
    except ValueError:
        raise ValueError("expected a date-time YYYY-MM-DD HH:MM:SS") from None
    return naive.replace(tzinfo=ZURICH)


def _postcode(value: Any) -> str | None:
    # Documented as a string; an integer postcode is harmless to accept.
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a postcode string, got {_kind(value)}")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "text"
    return f"a JSON {'array' if isinstance(value, list) else 'object'}"


Money = Annotated[Decimal, PlainValidator(_money)]
Factor = Annotated[Decimal, PlainValidator(_factor)]
ApiDate = Annotated[date, PlainValidator(_date)]
ZurichDateTime = Annotated[datetime, PlainValidator(_zurich_datetime)]
Postcode = Annotated[str | None, PlainValidator(_postcode)]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Invoice(_Schema):
    """An invoice (`kb_invoice`) as list, search and show return it (positions are ignored)."""

    id: StrictInt
    document_nr: StrictStr | None
    kb_item_status_id: StrictInt
    currency_id: StrictInt
    total: Money
    total_remaining_payments: Money
    is_valid_from: ApiDate
    is_valid_to: ApiDate
    title: StrictStr | None = None
    contact_id: StrictInt | None = None
    contact_sub_id: StrictInt | None = None
    language_id: StrictInt | None = None
    updated_at: ZurichDateTime | None = None
    api_reference: StrictStr | None = None
    reference: StrictStr | None = None
    contact_address: StrictStr | None = None  # "\n"-joined lines, the debtor's name first
    total_received_payments: Money | None = None
    total_credit_vouchers: Money | None = None


class Reminder(_Schema):
    """A reminder (`kb_reminder`) of an invoice: the 13 fields bexio returns."""

    id: StrictInt
    kb_invoice_id: StrictInt
    reminder_level: StrictInt
    is_valid_from: ApiDate
    is_valid_to: ApiDate
    is_sent: StrictBool
    title: StrictStr | None = None
    reminder_period_in_days: StrictInt | None = None
    show_positions: StrictBool | None = None
    remaining_price: Money | None = None
    received_total: Money | None = None
    header: StrictStr | None = None
    footer: StrictStr | None = None


class Contact(_Schema):
    """A contact; `contact_type_id` 1 is a company, 2 a person."""

    id: StrictInt
    contact_type_id: StrictInt
    name_1: StrictStr
    name_2: StrictStr | None = None
    nr: StrictStr | None = None
    address: StrictStr | None = None
    street_name: StrictStr | None = None
    house_number: StrictStr | None = None
    address_addition: StrictStr | None = None
    postcode: Postcode = None
    city: StrictStr | None = None
    country_id: StrictInt | None = None
    mail: StrictStr | None = None
    language_id: StrictInt | None = None
    salutation_id: StrictInt | None = None  # 0 or None: no salutation
    title_id: StrictInt | None = None


class Language(_Schema):
    id: StrictInt
    name: StrictStr
    iso_639_1: StrictStr


class Currency(_Schema):
    """A currency; `name` is the ISO code ("CHF"), `round_factor` its rounding step."""

    id: StrictInt
    name: StrictStr
    round_factor: Factor


class Country(_Schema):
    id: StrictInt
    name: StrictStr
    iso_3166_alpha2: StrictStr
    name_short: StrictStr | None = None


class Salutation(_Schema):
    """An entry of the account's salutation list (`/2.0/salutation`), e.g. "Herr"."""

    id: StrictInt
    name: StrictStr


class Title(_Schema):
    """An entry of the account's title list (`/2.0/title`), e.g. "Dr."."""

    id: StrictInt
    name: StrictStr


class Pdf(_Schema):
    """A PDF endpoint's answer; `content` is base64."""

    content: StrictStr
    name: StrictStr | None = None
    mime: StrictStr | None = None
    size: StrictInt | None = None
