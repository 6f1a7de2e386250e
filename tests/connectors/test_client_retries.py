"""Which calls are retried on transient failures, how often, and which never are."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from connectors import BadResponseError, BexioClient, PermanentError, TransientError

BASE = "https://api.bexio.com"
REMINDERS = "/2.0/kb_invoice/5/kb_reminder"
REMINDER = {
    "id": 67,
    "kb_invoice_id": 5,
    "title": "Zahlungserinnerung",
    "is_valid_from": "2026-06-18",
    "is_valid_to": "2026-07-01",
    "reminder_period_in_days": 14,
    "reminder_level": 1,
    "show_positions": True,
    "remaining_price": "100",
    "received_total": "0.000000",
    "is_sent": False,
    "header": "Guten Tag",
    "footer": "Freundliche Grüsse",
}
MAINTENANCE = httpx.Response(503, json={"error_code": 503, "message": "maintenance"})


class Harness:
    def __init__(self, **options: Any) -> None:
        self.router = respx.Router(base_url=BASE)
        self.sleeps: list[float] = []
        self.client = BexioClient(
            BASE,
            "tok",
            transport=httpx.MockTransport(self.router.handler),
            sleep=self.sleeps.append,
            **options,
        )


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_a_read_is_retried_through_maintenance_with_growing_pauses(h: Harness) -> None:
    route = h.router.get(REMINDERS).mock(
        side_effect=[MAINTENANCE, MAINTENANCE, httpx.Response(200, json=[REMINDER])]
    )
    assert [r.id for r in h.client.list_reminders(5)] == [67]
    assert route.call_count == 3
    assert h.sleeps == [0.5, 1.0]
    assert h.client.request_count == 3


def test_a_read_is_retried_after_a_dropped_connection(h: Harness) -> None:
    route = h.router.get(REMINDERS).mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json=[]),
        ]
    )
    assert h.client.list_reminders(5) == []
    assert route.call_count == 3


def test_a_read_gives_up_after_max_attempts() -> None:
    h = Harness(max_attempts=4)
    route = h.router.get(REMINDERS).mock(return_value=MAINTENANCE)
    with pytest.raises(TransientError, match="503 Service Unavailable: maintenance"):
        h.client.list_reminders(5)
    assert route.call_count == 4


def test_a_timeout_says_how_long_it_waited(h: Harness) -> None:
    h.router.get(REMINDERS).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(TransientError, match=rf"^GET {REMINDERS}: no answer within 30 s$"):
        h.client.list_reminders(5)


def test_permanent_errors_are_not_retried(h: Harness) -> None:
    route = h.router.get(REMINDERS).mock(return_value=httpx.Response(404, json={"message": "x"}))
    with pytest.raises(PermanentError):
        h.client.list_reminders(5)
    assert route.call_count == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json={"error_code": 500, "message": "boom"}),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
    ],
    ids=["500", "timeout", "dropped"],
)
def test_creating_a_reminder_is_never_repeated_blindly(h: Harness, failure: Any) -> None:
    route = h.router.post(REMINDERS)
    route.side_effect = [failure, httpx.Response(201, json=REMINDER)]
    with pytest.raises(TransientError, match=f"^POST {REMINDERS}: "):
        h.client.create_reminder(5)
    assert route.call_count == 1
    assert h.sleeps == []


def test_sending_and_marking_unpaid_are_not_repeated(h: Harness) -> None:
    send = h.router.post(f"{REMINDERS}/67/send").mock(return_value=MAINTENANCE)
    unpaid = h.router.post("/ext/kb_invoice/5/mark_unpaid").mock(return_value=MAINTENANCE)
    delete = h.router.delete(f"{REMINDERS}/67").mock(return_value=MAINTENANCE)
    with pytest.raises(TransientError):
        h.client.send_reminder(
            5, 67, recipient_email="a@b.ch", subject="s", message="[Network Link]"
        )
    with pytest.raises(TransientError):
        h.client.mark_unpaid(5)
    with pytest.raises(TransientError):
        h.client.delete_reminder(5, 67)
    assert (send.call_count, unpaid.call_count, delete.call_count) == (1, 1, 1)


def test_marking_as_sent_is_idempotent_and_retried(h: Harness) -> None:
    route = h.router.post(f"{REMINDERS}/67/mark_as_sent").mock(
        side_effect=[MAINTENANCE, httpx.Response(200, json={"success": True})]
    )
    h.client.mark_reminder_sent(5, 67)
    assert route.call_count == 2


def test_a_success_false_answer_is_not_taken_for_success(h: Harness) -> None:
    h.router.post(f"{REMINDERS}/67/mark_as_sent").mock(
        return_value=httpx.Response(200, json={"success": False})
    )
    with pytest.raises(BadResponseError, match="success=false"):
        h.client.mark_reminder_sent(5, 67)
