"""From bexio's shapes (`connectors.schemas`) to the core's frozen values (`dunning.model`).

Pure functions: the lookups (currency, language and country codes) are arguments, so
the client decides when to fetch them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from connectors import schemas
from connectors.errors import BadResponseError
from connectors.session import REPLACEMENT
from dunning import model

__all__ = ["to_invoice", "to_reminder", "to_contact", "rounding_steps", "split_street"]

COMPANY = 1
DEFAULT_LANGUAGE = "de"
DEFAULT_COUNTRY = "CH"

# "Bahnhofstrasse 12", "Route de Genève 7b", "Via Nassa 3-5": the number comes last.
_STREET_AND_NUMBER = re.compile(
    r"^(?P<street>.*\S)\s+(?P<num>\d+\s?[A-Za-z]?(?:\s?[-/]\s?\d+\s?[A-Za-z]?)?)$"
)


def to_reminder(raw: schemas.Reminder) -> model.Reminder:
    return model.Reminder(
        id=raw.id,
        invoice_id=raw.kb_invoice_id,
        level=raw.reminder_level,
        valid_from=raw.is_valid_from,
        valid_to=raw.is_valid_to,
        is_sent=raw.is_sent,
        title=raw.title,
    )


def to_invoice(
    raw: schemas.Invoice,
    reminders: Sequence[schemas.Reminder],
    currency_codes: Mapping[int, str],
) -> model.Invoice:
    """The core's invoice; an unknown `currency_id` is a BadResponseError."""
    currency = currency_codes.get(raw.currency_id)
    if currency is None:
        raise BadResponseError(
            f"invoice {raw.id} has currency_id {raw.currency_id}, which /3.0/currencies does not list"
        )
    return model.Invoice(
        id=raw.id,
        document_nr=raw.document_nr or str(raw.id),
        contact_id=raw.contact_id,
        status=raw.kb_item_status_id,
        currency=currency,
        total=raw.total,
        remaining=raw.total_remaining_payments,
        valid_from=raw.is_valid_from,
        valid_to=raw.is_valid_to,
        reminders=tuple(to_reminder(r) for r in reminders),
        title=raw.title or None,
        updated_at=raw.updated_at.isoformat() if raw.updated_at else None,
        contact_name=_first_line(raw.contact_address),
        warning=_replaced(
            f"invoice {raw.id}",
            document_nr=raw.document_nr,
            title=raw.title,
            contact_address=raw.contact_address,
        ),
    )


def to_contact(
    raw: schemas.Contact,
    language_codes: Mapping[int, str],
    country_codes: Mapping[int, str],
    salutations: Mapping[int, str] | None = None,
    titles: Mapping[int, str] | None = None,
) -> model.Contact:
    """The debtor: a company's name_2 becomes the second name line, a person reads "first
    last" and keeps the names of its salutation and title (ids missing from the lookups,
    and 0, are none)."""
    person = raw.contact_type_id != COMPANY
    if raw.contact_type_id == COMPANY:
        name = raw.name_1.strip()
        extras = [_clean(raw.name_2), _clean(raw.address_addition)]
    else:
        name = " ".join(p for p in (_clean(raw.name_2), _clean(raw.name_1)) if p)
        extras = [_clean(raw.address_addition)]
    street, house_num, more = _street(raw)
    extras.append(more)
    address = model.Address(
        name=name,
        street=street,
        house_num=house_num,
        pcode=_clean(raw.postcode),
        city=_clean(raw.city),
        country=_country(raw, country_codes),
        extra=", ".join(e for e in extras if e) or None,
    )
    language = language_codes.get(raw.language_id) if raw.language_id is not None else None
    return model.Contact(
        id=raw.id,
        address=address,
        email=_clean(raw.mail),
        language=(language or DEFAULT_LANGUAGE).lower(),
        salutation=_looked_up(salutations, raw.salutation_id) if person else None,
        title=_looked_up(titles, raw.title_id) if person else None,
        last_name=_clean(raw.name_1) if person else None,
        warning=_replaced(
            f"contact {raw.id}",
            name_1=raw.name_1,
            name_2=raw.name_2,
            address=raw.address,
            street_name=raw.street_name,
            house_number=raw.house_number,
            address_addition=raw.address_addition,
            postcode=raw.postcode,
            city=raw.city,
            mail=raw.mail,
        ),
    )


def _looked_up(names: Mapping[int, str] | None, key: int | None) -> str | None:
    return _clean(names.get(key)) if names and key else None


def rounding_steps(currencies: Iterable[schemas.Currency]) -> dict[str, Decimal]:
    """Currency code to rounding step; a currency without a positive step is left out."""
    return {c.name: c.round_factor for c in currencies if c.round_factor > 0}


def split_street(line: str) -> tuple[str, str | None]:
    """ "Bahnhofstrasse 12" -> ("Bahnhofstrasse", "12"); no trailing number -> (line, None)."""
    line = line.strip()
    match = _STREET_AND_NUMBER.match(line)
    if match is None:
        return line, None
    return match["street"], match["num"]


def _street(raw: schemas.Contact) -> tuple[str | None, str | None, str | None]:
    """(street, house number, any further address line) from the structured fields or `address`."""
    if _clean(raw.street_name):
        return _clean(raw.street_name), _clean(raw.house_number), None
    lines = [line.strip() for line in (raw.address or "").splitlines() if line.strip()]
    if not lines:
        return None, None, None
    street, num = split_street(lines[0])
    more = ", ".join(lines[1:]) if not _clean(raw.address_addition) else None
    return street, num, more or None


def _country(raw: schemas.Contact, country_codes: Mapping[int, str]) -> str:
    if raw.country_id is None:
        return DEFAULT_COUNTRY
    code = country_codes.get(raw.country_id)
    if code is None:
        raise BadResponseError(
            f"contact {raw.id} has country_id {raw.country_id}, which /2.0/country does not list"
        )
    return code.upper()


def _replaced(what: str, **fields: str | None) -> str | None:
    """The warning for text in which characters that cannot be written were replaced."""
    bad = [name for name, value in fields.items() if value and REPLACEMENT in value]
    if not bad:
        return None
    return (
        f"bexio sent characters that cannot be written in {what} ({', '.join(bad)}); "
        f"they show as {REPLACEMENT}"
    )


def _first_line(text: str | None) -> str | None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[0] if lines else None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None
