"""The token stays secret, TLS stays on, and every request carries the headers bexio requires."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors import BexioClient, ConnectorError

BASE = "https://api.bexio.com"
TOKEN = "eyJhbGciOi.SUPERSECRET-payload.sig"


def failing_client(router: respx.Router) -> BexioClient:
    return BexioClient(
        BASE,
        SecretStr(TOKEN),
        transport=httpx.MockTransport(router.handler),
        max_attempts=2,
        sleep=lambda s: None,
    )


def test_the_token_appears_in_no_repr_error_or_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    router = respx.Router(base_url=BASE)
    # Even an API that echoes the token back must not get it into our messages.
    router.get("/2.0/contact/1").mock(
        return_value=httpx.Response(
            401, json={"error_code": 401, "message": f"invalid token {TOKEN}"}
        )
    )
    router.get("/2.0/contact/2").mock(return_value=httpx.Response(503, text=TOKEN))
    router.get("/2.0/contact/3").mock(side_effect=httpx.ConnectError(f"failed {TOKEN}"))
    router.get("/2.0/contact/4").mock(return_value=httpx.Response(200, text="{not json"))
    router.get("/2.0/contact/5").mock(return_value=httpx.Response(200, json={"id": TOKEN}))
    router.get("/2.0/contact/6").mock(return_value=httpx.Response(429, text=TOKEN))
    errors: list[ConnectorError] = []
    with failing_client(router) as bexio:
        assert TOKEN not in repr(bexio) and TOKEN not in str(bexio)
        for contact_id in range(1, 7):
            with pytest.raises(ConnectorError) as caught:
                bexio.fetch_contact(contact_id)
            errors.append(caught.value)
    assert len(errors) == 6
    for error in errors:
        assert TOKEN not in str(error) and TOKEN not in repr(error)
        assert "SUPERSECRET" not in str(error)
    assert caplog.records, "retries should have been logged"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()


def test_every_request_carries_accept_and_bearer_headers() -> None:
    router = respx.Router(base_url=BASE)
    route = router.get("/2.0/language").mock(return_value=httpx.Response(200, json=[]))
    with BexioClient(BASE, TOKEN, transport=httpx.MockTransport(router.handler)) as bexio:
        bexio.languages()
    headers = route.calls.last.request.headers
    assert headers["Accept"] == "application/json"
    assert headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_post_without_body_declares_an_empty_one() -> None:
    # bexio answers 411 to a POST without Content-Length.
    router = respx.Router(base_url=BASE)
    route = router.post("/2.0/kb_invoice/1/kb_reminder/2/mark_as_sent").mock(
        return_value=httpx.Response(200, json={"success": True})
    )
    with BexioClient(BASE, TOKEN, transport=httpx.MockTransport(router.handler)) as bexio:
        bexio.mark_reminder_sent(1, 2)
    assert route.calls.last.request.headers["Content-Length"] == "0"


@pytest.mark.parametrize(
    "url", ["https://api.bexio.com", "http://10.0.0.5:8765", "http://example.ch"]
)
def test_tls_verification_cannot_be_turned_off_for_a_remote_host(url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        BexioClient(url, TOKEN, verify=False)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:8765",
        "https://127.8.9.10",
        "https://localhost:9000",
        "https://[::1]:8765",
    ],
)
def test_tls_verification_may_be_turned_off_for_loopback(url: str) -> None:
    BexioClient(url, TOKEN, verify=False).close()
