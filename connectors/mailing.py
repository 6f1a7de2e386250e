"""Delivering our own letters: e-mail each one over SMTP, at most once, then mark its
reminder sent in bexio.

The journal notes `mail_sending` before a message is handed to the server and `mailed` or
`mail_refused` after. An e-mail whose answer was lost (the connection ended while the
server had the message, or the run stopped before it noted the answer) is never sent
again: the customer may already have it. It counts as sent, with a warning that says to
look for it in the mail server's log (docs/RULES.md, "Letters and delivery").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from connectors.client import BexioClient
from connectors.errors import EXPECTED
from connectors.mail import Mailer, MailRefused, MailUnsure
from dunning.mail import MailState, unsure_warning
from dunning.outcome import Failure, failure

__all__ = ["MailDelivery", "MailJournal", "mail_letters"]


@dataclass(frozen=True)
class MailDelivery:
    invoice_id: int
    reminder_id: int
    message: EmailMessage  # From, To, Message-ID set; the letter attached

    @property
    def recipient(self) -> str:
        return str(self.message["To"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass(frozen=True)
class MailJournal:
    """Callbacks into the run's journal (small, so that tests can pass their own)."""

    state: Callable[[int], MailState | None]
    sending: Callable[[MailDelivery], None]
    refused: Callable[[int, str], None]
    mailed: Callable[[MailDelivery, bool], None]  # confirmed by the server, or unsure
    sent: Callable[[int], None]  # marked sent in bexio


def mail_letters(
    client: BexioClient, mailer: Mailer, items: Sequence[MailDelivery], journal: MailJournal
) -> tuple[dict[int, Failure], dict[int, str]]:
    """E-mail each letter and mark its reminder sent: the failures and the warnings, by
    invoice id. One message at a time, over the mailer's one connection."""
    failures: dict[int, Failure] = {}
    warnings: dict[int, str] = {}
    for item in items:
        try:
            warning = _mail_one(client, mailer, item, journal)
        except Exception as exc:  # noqa: BLE001 - a failure stays with its own reminder
            why = failure(exc, EXPECTED + (MailRefused,))
            if why.traceback is None:
                why = Failure(f"the reminder exists but was not delivered: {why.error}")
            failures[item.invoice_id] = why
            continue
        if warning:
            warnings[item.invoice_id] = warning
    return failures, warnings


def _mail_one(
    client: BexioClient, mailer: Mailer, item: MailDelivery, journal: MailJournal
) -> str | None:
    state = journal.state(item.invoice_id)
    warning = None
    if state in (None, MailState.REFUSED):
        journal.sending(item)
        try:
            mailer.send(item.message)
        except MailRefused as exc:
            journal.refused(item.invoice_id, str(exc))
            raise MailRefused(f"the e-mail to {item.recipient} was not sent: {exc}") from None
        except MailUnsure:
            state = MailState.SENDING
        else:
            journal.mailed(item, True)
    if state in (MailState.SENDING, MailState.UNSURE):
        if state is MailState.SENDING:
            journal.mailed(item, False)
        warning = unsure_warning(item.recipient, item.message_id)
    client.mark_reminder_sent(item.invoice_id, item.reminder_id)  # idempotent
    journal.sent(item.invoice_id)
    return warning
