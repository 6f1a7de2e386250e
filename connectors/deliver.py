"""Delivering reminders once their letters exist: e-mail through bexio, or mark as sent.

An e-mail is never sent twice: the run notes its intent first; when bexio's answer to a
send is lost, and when a retry finds the intent, it asks bexio whether the reminder is
already sent before it counts it as failed or sends again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.client import BexioClient
from connectors.errors import EXPECTED, TransientError
from dunning.outcome import Failure, failure

__all__ = ["Delivery", "SendJournal", "deliver"]


@dataclass(frozen=True)
class Delivery:
    invoice_id: int
    reminder_id: int
    email: str | None  # None: the letter goes by post, the reminder is only marked sent
    subject: str
    message: str


class SendJournal:
    """Callbacks into the run's journal (kept small so tests can pass lambdas)."""

    def __init__(
        self,
        intent: Callable[[int], None],
        has_intent: Callable[[int], bool],
        sent: Callable[[int, str], None],
    ) -> None:
        self.intent, self.has_intent, self.sent = intent, has_intent, sent


def deliver(
    client: BexioClient, deliveries: Sequence[Delivery], journal: SendJournal, *, send: bool
) -> dict[int, Failure]:
    """Deliver each reminder; returns the failures by invoice id (empty when all went out).

    Reminders are independent of each other, so two are delivered at a time."""

    def one(item: Delivery) -> Failure | None:
        try:
            _deliver_one(client, item, journal, send)
        except Exception as exc:  # noqa: BLE001 - a failure stays with its own reminder
            why = failure(exc, EXPECTED)
            if why.traceback is None:
                return Failure(f"the reminder exists but was not delivered: {why.error}")
            return why
        return None

    outcomes = client.map_calls(one, list(deliveries))
    return {
        item.invoice_id: error for item, error in zip(deliveries, outcomes, strict=False) if error
    }


def _deliver_one(client: BexioClient, item: Delivery, journal: SendJournal, send: bool) -> None:
    if not (send and item.email):
        client.mark_reminder_sent(item.invoice_id, item.reminder_id)  # idempotent
        journal.sent(item.invoice_id, "marked_sent")
        return
    if journal.has_intent(item.invoice_id):
        reminder = client.show_reminder(item.invoice_id, item.reminder_id)
        if reminder.is_sent:
            journal.sent(item.invoice_id, "emailed")
            return
    journal.intent(item.invoice_id)
    try:
        client.send_reminder(
            item.invoice_id,
            item.reminder_id,
            recipient_email=item.email,
            subject=item.subject,
            message=item.message,
        )
    except TransientError:
        # The e-mail may have gone out although the answer was lost: ask, never send twice.
        if not client.show_reminder(item.invoice_id, item.reminder_id).is_sent:
            raise
    journal.sent(item.invoice_id, "emailed")
