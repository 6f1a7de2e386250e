"""Every failure surfaces as one of the connector's errors, with a readable message."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from connectors import (
    AuthError,
    BadResponseError,
    BexioClient,
    ConnectorError,
    NotFoundError,
    PermanentError,
    RejectedError,
    TransientError,
)

BASE = "https://api.bexio.com"
SHOW = "/2.0/kb_invoice/12"


def invoice(**fields: Any) -> dict[str, Any]:
    data = {
        "id": 12,
        "document_nr": "RE-00012",
        "contact_id": 1,
        "currency_id": 1,
        "kb_item_status_id": 8,
        "total": "100.000000",
        "total_remaining_payments": "100.0000",
        "is_valid_from": "2026-06-01",
        "is_valid_to": "2026-06-30",
        "updated_at": "2026-06-18 15:57:30",
    }
    data.update(fields)
    return data


def show_with(response: httpx.Response) -> ConnectorError:
    router = respx.Router(base_url=BASE)
    router.get(SHOW).mock(return_value=response)
    with (
        BexioClient(
            BASE,
            "tok",
            transport=httpx.MockTransport(router.handler),
            max_attempts=2,
            sleep=lambda s: None,
        ) as bexio,
        pytest.raises(ConnectorError) as caught,
    ):
        bexio.show_invoice(12)
    assert not isinstance(caught.value, httpx.HTTPError)
    return caught.value


def test_not_found_names_method_path_status_and_message() -> None:
    error = show_with(httpx.Response(404, json={"error_code": 404, "message": "Page not found"}))
    assert isinstance(error, NotFoundError) and isinstance(error, PermanentError)
    assert str(error) == "GET /2.0/kb_invoice/12: 404 Not Found: Page not found"
    assert (error.method, error.path, error.status) == ("GET", SHOW, 404)


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures(status: int) -> None:
    error = show_with(httpx.Response(status, json={"error_code": status, "message": "no"}))
    assert isinstance(error, AuthError)
    assert str(error).startswith(f"GET {SHOW}: {status} ")


@pytest.mark.parametrize("status", [400, 409, 411, 415])
def test_refusals_are_rejected_errors(status: int) -> None:
    error = show_with(
        httpx.Response(status, json={"error_code": status, "message": "refused here"})
    )
    assert isinstance(error, RejectedError)
    assert str(error).endswith(": refused here")


def test_validation_errors_carry_the_api_errors_array() -> None:
    key = "message: plugins.ibNetworkPlugin.i18n.form_module_network.error.missing_network_placeholder"
    error = show_with(httpx.Response(422, json={"error_code": 422, "errors": [key]}))
    assert isinstance(error, RejectedError)
    assert error.api_errors == (key,)
    assert str(error) == f"GET {SHOW}: 422 Unprocessable Entity: {key}"


def test_an_html_error_page_still_gives_a_clean_sentence() -> None:
    error = show_with(httpx.Response(418, text="<html>teapot</html>"))
    assert isinstance(error, PermanentError) and not isinstance(error, RejectedError)
    assert str(error) == f"GET {SHOW}: 418 I'm a teapot"


def test_a_server_error_is_transient() -> None:
    error = show_with(httpx.Response(500, json={"error_code": 500, "message": "boom"}))
    assert isinstance(error, TransientError)
    assert str(error) == f"GET {SHOW}: 500 Internal Server Error: boom"


def test_malformed_json_is_a_bad_response() -> None:
    error = show_with(httpx.Response(200, text='{"id": 12, "total": '))
    assert isinstance(error, BadResponseError)
    assert str(error) == f"GET {SHOW}: the answer is not valid JSON"


@pytest.mark.parametrize(
    ("fields", "field_name", "complaint"),
    [
        ({"total": None}, "total", "decimal string"),
        ({"id": "12"}, "id", "integer"),
        ({"total": Decimal("100.0")}, "total", "got a number"),  # a JSON float, see below
        ({"total_remaining_payments": 100}, "total_remaining_payments", "got a number"),
        ({"total": "a hundred"}, "total", "not a number"),
        ({"is_valid_to": "30.06.2026"}, "is_valid_to", "YYYY-MM-DD"),
        ({"updated_at": "2026-06-18T15:57:30Z"}, "updated_at", "HH:MM:SS"),
    ],
)
def test_mistyped_fields_are_bad_responses_naming_the_field(
    fields: dict[str, Any], field_name: str, complaint: str
) -> None:
    body = httpx.Response(200, content=_dumps(invoice(**fields)))
    error = show_with(body)
    assert isinstance(error, BadResponseError)
    assert str(error).startswith(f"GET {SHOW}: unexpected answer: field '{field_name}': ")
    assert complaint in str(error)


def test_a_missing_field_is_a_bad_response() -> None:
    data = invoice()
    del data["total_remaining_payments"]
    error = show_with(httpx.Response(200, json=data))
    assert isinstance(error, BadResponseError)
    assert "field 'total_remaining_payments': Field required" in str(error)


def test_a_json_float_for_money_is_refused_not_rounded() -> None:
    raw = _dumps(invoice()).replace(b'"total": "100.000000"', b'"total": 100.1')
    assert b'"total": 100.1' in raw
    error = show_with(httpx.Response(200, content=raw))
    assert isinstance(error, BadResponseError)
    assert "field 'total': expected a decimal string for money, got a number" in str(error)


def test_a_list_item_is_named_by_position() -> None:
    router = respx.Router(base_url=BASE)
    router.get("/2.0/kb_invoice").mock(
        return_value=httpx.Response(200, json=[invoice(id=1), invoice(id=2, kb_item_status_id="8")])
    )
    with BexioClient(BASE, "tok", transport=httpx.MockTransport(router.handler)) as bexio:
        with pytest.raises(BadResponseError, match=r"item 1, field 'kb_item_status_id'"):
            list(bexio.iter_invoices())


def _dumps(data: dict[str, Any]) -> bytes:
    """JSON with Decimal values written as JSON numbers (which is what a float looks like)."""

    def number(value: object) -> object:
        if isinstance(value, Decimal):
            return float(value)
        raise TypeError(value)

    return json.dumps(data, default=number).encode()
