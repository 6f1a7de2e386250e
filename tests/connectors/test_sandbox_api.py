"""The sandbox behaves like bexio over loopback HTTP: auth, lists, money, reminders, payments."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from connectors.sandbox import SandboxConfig, SandboxURL, running_sandbox
from dunning.letters.qrpay import format_reference

TODAY = date(2026, 11, 30)
CONFIG = SandboxConfig(invoices=200, seed=7, today=TODAY, levels=3)
HEADERS = {"Authorization": f"Bearer {CONFIG.token}", "Accept": "application/json"}
_taken: set[int] = set()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxURL]:
    with running_sandbox(CONFIG) as url:
        yield url


@pytest.fixture
def api(sandbox: SandboxURL) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox, headers=HEADERS, timeout=10) as client:
        yield client


def take(sandbox: SandboxURL, status: int, level: int = 0) -> dict[str, Any]:
    """An invoice no other test has used, with this status and reminder level."""
    for invoice in sandbox.state.invoice_list:
        reminders = sandbox.state.reminders.get(invoice["id"], [])
        current = max((r["reminder_level"] for r in reminders), default=0)
        free = invoice["id"] not in _taken
        if invoice["kb_item_status_id"] == status and current == level and free:
            _taken.add(invoice["id"])
            return invoice
    raise AssertionError(f"no free invoice in status {status} at level {level}")


def test_a_request_without_the_right_token_is_401(sandbox: SandboxURL) -> None:
    for headers in (
        {"Accept": "application/json"},
        {"Accept": "application/json", "Authorization": "Bearer wrong"},
    ):
        response = httpx.get(f"{sandbox}/2.0/kb_invoice", headers=headers)
        assert response.status_code == 401
        assert response.json()["error_code"] == 401
        assert response.json()["message"]


def test_a_request_without_accept_json_is_415(sandbox: SandboxURL) -> None:
    auth = {"Authorization": HEADERS["Authorization"]}
    for headers in (auth, {**auth, "Accept": "text/html"}):
        response = httpx.get(f"{sandbox}/2.0/kb_invoice", headers=headers)
        assert response.status_code == 415
        assert response.json()["error_code"] == 415


def test_pages_reach_every_invoice_once(api: httpx.Client) -> None:
    seen: list[int] = []
    offset = 0
    while True:
        page = api.get("/2.0/kb_invoice", params={"limit": 37, "offset": offset}).json()
        assert isinstance(page, list)
        seen += [invoice["id"] for invoice in page]
        if len(page) < 37:
            break
        offset += 37
    assert sorted(seen) == seen and len(set(seen)) == CONFIG.invoices
    everything = api.get("/2.0/kb_invoice").json()  # default limit 500 covers all 200
    open_ids = {i["id"] for i in everything if i["kb_item_status_id"] in (8, 16)}
    assert open_ids and open_ids <= set(seen)
    assert "x-total-count" not in {k.lower() for k in api.get("/2.0/kb_invoice").headers}


def test_money_is_a_decimal_string_with_six_or_four_decimals(api: httpx.Client) -> None:
    for invoice in api.get("/2.0/kb_invoice").json():
        for field in ("total", "total_gross", "total_net", "total_received_payments"):
            assert re.fullmatch(r"\d+\.\d{6}", invoice[field]), (field, invoice[field])
        assert re.fullmatch(r"\d+\.\d{4}", invoice["total_remaining_payments"])
        remaining = Decimal(invoice["total"]) - Decimal(invoice["total_received_payments"])
        assert Decimal(invoice["total_remaining_payments"]) == remaining


def test_search_combines_criteria_and_refuses_unknown_fields(api: httpx.Client) -> None:
    criteria = [
        {"field": "kb_item_status_id", "value": [8, 16], "criteria": "in"},
        {"field": "is_valid_to", "value": TODAY.isoformat(), "criteria": "<"},
    ]
    found = api.post("/2.0/kb_invoice/search", json=criteria).json()
    expected = [
        i["id"]
        for i in api.get("/2.0/kb_invoice").json()
        if i["kb_item_status_id"] in (8, 16) and i["is_valid_to"] < TODAY.isoformat()
    ]
    assert [i["id"] for i in found] == expected and expected
    bad_field = api.post("/2.0/kb_invoice/search", json=[{"field": "secret", "value": "1"}])
    bad_criteria = api.post(
        "/2.0/kb_invoice/search", json=[{"field": "id", "value": "1", "criteria": "roughly"}]
    )
    for response in (bad_field, bad_criteria):
        assert response.status_code == 422 and response.json()["errors"]


def test_an_unknown_invoice_is_404(api: httpx.Client) -> None:
    response = api.get("/2.0/kb_invoice/999999")
    assert response.status_code == 404
    assert response.json() == {"error_code": 404, "message": "Page not found"}


def test_reminders_climb_one_level_at_a_time_until_the_last(
    api: httpx.Client, sandbox: SandboxURL
) -> None:
    invoice_id = take(sandbox, status=8)["id"]
    path = f"/2.0/kb_invoice/{invoice_id}/kb_reminder"
    expected = [(1, "Zahlungserinnerung", 14), (2, "1. Mahnung", 10), (3, "2. Mahnung", 10)]
    for level, title, period in expected:
        # the body is ignored, as bexio ignores it
        created = api.post(path, json={"title": "mine", "is_valid_to": "2030-01-01"})
        assert created.status_code == 201
        reminder = created.json()
        assert (reminder["reminder_level"], reminder["title"]) == (level, title)
        assert reminder["is_valid_from"] == TODAY.isoformat()
        assert reminder["is_valid_to"] == (TODAY + timedelta(days=period - 1)).isoformat()
        assert reminder["is_sent"] is False
    refused = api.post(path)
    assert refused.status_code == 400 and refused.json()["error_code"] == 400
    assert [r["reminder_level"] for r in api.get(path).json()] == [1, 2, 3]


@pytest.mark.parametrize("status", [7, 9, 19, 31])
def test_no_reminder_on_an_invoice_that_is_not_open(
    api: httpx.Client, sandbox: SandboxURL, status: int
) -> None:
    invoice = next(i for i in sandbox.state.invoice_list if i["kb_item_status_id"] == status)
    response = api.post(f"/2.0/kb_invoice/{invoice['id']}/kb_reminder")
    assert response.status_code == 400


def test_only_the_latest_reminder_can_be_deleted(api: httpx.Client, sandbox: SandboxURL) -> None:
    path = f"/2.0/kb_invoice/{take(sandbox, status=8)['id']}/kb_reminder"
    first, second = api.post(path).json(), api.post(path).json()
    assert api.delete(f"{path}/{first['id']}").status_code == 400
    assert api.delete(f"{path}/{second['id']}").json() == {"success": True}
    assert [r["id"] for r in api.get(path).json()] == [first["id"]]


def test_send_needs_the_network_link_and_marks_the_reminder_sent(
    api: httpx.Client, sandbox: SandboxURL
) -> None:
    path = f"/2.0/kb_invoice/{take(sandbox, status=8)['id']}/kb_reminder"
    reminder = api.post(path).json()
    body = {
        "recipient_email": "kunde@example.com",
        "subject": "Zahlungserinnerung",
        "message": "Guten Tag, bitte bezahlen Sie.",
    }
    refused = api.post(f"{path}/{reminder['id']}/send", json=body)
    assert refused.status_code == 422
    assert "missing_network_placeholder" in refused.json()["errors"][0]
    assert api.get(f"{path}/{reminder['id']}").json()["is_sent"] is False
    sent = api.post(
        f"{path}/{reminder['id']}/send", json={**body, "message": "Guten Tag. [Network Link]"}
    )
    assert sent.json() == {"success": True}
    assert api.get(f"{path}/{reminder['id']}").json()["is_sent"] is True
    api.post(f"{path}/{reminder['id']}/mark_as_unsent")
    assert api.get(f"{path}/{reminder['id']}").json()["is_sent"] is False


def test_a_reminder_pdf_is_a_real_pdf_named_after_the_document(
    api: httpx.Client, sandbox: SandboxURL
) -> None:
    invoice = take(sandbox, status=8)
    path = f"/2.0/kb_invoice/{invoice['id']}/kb_reminder"
    reminder = api.post(path).json()
    pdf = api.get(f"{path}/{reminder['id']}/pdf").json()
    content = base64.b64decode(pdf["content"])
    assert pdf["mime"] == "application/pdf" and pdf["size"] == len(content)
    assert re.fullmatch(r"zahlungserinnerung-[a-z0-9-]+\.pdf", pdf["name"])
    pages = PdfReader(io.BytesIO(content)).pages
    assert len(pages) == 1 and invoice["document_nr"] in pages[0].extract_text()


def test_a_reminder_pdf_shows_the_reminder_and_logopaper_adds_the_letterhead(
    api: httpx.Client, sandbox: SandboxURL
) -> None:
    invoice = take(sandbox, status=8)
    path = f"/2.0/kb_invoice/{invoice['id']}/kb_reminder"
    reminder = api.post(path).json()

    def text(logopaper: int) -> str:
        pdf = api.get(f"{path}/{reminder['id']}/pdf", params={"logopaper": logopaper}).json()
        page = PdfReader(io.BytesIO(base64.b64decode(pdf["content"]))).pages[0]
        return " ".join(page.extract_text().split())

    plain, headed = text(0), text(1)
    for shown in (
        reminder["title"],
        date.fromisoformat(reminder["is_valid_from"]).strftime("%d.%m.%Y"),
        date.fromisoformat(reminder["is_valid_to"]).strftime("%d.%m.%Y"),
        invoice["document_nr"],
        invoice["contact_address"].split("\n")[0],
        f"{Decimal(reminder['remaining_price']):,.2f}".replace(",", "'"),
        format_reference(sandbox.state.qr_reference(invoice["id"])),
    ):
        assert shown in plain and shown in headed, shown
    assert "Muster AG" in headed and "Muster AG" not in plain
    refused = api.get(f"{path}/{reminder['id']}/pdf", params={"logopaper": 2})
    assert refused.status_code == 422


def test_payments_move_an_invoice_to_partial_then_paid(
    api: httpx.Client, sandbox: SandboxURL
) -> None:
    invoice = take(sandbox, status=8)
    path = f"/2.0/kb_invoice/{invoice['id']}"
    total = Decimal(invoice["total"])
    part = (total / 2).quantize(Decimal("0.05"))
    first = api.post(f"{path}/payment", json={"date": "2026-11-29", "value": str(part)})
    assert first.status_code == 201 and Decimal(first.json()["value"]) == part
    after = api.get(path).json()
    assert after["kb_item_status_id"] == 16
    assert Decimal(after["total_remaining_payments"]) == total - part
    too_much = api.post(f"{path}/payment", json={"value": str(total)})
    assert too_much.status_code == 422
    api.post(f"{path}/payment", json={"value": str(total - part)})
    paid = api.get(path).json()
    assert paid["kb_item_status_id"] == 9 and Decimal(paid["total_remaining_payments"]) == 0
    api.delete(f"{path}/payment/{first.json()['id']}")
    assert api.get(path).json()["kb_item_status_id"] == 16


def test_the_unpaid_extension_writes_off_open_invoices_only(
    api: httpx.Client, sandbox: SandboxURL
) -> None:
    invoice_id = take(sandbox, status=8)["id"]
    assert api.post(f"/ext/kb_invoice/{invoice_id}/mark_unpaid").json() == {"success": True}
    assert api.get(f"/2.0/kb_invoice/{invoice_id}").json()["kb_item_status_id"] == 31
    assert api.post(f"/ext/kb_invoice/{invoice_id}/mark_unpaid").status_code == 400


def test_lookups_have_bexio_ids(api: httpx.Client) -> None:
    languages = {lang["id"]: lang["iso_639_1"] for lang in api.get("/2.0/language").json()}
    assert [languages[i] for i in (1, 2, 3, 4)] == ["de", "fr", "it", "en"]
    currencies = api.get("/3.0/currencies")
    assert currencies.headers["X-Total-Count"] == str(len(currencies.json()))
    assert currencies.json()[0] == {"id": 1, "name": "CHF", "round_factor": 0.05}
    countries = {c["iso_3166_alpha2"] for c in api.get("/2.0/country").json()}
    assert {"CH", "DE", "FR", "IT"} <= countries
    contacts = api.get("/2.0/contact", params={"limit": 3}).json()
    assert len(contacts) == 3
    assert api.get(f"/2.0/contact/{contacts[0]['id']}").json()["name_1"] == contacts[0]["name_1"]


def test_a_colleague_reminder_shows_in_the_api_and_admin_needs_the_token(
    api: httpx.Client, sandbox: SandboxURL
) -> None:
    invoice_id = take(sandbox, status=16)["id"]
    made = api.post(f"/_sandbox/kb_invoice/{invoice_id}/reminder").json()
    listed = api.get(f"/2.0/kb_invoice/{invoice_id}/kb_reminder").json()
    assert [r["id"] for r in listed] == [made["id"]]
    assert made["id"] in {r["id"] for r in api.get("/_sandbox/reminders").json()}
    assert api.get("/_sandbox/stats").json()["reminders_created_admin"] >= 1
    assert httpx.get(f"{sandbox}/_sandbox/reminders").status_code == 401


def test_only_the_most_recent_reminder_can_be_deleted(
    sandbox: SandboxURL, api: httpx.Client
) -> None:
    invoice = take(sandbox, 8, level=2)
    path = f"/2.0/kb_invoice/{invoice['id']}/kb_reminder"
    first, latest = sorted(api.get(path).json(), key=lambda r: r["reminder_level"])
    refused = api.delete(f"{path}/{first['id']}")
    assert refused.status_code == 400
    assert "most recent" in refused.json()["message"]
    assert len(api.get(path).json()) == 2
    assert api.delete(f"{path}/{latest['id']}").json() == {"success": True}
    assert [r["id"] for r in api.get(path).json()] == [first["id"]]
    assert api.delete(f"{path}/{first['id']}").json() == {"success": True}  # now the latest
    assert api.get(path).json() == []


def test_an_invoice_changed_behind_the_api_answers_as_changed() -> None:
    # Tests change the account in process to make bexio answer oddly; the answer must be
    # what bexio's object with that change would be, field order included.
    with (
        running_sandbox(SandboxConfig(invoices=12, seed=7, today=TODAY)) as url,
        httpx.Client(base_url=url, headers=HEADERS, timeout=10) as api,
    ):
        invoice = url.state.invoices[3]
        before = api.get("/2.0/kb_invoice/3").json()
        invoice["esr_id"] = 7  # a field the account derives from the slip number
        invoice["document_nr"] = "RE-X"
        invoice["note"] = "not bexio's"
        changed = api.get("/2.0/kb_invoice/3").json()
        assert list(changed) == [*list(before)[:-1], "note", "positions"]
        assert changed == {**before, "esr_id": 7, "document_nr": "RE-X", "note": "not bexio's"}
        assert changed["qr_invoice_id"] == before["qr_invoice_id"]
        invoice.pop("is_valid_to")
        assert "is_valid_to" not in api.get("/2.0/kb_invoice/3").json()
        invoice["is_valid_to"] = "2026-01-31"
        listed = api.post(
            "/2.0/kb_invoice/search", json=[{"field": "id", "value": [3], "criteria": "in"}]
        ).json()
        assert list(listed[0])[-2:] == ["note", "is_valid_to"]
        assert listed[0]["is_valid_to"] == "2026-01-31" and listed[0]["esr_id"] == 7


def test_a_search_by_ids_finds_what_the_whole_listing_holds(api: httpx.Client) -> None:
    everything = api.get("/2.0/kb_invoice", params={"limit": 2000}).json()
    wanted = [5, 9, 12, 40, 41, 150, 9999]
    body = [
        {"field": "id", "value": [*map(str, wanted[:3]), *wanted[3:], None], "criteria": "in"},
        {"field": "total", "value": "300", "criteria": ">"},
    ]
    expected = [i for i in everything if i["id"] in wanted and Decimal(i["total"]) > 300]
    found = api.post("/2.0/kb_invoice/search", params={"order_by": "id"}, json=body).json()
    assert found == expected and expected
    by_total = api.post("/2.0/kb_invoice/search", params={"order_by": "total_desc"}, json=body)
    assert [i["id"] for i in by_total.json()] == [
        i["id"] for i in sorted(expected, key=lambda i: -Decimal(i["total"]))
    ]
    one = [{"field": "id", "value": "40", "criteria": "equal"}]
    assert api.post("/2.0/kb_invoice/search", json=one).json() == [everything[39]]
