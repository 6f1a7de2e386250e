"""Two calls in flight on one client: same answers, in order, and still no 429."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from connectors import BexioClient
from connectors.ratelimit import GENERAL, RateLimiter
from connectors.sandbox import SandboxConfig, running_sandbox

DAY = date(2026, 11, 30)


def test_parallel_reads_give_the_invoices_in_the_same_order_as_one_at_a_time() -> None:
    config = SandboxConfig(invoices=150, seed=5, today=DAY)
    with running_sandbox(config) as url, BexioClient(url, config.token) as bexio:
        parallel = bexio.fetch_open_invoices()
        one_by_one = [bexio.fetch_invoice(inv.id) for inv in parallel]
    assert len(parallel) >= 64  # enough to be read by two threads
    assert parallel == one_by_one


def test_two_requests_in_flight_never_overrun_the_rate_limit() -> None:
    config = SandboxConfig(
        invoices=100, seed=5, today=DAY, scenario="all_overdue", rate_limit=40, window_seconds=1
    )
    with running_sandbox(config) as url, BexioClient(url, config.token) as bexio:
        invoices = bexio.fetch_open_invoices()
        stats = httpx.get(
            f"{url}/_sandbox/stats", headers={"Authorization": f"Bearer {config.token}"}
        ).json()
    assert len(invoices) == 100
    assert stats.get("responses_429", 0) == 0


def test_a_request_still_in_flight_counts_against_what_the_server_says_is_left() -> None:
    now, slept = [0.0], []
    limiter = RateLimiter(lambda: now[0], slept.append, margin=0.5)
    limiter.after_response(GENERAL, {"ratelimit-remaining": "2", "ratelimit-reset": "10"}, 200)
    limiter.before_request(GENERAL)  # A
    limiter.before_request(GENERAL)  # B, sent before A's answer came back
    # A's answer was counted before B reached the server: "1 left", but B takes it.
    limiter.after_response(GENERAL, {"ratelimit-remaining": "1", "ratelimit-reset": "10"}, 200)
    limiter.release(GENERAL)
    limiter.before_request(GENERAL)  # C must wait for the next window
    assert slept == [10.5]


def test_invoices_read_page_by_page_are_the_same_as_one_at_a_time() -> None:
    config = SandboxConfig(invoices=150, seed=5, today=DAY)
    with (
        running_sandbox(config) as url,
        BexioClient(url, config.token, page_size=17) as bexio,
    ):
        paged = bexio.fetch_open_invoices()
        one_by_one = [bexio.fetch_invoice(inv.id) for inv in paged]
    assert len(paged) >= 64 and paged == one_by_one


def _numbers(taken: list[int]) -> Iterator[int]:
    """0 to 999, each noted in `taken` as it is taken."""
    for i in range(1000):
        taken.append(i)
        yield i


def test_calls_take_their_items_as_they_come_not_all_at_once() -> None:
    taken: list[int] = []
    with BexioClient("http://127.0.0.1:9", "token") as bexio:
        answers = bexio.stream_calls(lambda i: i * 2, _numbers(taken), window=10)
        first = next(answers)
        assert first == (0, 0)
        assert len(taken) <= 10  # a large listing is never held whole
        assert list(answers) == [(i, i * 2) for i in range(1, 1000)]


def test_the_first_failed_call_stops_the_calls_and_is_raised() -> None:
    def call(i: int) -> int:
        if i == 5:
            raise ValueError("item 5")
        return i

    taken: list[int] = []
    with BexioClient("http://127.0.0.1:9", "token") as bexio:
        answers = bexio.stream_calls(call, _numbers(taken), window=10)
        assert [next(answers)[0] for _ in range(5)] == [0, 1, 2, 3, 4]
        with pytest.raises(ValueError, match="item 5"):
            next(answers)
    assert len(taken) <= 16


def test_the_whole_listing_is_read_before_its_first_page_is_given() -> None:
    """bexio pages by offset: an invoice that leaves the list between two pages pushes
    another out of sight. The reminders of a large listing take long, so the listing is
    read in one go before them."""
    config = SandboxConfig(invoices=150, seed=5, today=DAY)
    with (
        running_sandbox(config) as url,
        BexioClient(url, config.token, page_size=17) as bexio,
    ):
        pages = bexio.open_invoice_pages()
        first = next(pages)
        asked = bexio.request_count
        rest = list(pages)
        assert bexio.request_count == asked  # bexio was asked nothing more
    assert len(first) == 17 and len(first) + sum(len(page) for page in rest) >= 64
