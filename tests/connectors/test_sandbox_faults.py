"""The sandbox's rate limits and injected faults, as a client sees them over loopback HTTP."""

from __future__ import annotations

from collections import Counter
from datetime import date

import httpx

from connectors.sandbox import SandboxConfig, running_sandbox
from tests.support.clock import ManualClock

TODAY = date(2026, 11, 30)
HEADERS = {"Authorization": "Bearer sandbox-token", "Accept": "application/json"}


def test_past_the_limit_answers_429_with_headers_and_no_retry_after() -> None:
    clock = ManualClock()
    config = SandboxConfig(invoices=20, today=TODAY, rate_limit=4, window_seconds=2, clock=clock)
    with running_sandbox(config) as url, httpx.Client(base_url=url, headers=HEADERS) as api:
        clock.advance(0.5)
        remaining = [api.get("/2.0/language").headers["RateLimit-Remaining"] for _ in range(4)]
        refused = api.get("/2.0/kb_invoice")
        assert remaining == ["3", "2", "1", "0"]
        assert refused.status_code == 429
        assert refused.json()["error_code"] == 429
        assert "retry-after" not in {name.lower() for name in refused.headers}
        assert refused.headers["RateLimit-Limit"] == "4"
        assert refused.headers["x-ratelimit-limit-minute"] == "4"
        assert refused.headers["RateLimit-Remaining"] == "0"
        reset = int(refused.headers["RateLimit-Reset"])
        assert reset == 2  # 1.5 s to the next window, rounded up
        clock.advance(reset)
        assert api.get("/2.0/language").status_code == 200
        assert api.get("/_sandbox/stats").json()["responses_429"] == 1


def test_the_budget_comes_back_whole_at_the_next_full_minute_as_bexio_counts() -> None:
    """bexio's window is a fixed calendar minute (bexio-api.md, "Rate limits"): the reset is
    54 s at :06 and 30 s at :30, and a budget spent at :06 is whole again at the next :00,
    not a minute after the first call."""
    clock = ManualClock()
    config = SandboxConfig(invoices=5, today=TODAY, rate_limit=4, clock=clock)
    with running_sandbox(config) as url, httpx.Client(base_url=url, headers=HEADERS) as api:
        clock.advance(6)
        assert api.get("/2.0/language").headers["RateLimit-Reset"] == "54"
        assert {api.get("/2.0/language").status_code for _ in range(3)} == {200}
        clock.advance(24)
        refused = api.get("/2.0/language")
        assert (refused.status_code, refused.headers["RateLimit-Reset"]) == (429, "30")
        clock.advance(29.5)
        assert api.get("/2.0/language").status_code == 429
        clock.advance(0.5)
        fresh = api.get("/2.0/language")
        assert fresh.status_code == 200
        assert (fresh.headers["RateLimit-Remaining"], fresh.headers["RateLimit-Reset"]) == (
            "3",
            "60",
        )


def test_searches_and_pdfs_have_their_own_smaller_bucket() -> None:
    config = SandboxConfig(
        invoices=20, today=TODAY, rate_limit=8, window_seconds=2, clock=ManualClock()
    )
    with running_sandbox(config) as url, httpx.Client(base_url=url, headers=HEADERS) as api:
        searches = [api.post("/2.0/kb_invoice/search", json=[]).status_code for _ in range(3)]
        assert searches == [200, 200, 429]  # 8 // 4 = 2 heavy calls per window
        assert api.get("/2.0/kb_invoice/1/pdf").status_code == 429
        listed = api.get("/2.0/kb_invoice")
        assert listed.status_code == 200 and listed.headers["RateLimit-Remaining"] == "7"


def test_without_a_limit_the_headers_still_count_honestly() -> None:
    config = SandboxConfig(invoices=5, today=TODAY, window_seconds=3600, clock=ManualClock())
    with running_sandbox(config) as url, httpx.Client(base_url=url, headers=HEADERS) as api:
        first, second = (api.get("/2.0/language").headers for _ in range(2))
        assert int(second["RateLimit-Remaining"]) == int(first["RateLimit-Remaining"]) - 1
        assert int(first["RateLimit-Limit"]) > 100_000


def test_faults_are_error_statuses_and_dropped_connections() -> None:
    config = SandboxConfig(invoices=5, today=TODAY, fail_rate=0.5, seed=3)
    outcomes: Counter[str] = Counter()
    with running_sandbox(config) as url, httpx.Client(base_url=url, headers=HEADERS) as api:
        for _ in range(120):
            try:
                outcomes[str(api.get("/2.0/language").status_code)] += 1
            except httpx.TransportError:
                outcomes["dropped"] += 1
        stats = api.get("/_sandbox/stats").json()
        assert api.post("/_sandbox/faults", json={"fail_rate": 0}).status_code == 200
        assert {api.get("/2.0/language").status_code for _ in range(20)} == {200}
    assert set(outcomes) == {"200", "500", "502", "503", "dropped"}
    assert 30 < outcomes["200"] < 90
    assert stats["requests"]["GET /2.0/language"]["dropped"] == outcomes["dropped"]


def test_a_create_that_fails_after_it_was_applied_leaves_the_reminder() -> None:
    config = SandboxConfig(invoices=120, today=TODAY, fail_rate=1.0, scenario="all_overdue")
    with running_sandbox(config) as url, httpx.Client(base_url=url, headers=HEADERS) as api:
        applied = not_applied = 0
        for invoice_id in range(1, 41):
            try:
                status = api.post(f"/2.0/kb_invoice/{invoice_id}/kb_reminder").status_code
                assert status in (500, 502, 503)
            except httpx.TransportError:
                pass
            exists = invoice_id in url.state.reminders and url.state.reminders[invoice_id]
            applied, not_applied = applied + bool(exists), not_applied + (not exists)
        every = api.get("/_sandbox/reminders").json()
    # every request failed for the client, yet some reminders exist: a blind retry would duplicate
    assert applied > 5 and not_applied > 5
    assert len(every) == applied
