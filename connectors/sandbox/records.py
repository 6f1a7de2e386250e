"""Compact records of the account's invoices, contacts and reminders.

A sandbox of 100,000 invoices holds 100,000 invoices, about 25,000 contacts and, after a
run, 100,000 reminders. As dicts of bexio's 38, 33 and 13 fields each they took about
2.5 KB an invoice. A record keeps in slots only what differs from one object to the next
(amounts, dates, names, status) and gives the rest (bexio's constants, and what follows
from the amount: net, taxes) when read; `json()` builds bexio's object, key for key in
bexio's order, only when it is answered.

A record reads and writes like the dict it replaces (`invoice["kb_item_status_id"] = 8`,
`.get`, `.pop`, `**`, `==`): a test that sets a field the record derives, or one bexio does
not have, keeps its value in a small dict of its own, and `json()` writes it where the dict
would have had it (in place for a known key, at the end for a new one). A record that loses
a field (a test's broken answer) becomes that dict, whole.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

__all__ = [
    "ContactRecord",
    "InvoiceRecord",
    "Record",
    "ReminderRecord",
    "as_json",
    "money4",
    "money6",
    "vat_included",
]

Json = dict[str, Any]

VAT_PERCENT = Decimal("8.1")
INVOICE_HEADER = (
    "Guten Tag<br/><br/>Danke für Ihr Vertrauen. Ihre Rechnung setzt sich wie folgt zusammen:"
)
INVOICE_FOOTER = "Sie haben Fragen? Melden Sie sich bei uns.<br/><br/>Freundliche Grüsse"
ZERO6 = "0.000000"


def money6(value: Decimal) -> str:
    return f"{value:.6f}"


def money4(value: Decimal) -> str:
    return f"{value:.4f}"


def vat_included(total: Decimal) -> Decimal:
    share = total * VAT_PERCENT / (Decimal(100) + VAT_PERCENT)
    return share.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


class _Whole(dict[str, Any]):
    """A record's every field, once one was removed: the record is this dict from then on."""


class Record(MutableMapping[str, Any]):
    """One bexio object: `STORED` keys live in slots of the same name, the others come
    from `_derived`; `_extra` holds what was written to any other key (or, as `_Whole`,
    every field)."""

    __slots__ = ("_extra",)
    KEYS: ClassVar[tuple[str, ...]]  # bexio's keys, in bexio's order
    STORED: ClassVar[frozenset[str]]  # the keys kept in slots

    def __init__(self) -> None:
        self._extra: Json | None = None

    def _derived(self, key: str) -> Any:
        raise KeyError(key)

    def _build(self) -> Json:
        raise NotImplementedError

    def json(self) -> Json:
        """bexio's object, as the dict that the record replaces would have been."""
        extra = self._extra
        if type(extra) is _Whole:
            return dict(extra)
        built = self._build()
        if extra:
            built.update(extra)
        return built

    def __getitem__(self, key: str) -> Any:
        extra = self._extra
        if extra is not None:
            if key in extra:
                return extra[key]
            if type(extra) is _Whole:
                raise KeyError(key)
        if key in self.STORED:
            return getattr(self, key)
        return self._derived(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self.STORED and type(self._extra) is not _Whole:
            setattr(self, key, value)
            return
        if self._extra is None:
            self._extra = {}
        self._extra[key] = value

    def __delitem__(self, key: str) -> None:
        if type(self._extra) is not _Whole:
            self._extra = _Whole(self.json())
        del self._extra[key]

    def __iter__(self) -> Iterator[str]:
        extra = self._extra
        if type(extra) is _Whole:
            yield from extra
            return
        yield from self.KEYS
        if extra:
            yield from (key for key in extra if key not in self._keyset)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.json()!r})"

    _keyset: ClassVar[frozenset[str]]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._keyset = frozenset(cls.KEYS)
        assert cls.STORED.issubset(cls._keyset), cls.STORED - cls._keyset


def as_json(obj: object) -> Json:
    """`json.dumps`'s `default`: a record goes out as bexio's object."""
    if isinstance(obj, Record):
        return obj.json()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


_INVOICE_CONSTANTS: Json = {
    "contact_sub_id": None,
    "user_id": 1,
    "project_id": None,
    "logopaper_id": 1,
    "bank_account_id": 1,
    "payment_type_id": 4,
    "header": INVOICE_HEADER,
    "footer": INVOICE_FOOTER,
    "total_credit_vouchers": ZERO6,
    "total_rounding_difference": 0,
    "mwst_type": 0,
    "mwst_is_net": False,
    "show_position_taxes": False,
    "reference": "",
    "api_reference": None,
    "viewed_by_client_at": None,
    "template_slug": "",
    "network_link": "",
}


class InvoiceRecord(Record):
    """An invoice as `GET /2.0/kb_invoice` lists it (bexio-api.md §2, "Invoice object").

    The slip number `_slip` is both `esr_id` and `qr_invoice_id`; net, taxes and `taxs`
    follow from the amount the invoice was issued for (`_gross`), as `total_gross` does.
    """

    __slots__ = (
        "id",
        "document_nr",
        "title",
        "contact_id",
        "language_id",
        "currency_id",
        "total_received_payments",
        "total_remaining_payments",
        "total",
        "is_valid_from",
        "is_valid_to",
        "contact_address",
        "kb_item_status_id",
        "updated_at",
        "_gross",
        "_slip",
    )
    KEYS = (
        "id",
        "document_nr",
        "title",
        "contact_id",
        "contact_sub_id",
        "user_id",
        "project_id",
        "logopaper_id",
        "language_id",
        "bank_account_id",
        "currency_id",
        "payment_type_id",
        "header",
        "footer",
        "total_gross",
        "total_net",
        "total_taxes",
        "total_received_payments",
        "total_credit_vouchers",
        "total_remaining_payments",
        "total",
        "total_rounding_difference",
        "mwst_type",
        "mwst_is_net",
        "show_position_taxes",
        "is_valid_from",
        "is_valid_to",
        "contact_address",
        "kb_item_status_id",
        "reference",
        "api_reference",
        "viewed_by_client_at",
        "updated_at",
        "esr_id",
        "qr_invoice_id",
        "template_slug",
        "taxs",
        "network_link",
    )
    STORED = frozenset(__slots__) - {"_gross", "_slip"}

    def __init__(
        self,
        *,
        invoice_id: int,
        document_nr: str,
        title: str,
        contact_id: int,
        language_id: int,
        currency_id: int,
        total: str,
        received: str,
        remaining: str,
        valid_from: str,
        valid_to: str,
        contact_address: str,
        status: int,
        updated_at: str,
        slip_id: int,
    ) -> None:
        self._extra = None
        self.id, self.document_nr, self.title = invoice_id, document_nr, title
        self.contact_id, self.language_id, self.currency_id = contact_id, language_id, currency_id
        self.total = self._gross = total
        self.total_received_payments, self.total_remaining_payments = received, remaining
        self.is_valid_from, self.is_valid_to = valid_from, valid_to
        self.contact_address, self.kb_item_status_id = contact_address, status
        self.updated_at, self._slip = updated_at, slip_id

    def _derived(self, key: str) -> Any:
        if key in _INVOICE_CONSTANTS:
            return _INVOICE_CONSTANTS[key]
        if key in ("esr_id", "qr_invoice_id"):
            return self._slip
        gross = Decimal(self._gross)
        taxes = vat_included(gross)
        if key == "total_gross":
            return money6(gross)
        if key == "total_net":
            return money6(gross - taxes)
        if key == "total_taxes":
            return money4(taxes)
        if key == "taxs":
            return [{"percentage": "8.10", "value": money4(taxes)}]
        raise KeyError(key)

    def _build(self) -> Json:
        gross = Decimal(self._gross)
        taxes = vat_included(gross)
        c = _INVOICE_CONSTANTS
        return {
            "id": self.id,
            "document_nr": self.document_nr,
            "title": self.title,
            "contact_id": self.contact_id,
            "contact_sub_id": c["contact_sub_id"],
            "user_id": c["user_id"],
            "project_id": c["project_id"],
            "logopaper_id": c["logopaper_id"],
            "language_id": self.language_id,
            "bank_account_id": c["bank_account_id"],
            "currency_id": self.currency_id,
            "payment_type_id": c["payment_type_id"],
            "header": c["header"],
            "footer": c["footer"],
            "total_gross": money6(gross),
            "total_net": money6(gross - taxes),
            "total_taxes": money4(taxes),
            "total_received_payments": self.total_received_payments,
            "total_credit_vouchers": c["total_credit_vouchers"],
            "total_remaining_payments": self.total_remaining_payments,
            "total": self.total,
            "total_rounding_difference": c["total_rounding_difference"],
            "mwst_type": c["mwst_type"],
            "mwst_is_net": c["mwst_is_net"],
            "show_position_taxes": c["show_position_taxes"],
            "is_valid_from": self.is_valid_from,
            "is_valid_to": self.is_valid_to,
            "contact_address": self.contact_address,
            "kb_item_status_id": self.kb_item_status_id,
            "reference": c["reference"],
            "api_reference": c["api_reference"],
            "viewed_by_client_at": c["viewed_by_client_at"],
            "updated_at": self.updated_at,
            "esr_id": self._slip,
            "qr_invoice_id": self._slip,
            "template_slug": c["template_slug"],
            "taxs": [{"percentage": "8.10", "value": money4(taxes)}],
            "network_link": c["network_link"],
        }


_CONTACT_CONSTANTS: Json = {
    "salutation_form": None,
    "birthday": None,
    "address_addition": "",
    "mail_second": "",
    "phone_fixed_second": "",
    "phone_mobile": "",
    "fax": "",
    "url": "",
    "skype_name": "",
    "remarks": "",
    "is_lead": False,
    "contact_group_ids": None,
    "contact_branch_ids": None,
    "user_id": 1,
    "owner_id": 1,
    "updated_at": "2024-01-15 09:30:00",
}


class ContactRecord(Record):
    """A contact as `GET /2.0/contact` lists it (bexio-api.md, Contacts); `nr` is its id
    as text."""

    __slots__ = (
        "id",
        "contact_type_id",
        "name_1",
        "name_2",
        "salutation_id",
        "title_id",
        "address",
        "street_name",
        "house_number",
        "postcode",
        "city",
        "country_id",
        "mail",
        "phone_fixed",
        "language_id",
    )
    KEYS = (
        "id",
        "nr",
        "contact_type_id",
        "name_1",
        "name_2",
        "salutation_id",
        "salutation_form",
        "title_id",
        "birthday",
        "address",
        "street_name",
        "house_number",
        "address_addition",
        "postcode",
        "city",
        "country_id",
        "mail",
        "mail_second",
        "phone_fixed",
        "phone_fixed_second",
        "phone_mobile",
        "fax",
        "url",
        "skype_name",
        "remarks",
        "language_id",
        "is_lead",
        "contact_group_ids",
        "contact_branch_ids",
        "user_id",
        "owner_id",
        "updated_at",
    )
    STORED = frozenset(__slots__)

    def __init__(
        self,
        *,
        contact_id: int,
        contact_type_id: int,
        name_1: str,
        name_2: str | None,
        salutation_id: int,
        title_id: int | None,
        street_name: str,
        house_number: str,
        postcode: str,
        city: str | None,
        country_id: int,
        mail: str | None,
        phone_fixed: str,
        language_id: int | None,
    ) -> None:
        self._extra = None
        self.id, self.contact_type_id = contact_id, contact_type_id
        self.name_1, self.name_2 = name_1, name_2
        self.salutation_id, self.title_id = salutation_id, title_id
        self.address = f"{street_name} {house_number}".strip()
        self.street_name, self.house_number = street_name, house_number
        self.postcode, self.city, self.country_id = postcode, city, country_id
        self.mail, self.phone_fixed, self.language_id = mail, phone_fixed, language_id

    def _derived(self, key: str) -> Any:
        if key == "nr":
            return str(self.id)
        if key in _CONTACT_CONSTANTS:
            return _CONTACT_CONSTANTS[key]
        raise KeyError(key)

    def _build(self) -> Json:
        c = _CONTACT_CONSTANTS
        return {
            "id": self.id,
            "nr": str(self.id),
            "contact_type_id": self.contact_type_id,
            "name_1": self.name_1,
            "name_2": self.name_2,
            "salutation_id": self.salutation_id,
            "salutation_form": c["salutation_form"],
            "title_id": self.title_id,
            "birthday": c["birthday"],
            "address": self.address,
            "street_name": self.street_name,
            "house_number": self.house_number,
            "address_addition": c["address_addition"],
            "postcode": self.postcode,
            "city": self.city,
            "country_id": self.country_id,
            "mail": self.mail,
            "mail_second": c["mail_second"],
            "phone_fixed": self.phone_fixed,
            "phone_fixed_second": c["phone_fixed_second"],
            "phone_mobile": c["phone_mobile"],
            "fax": c["fax"],
            "url": c["url"],
            "skype_name": c["skype_name"],
            "remarks": c["remarks"],
            "language_id": self.language_id,
            "is_lead": c["is_lead"],
            "contact_group_ids": c["contact_group_ids"],
            "contact_branch_ids": c["contact_branch_ids"],
            "user_id": c["user_id"],
            "owner_id": c["owner_id"],
            "updated_at": c["updated_at"],
        }


class ReminderRecord(Record):
    """A reminder as `GET …/kb_reminder` lists it (bexio-api.md §4, Reminders)."""

    KEYS = (
        "id",
        "kb_invoice_id",
        "title",
        "is_valid_from",
        "is_valid_to",
        "reminder_period_in_days",
        "reminder_level",
        "show_positions",
        "remaining_price",
        "received_total",
        "is_sent",
        "header",
        "footer",
    )
    # Every key in a slot but `show_positions`, always true (`_derived`).
    __slots__ = tuple(key for key in KEYS if key != "show_positions")
    STORED = frozenset(__slots__)

    def __init__(
        self,
        *,
        reminder_id: int,
        invoice_id: int,
        title: str,
        valid_from: str,
        valid_to: str,
        period_days: int,
        level: int,
        remaining_price: str,
        received_total: str,
        is_sent: bool,
        header: str,
        footer: str,
    ) -> None:
        self._extra = None
        self.id, self.kb_invoice_id, self.title = reminder_id, invoice_id, title
        self.is_valid_from, self.is_valid_to = valid_from, valid_to
        self.reminder_period_in_days, self.reminder_level = period_days, level
        self.remaining_price, self.received_total = remaining_price, received_total
        self.is_sent, self.header, self.footer = is_sent, header, footer

    def _derived(self, key: str) -> Any:
        if key == "show_positions":
            return True
        raise KeyError(key)

    def _build(self) -> Json:
        return {
            "id": self.id,
            "kb_invoice_id": self.kb_invoice_id,
            "title": self.title,
            "is_valid_from": self.is_valid_from,
            "is_valid_to": self.is_valid_to,
            "reminder_period_in_days": self.reminder_period_in_days,
            "reminder_level": self.reminder_level,
            "show_positions": True,
            "remaining_price": self.remaining_price,
            "received_total": self.received_total,
            "is_sent": self.is_sent,
            "header": self.header,
            "footer": self.footer,
        }
