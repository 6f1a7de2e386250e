"""What the client hands back: exact money, Swiss local times, and the reminder endpoints."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from connectors import BadResponseError, BexioClient
from connectors import client as client_module

BASE = "https://api.bexio.com"
REMINDERS = "/2.0/kb_invoice/194/kb_reminder"
INVOICE = {
    "id": 194,
    "document_nr": "RE-00194",
    "title": "Test",
    "contact_id": 1,
    "contact_sub_id": None,
    "user_id": 1,
    "language_id": 1,
    "currency_id": 1,
    "total_gross": "100.000000",
    "total_received_payments": "0.000000",
    "total_remaining_payments": "100.0000",
    "total": "100.000000",
    "total_rounding_difference": 0,
    "is_valid_from": "2026-06-18",
    "is_valid_to": "2026-06-23",
    "kb_item_status_id": 8,
    "reference": "",
    "api_reference": "269cf367",
    "updated_at": "2026-06-18 15:57:30",
    "taxs": [],
    "positions": [{"id": 329, "type": "KbPositionCustom", "pos": "1"}],
    "network_link": "",
}
REMINDER = {
    "id": 67,
    "kb_invoice_id": 194,
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


class Harness:
    def __init__(self) -> None:
        self.router = respx.Router(base_url=BASE)
        self.client = BexioClient(
            BASE, "tok", transport=httpx.MockTransport(self.router.handler), sleep=lambda s: None
        )


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_money_arrives_as_exact_decimals(h: Harness) -> None:
    h.router.get("/2.0/kb_invoice/194").mock(return_value=httpx.Response(200, json=INVOICE))
    invoice = h.client.show_invoice(194)
    assert invoice.total == Decimal("100") and invoice.total == Decimal("100.000000")
    assert str(invoice.total) == "100.000000"
    assert invoice.total_remaining_payments == Decimal("100.0000")
    assert invoice.is_valid_to == date(2026, 6, 23)


def test_a_decimal_that_a_float_cannot_hold_survives(h: Harness) -> None:
    h.router.get("/2.0/kb_invoice/194").mock(
        return_value=httpx.Response(200, json={**INVOICE, "total": "0.100000000000000000000001"})
    )
    assert h.client.show_invoice(194).total - Decimal("0.1") == Decimal("1E-24")


def test_a_lone_surrogate_becomes_a_replacement_character_with_a_warning(h: Harness) -> None:
    raw = json.dumps({**INVOICE, "document_nr": "RE-\ud800-1", "title": "ok \U0001f600"})
    h.router.get("/2.0/kb_invoice/194").mock(return_value=httpx.Response(200, content=raw))
    h.router.get(REMINDERS).mock(return_value=httpx.Response(200, json=[REMINDER]))
    h.router.get("/3.0/currencies").mock(
        return_value=httpx.Response(200, json=[{"id": 1, "name": "CHF", "round_factor": 0.05}])
    )
    invoice = h.client.fetch_invoice(194)
    assert invoice.document_nr == "RE-\ufffd-1"
    assert invoice.title == "ok \U0001f600"  # a pair of escapes is a real character
    assert invoice.warning is not None and "document_nr" in invoice.warning
    assert "title" not in invoice.warning
    invoice.document_nr.encode("utf-8")  # can be written


@pytest.mark.parametrize(
    ("stamp", "utc_offset"),
    [("2026-06-18 15:57:30", timedelta(hours=2)), ("2026-01-05 08:00:00", timedelta(hours=1))],
)
def test_updated_at_is_swiss_local_time(h: Harness, stamp: str, utc_offset: timedelta) -> None:
    h.router.get("/2.0/kb_invoice/194").mock(
        return_value=httpx.Response(200, json={**INVOICE, "updated_at": stamp})
    )
    updated = h.client.show_invoice(194).updated_at
    assert updated is not None
    assert updated.tzinfo == ZoneInfo("Europe/Zurich")
    assert updated.utcoffset() == utc_offset
    assert updated == datetime.fromisoformat(stamp.replace(" ", "T")).replace(
        tzinfo=ZoneInfo("Europe/Zurich")
    )


def test_the_rounding_step_is_exact_although_bexio_sends_a_json_number(h: Harness) -> None:
    h.router.get("/3.0/currencies").mock(
        return_value=httpx.Response(
            200,
            content=b'[{"id":1,"name":"CHF","round_factor":0.05},{"id":2,"name":"EUR","round_factor":0.01}]',
        )
    )
    assert h.client.rounding() == {"CHF": Decimal("0.05"), "EUR": Decimal("0.01")}
    assert str(h.client.rounding()["CHF"]) == "0.05"


def test_create_reminder_posts_an_empty_object_and_returns_what_bexio_computed(h: Harness) -> None:
    route = h.router.post(REMINDERS).mock(return_value=httpx.Response(201, json=REMINDER))
    reminder = h.client.create_reminder(194)
    assert (reminder.id, reminder.reminder_level, reminder.is_valid_to) == (67, 1, date(2026, 7, 1))
    assert reminder.remaining_price == Decimal("100")
    request = route.calls.last.request
    assert request.content == b"{}"
    assert request.headers["Content-Type"] == "application/json"


def test_send_posts_the_three_fields(h: Harness) -> None:
    route = h.router.post(f"{REMINDERS}/67/send").mock(
        return_value=httpx.Response(200, json={"success": True})
    )
    h.client.send_reminder(
        194,
        67,
        recipient_email="kunde@example.ch",
        subject="Zahlungserinnerung RE-00194",
        message="Guten Tag [Network Link]",
    )
    assert json.loads(route.calls.last.request.content) == {
        "recipient_email": "kunde@example.ch",
        "subject": "Zahlungserinnerung RE-00194",
        "message": "Guten Tag [Network Link]",
    }


@pytest.mark.parametrize("message", ["Guten Tag", "Guten Tag [network link]", "[Network-Link]"])
def test_send_without_the_placeholder_is_refused_before_any_request(
    h: Harness, message: str
) -> None:
    with pytest.raises(ValueError, match=r"\[Network Link\]"):
        h.client.send_reminder(194, 67, recipient_email="a@b.ch", subject="s", message=message)
    assert h.client.request_count == 0
    assert not h.router.calls


def test_the_reminder_pdf_is_decoded(h: Harness) -> None:
    pdf = b"%PDF-1.7\n...%%EOF"
    h.router.get(f"{REMINDERS}/67/pdf").mock(
        return_value=httpx.Response(
            200,
            json={
                "name": "zahlungserinnerung-re-00194.pdf",
                "size": len(pdf),
                "mime": "application/pdf",
                "content": base64.b64encode(pdf).decode(),
            },
        )
    )
    assert h.client.reminder_pdf(194, 67) == pdf


def test_a_pdf_that_is_not_base64_is_a_bad_response(h: Harness) -> None:
    h.router.get(f"{REMINDERS}/67/pdf").mock(
        return_value=httpx.Response(200, json={"content": "%PDF-1.7!"})
    )
    with pytest.raises(BadResponseError, match="not base64"):
        h.client.reminder_pdf(194, 67)


def test_reminder_actions_hit_their_paths(h: Harness) -> None:
    ok = httpx.Response(200, json={"success": True})
    routes = {
        "list": h.router.get(REMINDERS).mock(return_value=httpx.Response(200, json=[REMINDER])),
        "show": h.router.get(f"{REMINDERS}/67").mock(
            return_value=httpx.Response(200, json=REMINDER)
        ),
        "sent": h.router.post(f"{REMINDERS}/67/mark_as_sent").mock(return_value=ok),
        "delete": h.router.delete(f"{REMINDERS}/67").mock(return_value=ok),
        "unpaid": h.router.post("/ext/kb_invoice/194/mark_unpaid").mock(return_value=ok),
    }
    assert [r.id for r in h.client.list_reminders(194)] == [67]
    assert h.client.show_reminder(194, 67).title == "Zahlungserinnerung"
    h.client.mark_reminder_sent(194, 67)
    h.client.delete_reminder(194, 67)
    h.client.mark_unpaid(194)
    assert {name: route.call_count for name, route in routes.items()} == dict.fromkeys(routes, 1)
    assert h.client.request_count == 5


def test_contacts_and_lookups_are_fetched_once_per_client(h: Harness) -> None:
    contact: dict[str, Any] = {
        "id": 3,
        "contact_type_id": 1,
        "name_1": "Muster AG",
        "language_id": 1,
    }
    contact_route = h.router.get("/2.0/contact/3").mock(
        return_value=httpx.Response(200, json=contact)
    )
    lang_route = h.router.get("/2.0/language").mock(
        return_value=httpx.Response(200, json=[{"id": 1, "name": "Deutsch", "iso_639_1": "de"}])
    )
    cur_route = h.router.get("/3.0/currencies").mock(
        return_value=httpx.Response(200, json=[{"id": 1, "name": "CHF", "round_factor": "0.05"}])
    )
    country_route = h.router.get("/2.0/country").mock(return_value=httpx.Response(200, json=[]))
    first = h.client.fetch_contact(3)
    for _ in range(3):
        again = h.client.fetch_contact(3)
        assert again.name == "Muster AG" and again.language == "de"
        assert again is first  # mapped once: a customer's invoices share it
        h.client.languages()
        h.client.currencies()
    calls = (contact_route, lang_route, cur_route, country_route)
    assert [route.call_count for route in calls] == [1, 1, 1, 1]


def test_a_client_keeps_only_the_contacts_it_used_last(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "CONTACTS_KEPT", 2)
    routes = {
        i: h.router.get(f"/2.0/contact/{i}").mock(
            return_value=httpx.Response(
                200, json={"id": i, "contact_type_id": 1, "name_1": f"Kunde {i}", "language_id": 1}
            )
        )
        for i in (1, 2, 3)
    }
    h.router.get("/2.0/language").mock(return_value=httpx.Response(200, json=[]))
    h.router.get("/2.0/country").mock(return_value=httpx.Response(200, json=[]))
    for contact_id in (1, 2, 1, 3, 1, 2):
        assert h.client.fetch_contact(contact_id).name == f"Kunde {contact_id}"
    # 1 stays (used again before 3 came); 2 went when 3 came, so it is read again.
    assert [routes[i].call_count for i in (1, 2, 3)] == [1, 2, 1]
