"""Pacing requests by bexio's rate-limit headers, so a long run does not run into 429.

bexio counts requests per company in fixed calendar-minute windows and reports the state
on every response: `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds
until the next window). Routes share buckets: "heavy" routes (top-level `POST …/search`
and the PDF endpoints, 250/min live) have their own, everything else shares the general
one (1000/min live). No `Retry-After` is sent with a 429, so the reset header is the guide.

The limiter only sleeps; it never sends or retries anything itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["GENERAL", "HEAVY", "bucket_of", "RateLimiter"]

GENERAL = "general"
HEAVY = "heavy"

log = logging.getLogger(__name__)


def bucket_of(method: str, path: str) -> str:
    """The bucket a request counts against.

    `POST /2.0/kb_invoice/search` is heavy; the nested `…/kb_reminder/search` counts
    against the general bucket in recorded traffic, hence the depth check.
    """
    parts = [part for part in path.split("?", 1)[0].split("/") if part]
    if parts and parts[-1] == "pdf":
        return HEAVY
    if method.upper() == "POST" and len(parts) == 3 and parts[-1] == "search":
        return HEAVY
    return GENERAL


@dataclass
class _Window:
    remaining: int
    resets_at: float  # on the limiter's clock
    limit: int | None


class RateLimiter:
    """Remembers each bucket's window and sleeps before a request when the budget is low.

    Below `low_fraction` of the limit, requests are spread evenly over the time left in the
    window; with nothing left, it sleeps until the window resets (plus `margin`, because
    the reset header is whole seconds). `clock` and `sleep` are injectable for tests.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        *,
        low_fraction: float = 0.1,
        margin: float = 1.0,
        fallback_reset: float = 60.0,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._low_fraction = low_fraction
        self._margin = margin
        self._fallback_reset = fallback_reset
        self._windows: dict[str, _Window] = {}
        self._in_flight: dict[str, int] = {}

    def before_request(self, bucket: str) -> None:
        """Sleep as long as the bucket's budget requires before the next request, then count
        it as sent (until `release`) and take it from the window's budget."""
        self._wait(bucket)
        self._in_flight[bucket] = self._in_flight.get(bucket, 0) + 1
        window = self._windows.get(bucket)
        if window is not None:
            window.remaining -= 1

    def release(self, bucket: str) -> None:
        """The request counted by `before_request` is answered, or failed."""
        self._in_flight[bucket] = max(0, self._in_flight.get(bucket, 0) - 1)

    def _wait(self, bucket: str) -> None:
        window = self._windows.get(bucket)
        if window is None:
            return
        left = window.resets_at - self._clock()
        if left <= 0:
            self._windows.pop(bucket, None)
        elif window.remaining <= 0:
            log.info(
                "rate limit: %s budget used up, waiting %.1f s for the next window", bucket, left
            )
            self._sleep(left + self._margin)
            self._windows.pop(bucket, None)
        elif window.remaining <= self._low_water(window):
            self._sleep(left / window.remaining)

    def after_response(self, bucket: str, headers: Mapping[str, str], status: int) -> None:
        """Record the window the server reported; a 429 means nothing is left in it.

        Requests still in flight may not be counted in the answer yet, so they are taken
        off what the server says is left: with several threads, the last request of a
        window is never sent twice."""
        remaining = _int_header(headers, "ratelimit-remaining")
        reset = _int_header(headers, "ratelimit-reset")
        if status == 429:
            remaining = 0
            retry_after = _int_header(headers, "retry-after")
            if reset is None:
                reset = retry_after
            wait = self._fallback_reset if reset is None else float(reset)
        elif remaining is None or reset is None:
            return
        else:
            wait = float(reset)
        limit = _int_header(headers, "ratelimit-limit")
        others = max(0, self._in_flight.get(bucket, 0) - 1)
        self._windows[bucket] = _Window(remaining - others, self._clock() + wait, limit)

    def _low_water(self, window: _Window) -> float:
        if window.limit is None:
            return 0
        return window.limit * self._low_fraction


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None
