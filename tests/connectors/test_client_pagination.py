"""Listing and searching invoices: offset pagination, its stop rule, and refusing a loop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from connectors import BadResponseError, BexioClient

BASE = "https://api.bexio.com"


def invoice(invoice_id: int, **fields: Any) -> dict[str, Any]:
    data = {
        "id": invoice_id,
        "document_nr": f"RE-{invoice_id:05d}",
        "title": None,
        "contact_id": 1,
        "contact_sub_id": None,
        "currency_id": 1,
        "language_id": 1,
        "kb_item_status_id": 8,
        "total": "100.000000",
        "total_remaining_payments": "100.0000",
        "is_valid_from": "2026-06-01",
        "is_valid_to": "2026-06-30",
        "updated_at": "2026-06-18 15:57:30",
        "api_reference": None,
        "reference": "",
    }
    data.update(fields)
    return data


def paged(invoices: list[dict[str, Any]]) -> Any:
    """A handler that serves `invoices` by limit/offset, as bexio does."""

    def handler(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params["limit"])
        offset = int(request.url.params["offset"])
        return httpx.Response(200, json=invoices[offset : offset + limit])

    return handler


@pytest.fixture
def router() -> Iterator[respx.Router]:
    yield respx.Router(base_url=BASE)


def client(router: respx.Router, page_size: int = 2) -> BexioClient:
    return BexioClient(
        BASE,
        "secret-token",
        transport=httpx.MockTransport(router.handler),
        page_size=page_size,
        sleep=lambda s: None,
    )


def test_pages_through_every_invoice_and_stops_on_the_short_page(router: respx.Router) -> None:
    route = router.get("/2.0/kb_invoice").mock(side_effect=paged([invoice(i) for i in range(1, 6)]))
    with client(router) as bexio:
        ids = [inv.id for inv in bexio.iter_invoices()]
    assert ids == [1, 2, 3, 4, 5]
    offsets = [call.request.url.params["offset"] for call in route.calls]
    assert offsets == ["0", "2", "4"]
    assert {call.request.url.params["limit"] for call in route.calls} == {"2"}
    assert {call.request.url.params["order_by"] for call in route.calls} == {"id"}


def test_an_exactly_full_last_page_costs_one_empty_page(router: respx.Router) -> None:
    route = router.get("/2.0/kb_invoice").mock(side_effect=paged([invoice(i) for i in range(1, 5)]))
    with client(router) as bexio:
        assert [inv.id for inv in bexio.iter_invoices()] == [1, 2, 3, 4]
    assert route.call_count == 3


def test_a_server_that_ignores_the_offset_is_refused_instead_of_looping(
    router: respx.Router,
) -> None:
    router.get("/2.0/kb_invoice").mock(
        return_value=httpx.Response(200, json=[invoice(1), invoice(2)])
    )
    with (
        client(router) as bexio,
        pytest.raises(BadResponseError, match="only items already listed") as err,
    ):
        list(bexio.iter_invoices())
    assert "GET /2.0/kb_invoice" in str(err.value)


def test_a_row_repeated_by_a_moving_listing_is_read_once(router: respx.Router) -> None:
    # Invoice 0 becomes open after the first page: the second page starts one row earlier.
    pages = {"0": [invoice(1), invoice(2)], "2": [invoice(2), invoice(3)], "4": [invoice(4)]}
    router.get("/2.0/kb_invoice").mock(
        side_effect=lambda request: httpx.Response(200, json=pages[request.url.params["offset"]])
    )
    with client(router) as bexio:
        assert [inv.id for inv in bexio.iter_invoices()] == [1, 2, 3, 4]


def test_criteria_turn_the_listing_into_a_search(router: respx.Router) -> None:
    route = router.post("/2.0/kb_invoice/search").mock(side_effect=paged([invoice(7)]))
    criteria = [{"field": "contact_id", "value": 3, "criteria": "="}]
    with client(router) as bexio:
        found = list(bexio.iter_invoices(criteria, order_by="updated_at_desc"))
    assert [inv.id for inv in found] == [7]
    request = route.calls.last.request
    assert json.loads(request.content) == criteria
    assert request.url.params["order_by"] == "updated_at_desc"


def test_open_invoices_searches_pending_and_partial(router: respx.Router) -> None:
    route = router.post("/2.0/kb_invoice/search").mock(
        side_effect=paged([invoice(1), invoice(2, kb_item_status_id=16)])
    )
    with client(router, page_size=2000) as bexio:
        found = bexio.open_invoices()
    assert [inv.kb_item_status_id for inv in found] == [8, 16]
    assert json.loads(route.calls.last.request.content) == [
        {"field": "kb_item_status_id", "value": [8, 16], "criteria": "in"}
    ]
    assert route.calls.last.request.url.params["limit"] == "2000"


def test_invoices_by_ids_covers_every_id_in_search_sized_chunks(router: respx.Router) -> None:
    asked: list[list[int]] = []

    def search(request: httpx.Request) -> httpx.Response:
        (criterion,) = json.loads(request.content)
        assert criterion["field"] == "id" and criterion["criteria"] == "in"
        asked.append(criterion["value"])
        return httpx.Response(200, json=[invoice(i) for i in criterion["value"] if i % 10])

    router.post("/2.0/kb_invoice/search").mock(side_effect=search)
    ids = list(range(100_000, 100_300)) + [100_005]  # a duplicate is asked for once
    with client(router, page_size=2000) as bexio:
        found = bexio.invoices_by_ids(ids)
    assert sorted(i for chunk in asked for i in chunk) == list(range(100_000, 100_300))
    assert all(len(json.dumps(chunk)) <= 255 for chunk in asked)
    assert len(asked) > 1
    assert {inv.id for inv in found} == {i for i in range(100_000, 100_300) if i % 10}


def test_page_size_above_the_api_maximum_is_refused() -> None:
    with pytest.raises(ValueError, match="page_size"):
        BexioClient(BASE, "t", page_size=2001)
