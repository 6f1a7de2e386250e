"""The sandbox's in-memory bexio account and the rules its writes follow.

Reminder creation ignores its body (as bexio does): the level is the invoice's highest
level + 1, the title and period come from the account's level settings, the reminder is
dated the sandbox's today and runs `period - 1` days past it. Payments move an invoice to
partial (16) or paid (9). Handlers run on one event loop and never await in the middle of
a change, so no lock is needed.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from connectors.sandbox.bank import Bank
from connectors.sandbox.config import ZURICH, SandboxConfig, level_setting
from connectors.sandbox.data import Company, generate, slug
from connectors.sandbox.errors import ApiError
from connectors.sandbox.invoice_pdf import invoice_pdf
from connectors.sandbox.pdf import ReminderPage, reminder_page_pdf
from connectors.sandbox.records import ContactRecord, InvoiceRecord, ReminderRecord
from connectors.sandbox.search import (
    MAX_LIMIT,
    Kind,
    compile_search,
    named_ids,
    order,
    page,
)
from connectors.sandbox.shapes import (
    CURRENCIES,
    money4,
    money6,
    payment_dict,
    plain,
    positions_for,
    reminder_record,
)
from dunning.letters.qrpay import format_reference

__all__ = ["INVOICE_SEARCH", "NETWORK_LINK", "SandboxState"]

Json = dict[str, Any]
R = TypeVar("R", InvoiceRecord, ContactRecord)

DRAFT, PENDING, PAID, PARTIAL, UNPAID = 7, 8, 9, 16, 31
NETWORK_LINK = "[Network Link]"
OUTBOX_FIELDS = ("invoice_id", "reminder_id", "recipient_email", "subject")
_CURRENCY_CODE = {c["id"]: c["name"] for c in CURRENCIES}
INVOICE_SEARCH: dict[str, Kind] = {
    "id": "int",
    "kb_item_status_id": "int",
    "document_nr": "text",
    "title": "text",
    "api_reference": "text",
    "contact_id": "int",
    "contact_sub_id": "int",
    "user_id": "int",
    "currency_id": "int",
    "total_gross": "money",
    "total_net": "money",
    "total": "money",
    "is_valid_from": "text",
    "is_valid_to": "text",
    "updated_at": "text",
}
INVOICE_ORDER: dict[str, Kind] = {
    "id": "int",
    "total": "money",
    "total_net": "money",
    "total_gross": "money",
    "updated_at": "text",
}
REMINDER_SEARCH: dict[str, Kind] = {
    "id": "int",
    "kb_invoice_id": "int",
    "title": "text",
    "is_valid_from": "text",
    "is_valid_to": "text",
    "reminder_level": "int",
}
CONTACT_SEARCH: dict[str, Kind] = {
    "id": "int",
    "name_1": "text",
    "name_2": "text",
    "nr": "text",
    "address": "text",
    "mail": "text",
    "mail_second": "text",
    "postcode": "text",
    "city": "text",
    "country_id": "int",
    "contact_group_ids": "text",
    "contact_type_id": "int",
    "updated_at": "text",
    "user_id": "int",
    "phone_fixed": "text",
    "phone_mobile": "text",
    "fax": "text",
}
CONTACT_ORDER: dict[str, Kind] = {"id": "int", "nr": "text", "name_1": "text", "updated_at": "text"}
SUCCESS: Json = {"success": True}
_NO_CONTACT: Json = {
    "contact_type_id": 1,
    "name_1": "",
    "name_2": None,
    "postcode": None,
    "city": None,
    "country_id": None,
}


def _not_found() -> ApiError:
    return ApiError(404, "Page not found")


def _invalid(*errors: str) -> ApiError:
    return ApiError(422, "Could not save the entity", errors=list(errors))


class SandboxState:
    """One bexio account: contacts, invoices, reminders, payments, and counters for tests."""

    def __init__(self, config: SandboxConfig, company: Company | None = None) -> None:
        self.config = config
        self.today: date = config.resolved_today()
        company = company or generate(config, self.today)
        self.contact_list = company.contacts
        self.contacts = {c.id: c for c in company.contacts}
        self.invoice_list = company.invoices  # in id order, as bexio lists them
        self.invoices = {i.id: i for i in company.invoices}
        self.reminders = company.reminders
        self.payments = company.payments
        self.next_reminder_id = 1 + max(
            (r["id"] for rs in self.reminders.values() for r in rs), default=0
        )
        self.next_payment_id = 1 + max(
            (p["id"] for ps in self.payments.values() for p in ps), default=0
        )
        self.counters: Counter[str] = Counter()
        # Every reminder e-mail "sent", in order, for tests: (invoice id, reminder id,
        # recipient, subject), made into `OUTBOX_FIELDS` objects only when asked for.
        self.outbox: list[tuple[int, int, str, str]] = []
        self._stamp = ""  # the last `updated_at` written: one text for a second's changes
        # A test's hook, called with each reminder a client creates, after it is stored and
        # before the answer leaves: e.g. to kill the client between the create and its answer.
        self.on_reminder_created: Callable[[ReminderRecord], None] | None = None
        self.drafts_to_issue = 0  # armed by a test: issued right after the next full page
        self.bank = Bank(self.invoice_list)

    # --- invoices -------------------------------------------------------------------------

    def invoice(self, invoice_id: int) -> InvoiceRecord:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            raise _not_found()
        return invoice

    def list_invoices(self, limit: int, offset: int, order_by: str) -> list[InvoiceRecord]:
        served = list(page(order(self.invoice_list, order_by, INVOICE_ORDER), limit, offset))
        self._after_page(len(served), limit)
        return served

    def search_invoices(
        self, body: Any, limit: int, offset: int, order_by: str
    ) -> list[InvoiceRecord]:
        test = compile_search(body, INVOICE_SEARCH)
        found = [invoice for invoice in _candidates(body, self.invoices) if test(invoice)]
        served = list(page(order(found, order_by, INVOICE_ORDER), limit, offset))
        self._after_page(len(served), limit)
        return served

    def issue_drafts_after_next_page(self, drafts: int) -> None:
        """Arm a colleague who issues the `drafts` lowest-numbered drafts right after the
        next full page of an invoice listing or search has gone out.

        bexio pages with `limit`/`offset` over a list ordered by id and keeps no snapshot
        between pages (bexio-api.md, §2 "Pagination and sorting"); issuing
        moves a draft (7) to pending (8) (§3). Invoices that become open below the next
        offset push the open list down, so the next page repeats the last rows of this one.
        """
        self.drafts_to_issue = drafts

    def _after_page(self, served: int, limit: int) -> None:
        if not self.drafts_to_issue or served < min(max(limit, 1), MAX_LIMIT):
            return
        drafts = [i for i in self.invoice_list if i["kb_item_status_id"] == DRAFT]
        for invoice in drafts[: self.drafts_to_issue]:  # the list is in id order
            invoice["kb_item_status_id"] = PENDING
            self._touch(invoice)
            self.counters["invoices_issued_admin"] += 1
        self.drafts_to_issue = 0

    def show_invoice(self, invoice_id: int) -> Json:
        invoice = self.invoice(invoice_id)
        return {**invoice.json(), "positions": positions_for(invoice)}

    def invoice_pdf(self, invoice_id: int) -> Json:
        """The invoice with its QR-bill (see `invoice_pdf.py`), named like bexio's
        `re-00001.pdf` (bexio-api.md §2). Made afresh for each request (a few milliseconds)
        and not kept: a run reads every invoice's PDF once, and 100,000 of them would hold
        about 800 MB."""
        invoice = self.invoice(invoice_id)
        contact = self.contacts.get(invoice["contact_id"]) or _NO_CONTACT
        content = invoice_pdf(invoice, contact, self.qr_reference(invoice_id))
        return _pdf_answer(f"{slug(invoice['document_nr'])}.pdf", content)

    def qr_reference(self, invoice_id: int) -> str:
        """The QR reference bexio prints on the invoice's payment slip (see `bank.py`)."""
        return self.bank.reference_of(self.invoice(invoice_id))

    def book_credit(self, body: Any) -> Json:
        """A credit on the bank statement, booked as bexio's camt.054 reconciliation does
        (see `bank.Bank`): a payment of the invoice its reference names, else unmatched."""
        credit = self.bank.book(body, self.create_payment, self.today)
        self.counters["credits_matched" if credit["invoice_id"] else "credits_unmatched"] += 1
        return credit

    def mark_unpaid(self, invoice_id: int) -> Json:
        """The sandbox's extension: write an open invoice off as unpaid (status 31)."""
        invoice = self.invoice(invoice_id)
        if invoice["kb_item_status_id"] not in (PENDING, PARTIAL):
            raise ApiError(400, "Only open invoices can be marked as unpaid")
        invoice["kb_item_status_id"] = UNPAID
        self._touch(invoice)
        self.counters["invoices_marked_unpaid"] += 1
        return SUCCESS

    # --- reminders ------------------------------------------------------------------------

    def reminders_of(self, invoice_id: int) -> list[ReminderRecord]:
        self.invoice(invoice_id)
        return self.reminders.get(invoice_id, [])

    def search_reminders(
        self, invoice_id: int, body: Any, limit: int, offset: int
    ) -> list[ReminderRecord]:
        test = compile_search(body, REMINDER_SEARCH)
        found = [r for r in self.reminders_of(invoice_id) if test(r)]
        return list(page(found, limit, offset))

    def reminder(self, invoice_id: int, reminder_id: int) -> ReminderRecord:
        for reminder in self.reminders_of(invoice_id):
            if reminder["id"] == reminder_id:
                return reminder
        raise _not_found()

    def create_reminder(self, invoice_id: int, *, behind_the_back: bool = False) -> Json:
        """The next reminder level, computed here; the request body plays no part.

        Past the account's last level (`SandboxConfig.levels`) bexio creates nothing and
        answers 400 (bexio-api.md section 4, "What the server does on create", item 5 and
        the suggested sandbox behaviour; the body's wording is unconfirmed). Each refusal is
        counted as `reminders_refused_last_level`.
        """
        invoice = self.invoice(invoice_id)
        if invoice["kb_item_status_id"] not in (PENDING, PARTIAL):
            raise ApiError(400, "Reminders can only be created for open invoices")
        existing = self.reminders.setdefault(invoice_id, [])
        level = 1 + max((r["reminder_level"] for r in existing), default=0)
        if level > self.config.levels:
            self.counters["reminders_refused_last_level"] += 1
            raise ApiError(400, "The last reminder level has already been reached")
        setting = level_setting(level)
        reminder = reminder_record(
            reminder_id=self.next_reminder_id,
            invoice=invoice,
            level=level,
            title=setting.title,
            period_days=setting.period_days,
            valid_from=self.today,
            valid_to=self.today + timedelta(days=setting.period_days - 1),
            header=setting.header,
            footer=setting.footer,
            is_sent=False,
        )
        self.next_reminder_id += 1
        existing.append(reminder)
        self._touch(invoice)
        self.counters["reminders_created_admin" if behind_the_back else "reminders_created"] += 1
        if self.on_reminder_created is not None and not behind_the_back:
            self.on_reminder_created(reminder)
        # bexio answers a create with the open amount unpadded ("100"), a read with "100.000000"
        return {**reminder.json(), "remaining_price": plain(Decimal(reminder["remaining_price"]))}

    def delete_reminder(self, invoice_id: int, reminder_id: int) -> Json:
        """Delete the invoice's most recent reminder; any other is refused with 400.

        bexio's documentation says this call "permanently deletes the most recent
        reminder" (bexio-api.md, §4 Reminders, notes on the endpoints: Delete); what it
        does with an older one is unconfirmed, so the sandbox refuses it rather than let
        a level in the middle vanish. The most recent is the one of the highest level, as
        levels only go up (§4, "What the server does on create": level auto-increments).
        """
        reminder = self.reminder(invoice_id, reminder_id)
        existing = self.reminders[invoice_id]
        if reminder["reminder_level"] != max(r["reminder_level"] for r in existing):
            raise ApiError(400, "Only the most recent reminder can be deleted")
        existing.remove(reminder)
        self._touch(self.invoice(invoice_id))
        self.counters["reminders_deleted"] += 1
        return SUCCESS

    def set_sent(self, invoice_id: int, reminder_id: int, sent: bool) -> Json:
        self.reminder(invoice_id, reminder_id)["is_sent"] = sent
        return SUCCESS

    def send_reminder(self, invoice_id: int, reminder_id: int, body: Any) -> Json:
        """ "Sends" the e-mail: nothing leaves the machine; the reminder becomes sent, and the
        e-mail goes to the outbox, where a test counts what bexio would have mailed (bexio's
        send "really emails the recipient", every time it is called: bexio-api.md, Send)."""
        reminder = self.reminder(invoice_id, reminder_id)
        body = body if isinstance(body, dict) else {}
        missing = [
            f"{key}: missing"
            for key in ("recipient_email", "subject", "message")
            if not isinstance(body.get(key), str) or not body[key].strip()
        ]
        if missing:
            raise ApiError(422, "missing data", errors=missing)
        if NETWORK_LINK not in body["message"]:
            raise _invalid(
                "message: plugins.ibNetworkPlugin.i18n.form_module_network.error."
                "missing_network_placeholder"
            )
        reminder["is_sent"] = True
        self.counters["reminders_sent"] += 1
        self.outbox.append((invoice_id, reminder_id, body["recipient_email"], body["subject"]))
        return SUCCESS

    def reminder_pdf(self, invoice_id: int, reminder_id: int, *, logopaper: bool = True) -> Json:
        """The reminder's PDF as bexio renders it (bexio-api.md §3, v2ShowInvoiceReminderPDF):
        named after its title and the invoice, e.g. `zahlungserinnerung-re-00193.pdf`."""
        reminder = self.reminder(invoice_id, reminder_id)
        invoice = self.invoice(invoice_id)
        page = ReminderPage(
            title=reminder["title"],
            date=_swiss_date(reminder["is_valid_from"]),
            deadline=_swiss_date(reminder["is_valid_to"]),
            document_nr=invoice["document_nr"],
            address=invoice["contact_address"].split("\n"),
            open_amount=f"{_CURRENCY_CODE[invoice['currency_id']]} "
            f"{Decimal(reminder['remaining_price']):,.2f}".replace(",", "'"),
            header=reminder["header"],
            footer=reminder["footer"],
            qr_reference=format_reference(self.qr_reference(invoice_id)),
        )
        name = f"{slug(reminder['title'])}-{slug(invoice['document_nr'])}.pdf"
        return _pdf_answer(name, reminder_page_pdf(page, logopaper=logopaper))

    def all_reminders(self) -> list[ReminderRecord]:
        return sorted((r for rs in self.reminders.values() for r in rs), key=lambda r: r["id"])

    # --- payments -------------------------------------------------------------------------

    def payments_of(self, invoice_id: int) -> list[Json]:
        self.invoice(invoice_id)
        return self.payments.get(invoice_id, [])

    def payment(self, invoice_id: int, payment_id: int) -> Json:
        for payment in self.payments_of(invoice_id):
            if payment["id"] == payment_id:
                return payment
        raise _not_found()

    def create_payment(self, invoice_id: int, body: Any) -> Json:
        invoice = self.invoice(invoice_id)
        body = body if isinstance(body, dict) else {}
        value, day = _payment_value(body.get("value")), _payment_date(body.get("date"), self.today)
        if invoice["kb_item_status_id"] not in (PENDING, PARTIAL, UNPAID):
            raise _invalid("kb_invoice_id: the invoice is not open")
        received = Decimal(invoice["total_received_payments"]) + value
        if received > Decimal(invoice["total"]):
            raise _invalid("value: the payment exceeds the open amount")
        payment = payment_dict(
            payment_id=self.next_payment_id,
            invoice_id=invoice_id,
            day=day,
            value=value,
            bank_account_id=body.get("bank_account_id"),
            payment_service_id=body.get("payment_service_id"),
        )
        self.next_payment_id += 1
        self.payments.setdefault(invoice_id, []).append(payment)
        self._set_received(invoice, received)
        self.counters["payments_created"] += 1
        return payment

    def delete_payment(self, invoice_id: int, payment_id: int) -> Json:
        payment = self.payment(invoice_id, payment_id)
        invoice = self.invoice(invoice_id)
        self.payments[invoice_id].remove(payment)
        received = Decimal(invoice["total_received_payments"]) - Decimal(payment["value"])
        self._set_received(invoice, received)
        return SUCCESS

    def _set_received(self, invoice: InvoiceRecord, received: Decimal) -> None:
        remaining = Decimal(invoice["total"]) - received
        invoice["total_received_payments"] = money6(received)
        invoice["total_remaining_payments"] = money4(remaining)
        if remaining == 0:
            invoice["kb_item_status_id"] = PAID
        elif received > 0 and invoice["kb_item_status_id"] != UNPAID:
            invoice["kb_item_status_id"] = PARTIAL
        elif invoice["kb_item_status_id"] in (PAID, PARTIAL):
            invoice["kb_item_status_id"] = PENDING
        self._touch(invoice)

    # --- contacts -------------------------------------------------------------------------

    def contact(self, contact_id: int) -> ContactRecord:
        contact = self.contacts.get(contact_id)
        if contact is None:
            raise _not_found()
        return contact

    def list_contacts(self, limit: int, offset: int, order_by: str) -> list[ContactRecord]:
        return list(page(order(self.contact_list, order_by, CONTACT_ORDER), limit, offset))

    def search_contacts(
        self, body: Any, limit: int, offset: int, order_by: str
    ) -> list[ContactRecord]:
        test = compile_search(body, CONTACT_SEARCH)
        found = [contact for contact in _candidates(body, self.contacts) if test(contact)]
        return list(page(order(found, order_by, CONTACT_ORDER), limit, offset))

    def sent_emails(self) -> list[Json]:
        """The outbox as `{"invoice_id", "reminder_id", "recipient_email", "subject"}`."""
        return [dict(zip(OUTBOX_FIELDS, email, strict=True)) for email in self.outbox]

    def _touch(self, invoice: InvoiceRecord) -> None:
        stamp = f"{self.today.isoformat()} {datetime.now(ZURICH):%H:%M:%S}"
        if stamp != self._stamp:
            self._stamp = stamp
        invoice["updated_at"] = self._stamp


def _candidates(body: Any, by_id: dict[int, R]) -> Iterable[R]:
    """What a search must test, in id order: the objects its `id` criterion names (a
    client's re-read of a batch, `id in [...]`, tests 30 objects, not the whole account),
    else every object. Only for a body `compile_search` accepted."""
    ids = named_ids(body)
    if ids is None:
        return by_id.values()
    return [by_id[i] for i in sorted(ids) if i in by_id]


def _payment_value(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw)) if raw is not None and not isinstance(raw, bool) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0:
        raise _invalid("value: a positive amount is required")
    return value


def _payment_date(raw: Any, today: date) -> date:
    if raw is None:
        return today
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise _invalid("date: expected YYYY-MM-DD") from None


def _swiss_date(iso: str) -> str:
    """A date as the account's format `d.m.Y` prints it (bexio-api.md §5, languages)."""
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def _pdf_answer(name: str, content: bytes) -> Json:
    """bexio's answer to a PDF route: JSON with the file in base64 (bexio-api.md §1)."""
    return {
        "name": name,
        "size": len(content),
        "mime": "application/pdf",
        "content": base64.b64encode(content).decode("ascii"),
    }
