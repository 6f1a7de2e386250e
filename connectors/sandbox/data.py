"""The generated company: contacts, invoices, reminders and payments, deterministic per seed.

`generate(config, today)` returns the same data for the same seed, size, scenario and day.
"mixed" is a realistic company: every invoice status, CHF and EUR, partial payments, invoices
already at levels 1 to 3 with consistent reminder dates, due dates spread so that a run sees
not-overdue, in-grace, escalation and final cases, and a few awkward contacts and document
numbers. "all_overdue" is the benchmark's company: every invoice open, overdue, at level 0,
in CHF, and every contact with a valid Swiss address.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from connectors.sandbox import names
from connectors.sandbox.config import SandboxConfig, level_setting
from connectors.sandbox.records import ContactRecord, InvoiceRecord, ReminderRecord
from connectors.sandbox.shapes import (
    COUNTRY_ID,
    CURRENCY_ID,
    LANGUAGE_ID,
    SALUTATION_ID,
    contact_address,
    invoice_record,
    payment_dict,
    reminder_record,
)

__all__ = ["Company", "generate", "slug"]

Json = dict[str, Any]

DRAFT, PENDING, PAID, PARTIAL, CANCELLED, UNPAID = 7, 8, 9, 16, 19, 31
# Weights of the "mixed" company's invoice statuses and of the situations of open invoices.
STATUS_WEIGHTS = {DRAFT: 4, PENDING: 52, PARTIAL: 10, PAID: 22, CANCELLED: 5, UNPAID: 7}
OPEN_SITUATIONS = {"not_due": 30, "in_grace": 15, "overdue": 25, 1: 12, 2: 9, 3: 9}


@dataclass
class Company:
    """Everything the sandbox serves, as records that answer in bexio's JSON shapes."""

    contacts: list[ContactRecord]
    invoices: list[InvoiceRecord]
    reminders: dict[int, list[ReminderRecord]] = field(default_factory=dict)  # by invoice id
    payments: dict[int, list[Json]] = field(default_factory=dict)  # by invoice id


def generate(config: SandboxConfig, today: date) -> Company:
    rng = random.Random(f"{config.seed}:{config.scenario}")
    overdue_only = config.scenario == "all_overdue"
    contacts = [_contact(rng, i, overdue_only) for i in range(1, max(8, config.invoices // 4) + 1)]
    company = Company(contacts=contacts, invoices=[])
    slips = _SlipNumbers(random.Random(f"{config.seed}:slips"))
    builder = _InvoiceBuilder(rng, today, config.levels, company, slips)
    for invoice_id in range(1, config.invoices + 1):
        if overdue_only:
            builder.overdue(invoice_id)
        else:
            builder.mixed(invoice_id)
    return company


def _salutation_id(kind: int, first_name: str | None) -> int:
    """A person's salutation by the first name; 0 for a company, as bexio records it
    (bexio-api.md, Contacts: `salutation_id: 0`)."""
    if kind != 2 or not first_name:
        return 0
    return SALUTATION_ID["Frau" if first_name in names.FEMALE_FIRST_NAMES else "Herr"]


def slug(text: str) -> str:
    """Up to three lowercase ASCII words, joined by "-": "Café Zoë" -> "cafe-zoe"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    words = [w for w in words if len(w) > 1 or w.isdigit()]  # drop the "l" of "l'atelier"
    return "-".join(words[:3]) or "kunde"


def _contact(rng: random.Random, number: int, overdue_only: bool) -> ContactRecord:
    if number <= len(names.SHOWCASE_COMPANIES):
        name_1, name_2, lang = names.SHOWCASE_COMPANIES[number - 1]
        kind = 1
    else:
        lang = rng.choices(("de", "fr", "it", "en"), weights=(60, 25, 10, 5))[0]
        kind = 1 if rng.random() < 0.65 else 2
        if kind == 1:
            stem = rng.choice(names.COMPANY_STEMS[lang])
            name_1 = f"{stem} {rng.choice(names.COMPANY_FORMS[lang])}"
            name_2 = None
        else:
            name_1, name_2 = rng.choice(names.LAST_NAMES[lang]), rng.choice(names.FIRST_NAMES[lang])
    street, house, pcode, city, country = _address(rng, number, lang, overdue_only)
    no_mail = number == 3 or (number > 5 and rng.random() < 0.15)
    local = "info" if kind == 1 else slug(name_2 or "")
    mail = None if no_mail else f"{local}@{slug(name_1)}.example"
    language_id: int | None = LANGUAGE_ID[lang]
    if not overdue_only and number > 9 and rng.random() < 0.03:
        language_id = None  # bexio: the account's default language applies
    phone = (
        f"+41 {rng.randint(21, 91)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
        f"{rng.randint(10, 99)}"
    )
    return ContactRecord(
        contact_id=number,
        contact_type_id=kind,
        name_1=name_1,
        name_2=name_2,
        salutation_id=_salutation_id(kind, name_2),
        title_id=1 if kind == 2 and number % 5 == 0 else None,
        street_name=street,
        house_number=house,
        postcode=pcode,
        city=city,
        country_id=COUNTRY_ID[country],
        mail=mail,
        phone_fixed=phone,
        language_id=language_id,
    )


def _address(
    rng: random.Random, number: int, lang: str, overdue_only: bool
) -> tuple[str, str, str, str | None, str]:
    """(street, house number, postcode, city, country): Swiss mostly, a few abroad or broken."""
    house = f"{rng.randint(1, 140)}{rng.choice(['', '', '', '', 'a', 'b'])}"
    roll = rng.random()
    if not overdue_only and (number in (7, 8, 9) or (number > 9 and roll < 0.05)):
        country = {7: "DE", 8: "FR", 9: "IT"}.get(number) or rng.choice(["DE", "FR", "IT"])
        street, pcode, city = rng.choice(names.ABROAD[country])
        return street, house, pcode, city, country
    pcode, city = rng.choice(names.TOWNS[lang])
    street = rng.choice(names.STREETS[lang])
    if not overdue_only and (number == 6 or (number > 9 and roll > 0.98)):
        return street, house, pcode, None, "CH"  # broken: the city was never entered
    return street, house, pcode, city, "CH"


def _amount(rng: random.Random, currency: str) -> Decimal:
    """45.00 to 12'500.00, log-uniform; CHF on 0.05 steps, a third of them whole francs."""
    cents = int(math.exp(rng.uniform(math.log(45), math.log(12500))) * 100)
    if currency == "CHF":
        cents = cents // 100 * 100 if rng.random() < 0.33 else cents // 5 * 5
    return Decimal(cents).scaleb(-2)


def _document_nr(rng: random.Random, invoice_id: int, year: int) -> str:
    if rng.random() < 0.03:
        return rng.choice(
            [
                f"RE-{year}/{invoice_id:04d}",
                f"../RE-{invoice_id}",
                f"RE {invoice_id:05d}",
                f"RE-{invoice_id:05d}/B",
            ]
        )
    return f"RE-{invoice_id:05d}"


class _SlipNumbers:
    """bexio's own numbering of payment slips (`esr_id`, `qr_invoice_id`): not the invoice
    id, and with a number skipped now and then (bexio-api.md §2, "Invoice object": the
    recorded invoice 194 has `esr_id` 190). A random of its own, so the rest of the company
    stays what it was for a seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last = rng.randint(100, 900)

    def next(self) -> int:
        self.last += 1 + (self.rng.random() < 0.05)
        return self.last


class _InvoiceBuilder:
    """Adds one invoice at a time to a company, with its reminders and payments."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        levels: int,
        company: Company,
        slips: _SlipNumbers,
    ) -> None:
        self.rng, self.today, self.levels, self.company = rng, today, levels, company
        self.slips = slips
        self.next_reminder_id = 1
        self.next_payment_id = 1
        self.addresses: dict[int, str] = {}  # by contact id: one text shared by its invoices

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def overdue(self, invoice_id: int) -> None:
        due = self.today - self.days(10, 120)
        self.add(invoice_id, PENDING, "CHF", due, received=Decimal(0), chain=[])

    def mixed(self, invoice_id: int) -> None:
        rng = self.rng
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        currency = "EUR" if rng.random() < 0.1 else "CHF"
        chain: list[tuple[int, date, date]] = []
        if status == DRAFT:
            due = self.today + self.days(5, 30)
        elif status == CANCELLED:
            due = self.today - self.days(-10, 300)
        elif status == PAID:
            level = 1 if rng.random() < 0.1 else 0
            due, chain = self.chain(level, self.today - self.days(20, 200))
        elif status == UNPAID:
            due, chain = self.chain(self.levels, self.today - self.days(20, 200))
        else:
            due, chain = self.open_situation()
        total = _amount(rng, currency)
        received = self.received(status, total, currency)
        self.add(invoice_id, status, currency, due, received, chain, total)

    def open_situation(self) -> tuple[date, list[tuple[int, date, date]]]:
        weights = list(OPEN_SITUATIONS.values())
        situation = self.rng.choices(list(OPEN_SITUATIONS), weights=weights)[0]
        if situation == "not_due":
            return self.today + self.days(0, 25), []
        if situation == "in_grace":
            return self.today - self.days(1, 4), []
        if situation == "overdue":
            return self.today - self.days(5, 120), []
        assert isinstance(situation, int)
        return self.chain(min(situation, self.levels), self.today + self.days(-40, 8))

    def chain(self, level: int, deadline: date) -> tuple[date, list[tuple[int, date, date]]]:
        """Reminders up to `level`, the last one ending on `deadline`; returns the due date too.

        Built backwards: each reminder was created after the previous deadline had passed.
        """
        links = []
        end = deadline
        for number in range(level, 0, -1):
            start = end - timedelta(days=level_setting(number).period_days - 1)
            links.append((number, start, end))
            end = start - self.days(1, 12 if number > 1 else 25)
        return end, links[::-1]

    def received(self, status: int, total: Decimal, currency: str) -> Decimal:
        if status == PAID:
            return total
        if status != PARTIAL:
            return Decimal(0)
        step = 5 if currency == "CHF" else 1
        cents = int(total * 100 * Decimal(str(self.rng.uniform(0.2, 0.8)))) // step * step
        return Decimal(max(cents, step)).scaleb(-2)

    def add(
        self,
        invoice_id: int,
        status: int,
        currency: str,
        due: date,
        received: Decimal,
        chain: list[tuple[int, date, date]],
        total: Decimal | None = None,
    ) -> None:
        rng = self.rng
        total = total if total is not None else _amount(rng, currency)
        valid_from = due - timedelta(days=rng.choice([10, 20, 30, 30, 30]))
        contact = rng.choice(self.company.contacts)
        stamp = (chain[-1][1] if chain else min(valid_from, self.today)).isoformat()
        clock = f"{rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        address = self.addresses.get(contact["id"])
        if address is None:
            address = self.addresses[contact["id"]] = contact_address(contact)
        invoice = invoice_record(
            invoice_id=invoice_id,
            document_nr=_document_nr(rng, invoice_id, valid_from.year),
            contact=contact,
            address=address,
            title=rng.choice(names.TITLES[_language(contact)]),
            status=status,
            currency_id=CURRENCY_ID[currency],
            total=total,
            received=received,
            valid_from=valid_from,
            valid_to=due,
            updated_at=f"{stamp} {clock}",
            slip_id=self.slips.next(),
        )
        self.company.invoices.append(invoice)
        if chain:
            self.company.reminders[invoice_id] = [
                self.reminder(invoice, *link, len(chain)) for link in chain
            ]
        if received > 0:
            paid_on = min(self.today, due + self.days(0, 20))
            self.company.payments[invoice_id] = [
                payment_dict(
                    payment_id=self.next_payment_id,
                    invoice_id=invoice_id,
                    day=paid_on,
                    value=received,
                    bank_account_id=1,
                    payment_service_id=None,
                )
            ]
            self.next_payment_id += 1

    def reminder(
        self, invoice: InvoiceRecord, level: int, start: date, end: date, last: int
    ) -> ReminderRecord:
        setting = level_setting(level)
        sent = level < last or self.rng.random() < 0.85
        reminder = reminder_record(
            reminder_id=self.next_reminder_id,
            invoice=invoice,
            level=level,
            title=setting.title,
            period_days=setting.period_days,
            valid_from=start,
            valid_to=end,
            header=setting.header,
            footer=setting.footer,
            is_sent=sent,
        )
        self.next_reminder_id += 1
        return reminder


_ISO_BY_ID: dict[int, str] = {language_id: iso for iso, language_id in LANGUAGE_ID.items()}


def _language(contact: ContactRecord) -> str:
    return _ISO_BY_ID.get(contact["language_id"] or 1, "de")
