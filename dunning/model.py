"""Domain values shared by every layer: invoices, reminders, contacts, addresses.

The connector builds these from bexio's JSON; the core and the letters only read them.
All values are frozen; money is `Decimal`, dates are `date`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

__all__ = [
    "OPEN_STATUSES",
    "STATUS_DRAFT",
    "STATUS_PENDING",
    "STATUS_PAID",
    "STATUS_PARTIAL",
    "STATUS_CANCELLED",
    "STATUS_UNPAID",
    "Address",
    "Contact",
    "Reminder",
    "Invoice",
]

STATUS_DRAFT = 7
STATUS_PENDING = 8
STATUS_PAID = 9
STATUS_PARTIAL = 16
STATUS_CANCELLED = 19
STATUS_UNPAID = 31
OPEN_STATUSES = frozenset({STATUS_PENDING, STATUS_PARTIAL})


@dataclass(frozen=True, slots=True)
class Address:
    """A structured postal address, as the QR-bill wants it (type S)."""

    name: str
    street: str | None = None
    house_num: str | None = None
    pcode: str | None = None
    city: str | None = None
    country: str = "CH"  # ISO 3166 alpha-2
    extra: str | None = None  # a second name line, e.g. "z. H. Frau Muster" or a company addition


@dataclass(frozen=True, slots=True)
class Contact:
    """The debtor of an invoice."""

    id: int
    address: Address
    email: str | None = None
    language: str = "de"  # ISO 639-1 as bexio reports it; letters fall back when unsupported
    warning: str | None = None  # e.g. text bexio sent that could not be written as it was
    # A person's form of address, for the letter's salutation (None for a company):
    salutation: str | None = None  # bexio's salutation name, e.g. "Herr", "Frau"
    title: str | None = None  # bexio's title name, e.g. "Dr."
    last_name: str | None = None

    @property
    def name(self) -> str:
        return self.address.name


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder (bexio `kb_reminder`) of an invoice."""

    id: int
    invoice_id: int
    level: int
    valid_from: date  # the reminder's date
    valid_to: date  # the new deadline it set
    is_sent: bool = False
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice with its reminders, as far as dunning needs it."""

    id: int
    document_nr: str
    contact_id: int | None
    status: int  # bexio kb_item_status_id
    currency: str  # ISO code, e.g. "CHF"
    total: Decimal
    remaining: Decimal  # total_remaining_payments
    valid_from: date  # invoice date
    valid_to: date  # original due date
    reminders: tuple[Reminder, ...] = field(default=())
    title: str | None = None
    updated_at: str | None = None  # opaque; used only to notice changes
    contact_name: str | None = None  # first line of the invoice's address, for lists
    warning: str | None = None  # e.g. text bexio sent that could not be written as it was

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES and self.remaining > 0

    @property
    def latest_reminder(self) -> Reminder | None:
        if not self.reminders:
            return None
        return max(self.reminders, key=lambda r: (r.level, r.valid_from, r.id))

    @property
    def first_reminder(self) -> Reminder | None:
        if not self.reminders:
            return None
        return min(self.reminders, key=lambda r: (r.level, r.valid_from, r.id))

    @property
    def level(self) -> int:
        """The highest reminder level reached; 0 without reminders."""
        latest = self.latest_reminder
        return latest.level if latest else 0

    @property
    def deadline(self) -> date:
        """The latest reminder's deadline, else the invoice's own due date."""
        latest = self.latest_reminder
        return latest.valid_to if latest else self.valid_to
