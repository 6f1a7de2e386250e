"""Delivering reminders when bexio's answer is lost after the reminder was marked sent or
e-mailed: the first attempt already counts it as delivered, and no e-mail goes out twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.client import NETWORK_LINK
from connectors.deliver import Delivery, SendJournal, deliver
from dunning.proposal import Reason
from tests.support.sandbox import Company


class Sends:
    """The run's send journal, in memory."""

    def __init__(self) -> None:
        self.intents: set[int] = set()
        self.sent: list[tuple[int, str]] = []

    def journal(self) -> SendJournal:
        return SendJournal(
            intent=self.intents.add,
            has_intent=self.intents.__contains__,
            sent=lambda invoice_id, how: self.sent.append((invoice_id, how)),
        )


@pytest.fixture
def bexio() -> Iterator[Company]:
    with Company.started(seed=11) as found:
        yield found


def new_reminder(bexio: Company) -> Delivery:
    """A reminder created the way the commit creates it, ready to be delivered."""
    invoice_id = bexio.decisions(Reason.ESCALATE)[0].invoice.id
    reminder = bexio.client.create_reminder(invoice_id)
    message = f"Guten Tag, die Zahlungserinnerung: {NETWORK_LINK}"
    return Delivery(invoice_id, reminder.id, "kunde@example.ch", "Zahlungserinnerung", message)


def path(item: Delivery, action: str) -> str:
    return f"/2.0/kb_invoice/{item.invoice_id}/kb_reminder/{item.reminder_id}/{action}"


def is_sent(bexio: Company, item: Delivery) -> bool:
    return bexio.client.show_reminder(item.invoice_id, item.reminder_id).is_sent


def test_a_reminder_marked_sent_whose_answer_was_lost_is_delivered(bexio: Company) -> None:
    item, sends = new_reminder(bexio), Sends()
    bexio.lose_answer("POST", path(item, "mark_as_sent"))

    errors = deliver(bexio.client, [item], sends.journal(), send=False)

    assert errors == {}
    assert is_sent(bexio, item)
    assert sends.sent == [(item.invoice_id, "marked_sent")]


def test_an_email_whose_answer_was_lost_is_delivered_and_not_sent_again(bexio: Company) -> None:
    item, sends = new_reminder(bexio), Sends()
    bexio.lose_answer("POST", path(item, "send"), 502, times=3)

    errors = deliver(bexio.client, [item], sends.journal(), send=True)

    assert errors == {}
    assert sends.sent == [(item.invoice_id, "emailed")]
    assert bexio.stats()["reminders_sent"] == 1


def test_an_email_refused_before_it_went_out_fails_then_a_retry_sends_it_once(
    bexio: Company,
) -> None:
    item, sends = new_reminder(bexio), Sends()
    bexio.lose_answer("POST", path(item, "send"), 503, applied=False)

    first = deliver(bexio.client, [item], sends.journal(), send=True)
    assert list(first) == [item.invoice_id]
    assert "the reminder exists but was not delivered" in first[item.invoice_id].error
    assert bexio.stats().get("reminders_sent", 0) == 0

    again = deliver(bexio.client, [item], sends.journal(), send=True)
    assert again == {}
    assert bexio.stats()["reminders_sent"] == 1
    assert sends.sent == [(item.invoice_id, "emailed")]
