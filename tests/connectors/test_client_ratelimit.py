"""Rate limits: waiting out a 429, and pacing so that a long run does not meet one."""

from __future__ import annotations

import httpx
import pytest
import respx

from connectors import BexioClient, RateLimitedError
from connectors.ratelimit import GENERAL, HEAVY, bucket_of
from tests.support.clock import ManualClock

BASE = "https://api.bexio.com"
LANGS = "/2.0/language"
REMINDERS = "/2.0/kb_invoice/5/kb_reminder"
REMINDER = {
    "id": 67,
    "kb_invoice_id": 5,
    "reminder_level": 1,
    "is_valid_from": "2026-06-18",
    "is_valid_to": "2026-07-01",
    "is_sent": False,
}


def limited(
    status: int, remaining: int, reset: int, limit: int = 1000, json: object = None
) -> httpx.Response:
    headers = {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(reset),
    }
    body = {"error_code": 429, "message": "Too Many Requests"} if status == 429 else json
    return httpx.Response(status, headers=headers, json=body)


@pytest.fixture
def time_() -> ManualClock:
    """A clock that only moves when the client sleeps."""
    return ManualClock(1_000.0)


@pytest.fixture
def router() -> respx.Router:
    return respx.Router(base_url=BASE)


def make(router: respx.Router, time_: ManualClock) -> BexioClient:
    return BexioClient(
        BASE,
        "tok",
        transport=httpx.MockTransport(router.handler),
        sleep=time_.sleep,
        clock=time_,
    )


def test_a_429_waits_until_the_window_resets_then_succeeds(
    router: respx.Router, time_: ManualClock
) -> None:
    route = router.get(LANGS).mock(
        side_effect=[
            limited(429, 0, 42),
            limited(200, 999, 59, json=[{"id": 1, "name": "Deutsch", "iso_639_1": "de"}]),
        ]
    )
    languages = make(router, time_).languages()
    assert [lang.iso_639_1 for lang in languages] == ["de"]
    assert route.call_count == 2
    assert len(time_.sleeps) == 1 and 42 <= time_.sleeps[0] <= 44


def test_a_429_on_a_write_is_repeated_because_nothing_was_done(
    router: respx.Router, time_: ManualClock
) -> None:
    route = router.post(REMINDERS).mock(
        side_effect=[limited(429, 0, 10), limited(201, 998, 9, json=REMINDER)]
    )
    assert make(router, time_).create_reminder(5).id == 67
    assert route.call_count == 2


def test_without_headers_a_429_still_waits_a_whole_window(
    router: respx.Router, time_: ManualClock
) -> None:
    router.get(REMINDERS).mock(side_effect=[httpx.Response(429), httpx.Response(200, json=[])])
    assert make(router, time_).list_reminders(5) == []
    assert time_.sleeps and time_.sleeps[0] >= 60


def test_gives_up_after_ten_429s_in_a_row(router: respx.Router, time_: ManualClock) -> None:
    route = router.get(REMINDERS).mock(return_value=limited(429, 0, 30))
    with pytest.raises(RateLimitedError, match=f"^GET {REMINDERS}: 429 Too Many Requests"):
        make(router, time_).list_reminders(5)
    assert route.call_count == 10


def test_requests_are_spread_out_when_the_budget_runs_low(
    router: respx.Router, time_: ManualClock
) -> None:
    # 5 requests left of 100 with 30 s to go: one request every 6 s keeps clear of 429.
    router.get(REMINDERS).mock(return_value=limited(200, 5, 30, limit=100, json=[]))
    bexio = make(router, time_)
    bexio.list_reminders(5)
    assert time_.sleeps == []
    bexio.list_reminders(5)
    assert time_.sleeps == [pytest.approx(6.0)]


def test_no_pause_while_the_budget_is_ample(router: respx.Router, time_: ManualClock) -> None:
    router.get(REMINDERS).mock(return_value=limited(200, 500, 30, json=[]))
    bexio = make(router, time_)
    for _ in range(5):
        bexio.list_reminders(5)
    assert time_.sleeps == []


def test_an_empty_budget_waits_for_the_next_window_before_asking(
    router: respx.Router, time_: ManualClock
) -> None:
    route = router.get(REMINDERS).mock(return_value=limited(200, 0, 20, json=[]))
    bexio = make(router, time_)
    bexio.list_reminders(5)
    bexio.list_reminders(5)
    assert route.call_count == 2
    assert len(time_.sleeps) == 1 and 20 <= time_.sleeps[0] <= 22


def test_the_heavy_bucket_does_not_slow_ordinary_calls(
    router: respx.Router, time_: ManualClock
) -> None:
    router.post("/2.0/kb_invoice/search").mock(return_value=limited(200, 0, 50, limit=250, json=[]))
    router.get(REMINDERS).mock(return_value=limited(200, 900, 50, json=[]))
    bexio = make(router, time_)
    bexio.open_invoices()
    bexio.list_reminders(5)
    assert time_.sleeps == []
    bexio.open_invoices()
    assert len(time_.sleeps) == 1 and time_.sleeps[0] >= 50


@pytest.mark.parametrize(
    ("method", "path", "bucket"),
    [
        ("POST", "/2.0/kb_invoice/search", HEAVY),
        ("POST", "/2.0/contact/search", HEAVY),
        ("GET", "/2.0/kb_invoice/5/kb_reminder/67/pdf", HEAVY),
        ("GET", "/2.0/kb_invoice/5/pdf", HEAVY),
        ("POST", "/2.0/kb_invoice/5/kb_reminder/search", GENERAL),
        ("GET", "/2.0/kb_invoice", GENERAL),
        ("POST", "/2.0/kb_invoice/5/kb_reminder", GENERAL),
        ("GET", "/3.0/currencies", GENERAL),
    ],
)
def test_buckets(method: str, path: str, bucket: str) -> None:
    assert bucket_of(method, path) == bucket
