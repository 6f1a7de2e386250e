"""What stands in front of every route: token, Accept header, rate limits, latency, faults.

A plain ASGI middleware (no per-request objects beyond what it needs) so that it costs little
at thousands of requests a second. Order: latency, bearer token (401), rate limit (429),
Accept header (415), injected fault, route. Admin routes under `/_sandbox/` need the token
and nothing else: no limit, no latency, no faults, no counting.

Faults: with probability `fail_rate` a request fails with 500, 502 or 503 or a dropped
connection. For writes, half of the faults strike after the route has applied its change,
so the client sees a failure although the reminder (or payment, or status) now exists.
"""

from __future__ import annotations

import asyncio
import math
import random
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from connectors.sandbox.errors import error_body

__all__ = ["ADMIN_PREFIX", "UNLIMITED", "Faults", "Gate", "RateLimiter", "Stats", "Tampered"]

ADMIN_PREFIX = "/_sandbox/"
# What the headers report when no limit is configured: a limit this large is never reached.
UNLIMITED = 1_000_000
Headers = list[tuple[bytes, bytes]]
Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]
ASGIApp = Callable[[Scope, Receive, Send], Any]


class RateLimiter:
    """A fixed-window counter, windows aligned to the clock as bexio's calendar minutes are.

    bexio-api.md, "Rate limits": the window is a fixed calendar minute and `RateLimit-Reset`
    counts the seconds to the next full minute (54 at :06, 30 at :30); the budget comes back
    whole at that edge. `clock` gives the seconds since the epoch (the wall clock unless a
    test passes its own), so a test moves to a window's edge without waiting for it.
    """

    def __init__(
        self, limit: int | None, window_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.limit, self.window, self.clock = limit, window_seconds, clock
        self.index, self.used = -1, 0

    def take(self, now: float | None = None) -> tuple[bool, Headers]:
        """Count one request; False when the window's budget is spent."""
        now = self.clock() if now is None else now
        index = int(now // self.window)
        if index != self.index:
            self.index, self.used = index, 0
        allowed = self.limit is None or self.used < self.limit
        if allowed:
            self.used += 1
        return allowed, self.headers(now)

    def headers(self, now: float | None = None) -> Headers:
        now = self.clock() if now is None else now
        limit = UNLIMITED if self.limit is None else self.limit
        index = int(now // self.window)
        used = self.used if index == self.index else 0
        reset = max(1, math.ceil((index + 1) * self.window - now))
        numbers = [str(limit).encode(), str(max(0, limit - used)).encode(), str(reset).encode()]
        return [
            (b"ratelimit-limit", numbers[0]),
            (b"ratelimit-remaining", numbers[1]),
            (b"ratelimit-reset", numbers[2]),
            (b"x-ratelimit-limit-minute", numbers[0]),
            (b"x-ratelimit-remaining-minute", numbers[1]),
        ]


@dataclass(frozen=True)
class Tampered:
    """A fixed answer to one route, for tests of what the client does with a broken API.

    `times` limits the rule to the route's next N requests (None: until it is removed).
    bexio's 500 ("server error") and 503 ("maintenance") pass (bexio-api.md, section 6,
    Errors), so an answer lost once and a route that then answers again is the case a
    client meets; with `apply` it is a write that happened although its answer was lost.
    """

    status: int
    body: bytes
    apply: bool  # run the route first (its change happens), then answer `body` instead
    times: int | None = None


@dataclass
class Faults:
    """Fault injection settings, changeable while the sandbox runs; the dice are seeded."""

    fail_rate: float
    latency_ms: int
    rng: random.Random
    tampered: dict[str, Tampered] = field(default_factory=dict)  # by "METHOD /path"

    def take_tampered(self, key: str) -> Tampered | None:
        """The fixed answer for "METHOD /path", counting one use of a rule with `times`."""
        rule = self.tampered.get(key)
        if rule is not None and rule.times is not None:
            if rule.times <= 1:
                del self.tampered[key]
            else:
                self.tampered[key] = replace(rule, times=rule.times - 1)
        return rule

    def draw(self, write: bool) -> tuple[str, bool] | None:
        """None, or (kind, after) with kind "500"/"502"/"503"/"drop"."""
        if self.fail_rate <= 0 or self.rng.random() >= self.fail_rate:
            return None
        kind = self.rng.choice(("500", "502", "503", "drop"))
        return kind, write and self.rng.random() < 0.5


class Stats:
    """Requests per route and status, and counters of what the gate did."""

    def __init__(self) -> None:
        self.requests: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.counters: Counter[str] = Counter()

    def record(self, route: str, status: str) -> None:
        self.requests[route][status] += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": {k: dict(v) for k, v in sorted(self.requests.items())},
            **dict(self.counters),
        }


_FAULT_MESSAGES = {
    "500": "Internal Server Error",
    "502": "Bad Gateway",
    "503": "Service Unavailable",
}


async def _respond(send: Send, status: int, body: bytes, headers: Headers | None = None) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _drop(receive: Receive) -> bool:
    """Close the connection without an answer. Needs uvicorn's request cycle; False without it."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:
        return False
    transport.close()
    for _ in range(3):  # let uvicorn see the close, so it does not answer on our behalf
        await asyncio.sleep(0)
    return True


class Gate:
    """The ASGI middleware; `route_name` maps a scope to a route template for the stats."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        general: RateLimiter,
        heavy: RateLimiter,
        faults: Faults,
        stats: Stats,
        route_name: Callable[[Scope], str],
    ) -> None:
        self.app, self.token = app, f"Bearer {token}".encode()
        self.general, self.heavy, self.faults, self.stats = general, heavy, faults, stats
        self.route_name = route_name

    def _authorized(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"authorization":
                return secrets.compare_digest(value, self.token)
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        if path.startswith(ADMIN_PREFIX):
            if not self._authorized(scope):
                await _respond(send, 401, error_body(401, "invalid or missing bearer token"))
                return
            await self.app(scope, receive, send)
            return
        if self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        searching = method == "POST" and path.endswith("/search")
        heavy = path.endswith("/pdf") or (searching and "/kb_reminder/" not in path)
        bucket = self.heavy if heavy else self.general
        status, headers = await self._checks(scope, send, bucket)
        if status is not None:
            self.stats.record(self.route_name(scope), status)
            return
        tampered = self.faults.take_tampered(f"{method} {path}")
        if tampered is not None:
            await self._tampered(scope, receive, send, tampered, headers)
            return
        write = method in ("POST", "DELETE", "PUT", "PATCH") and not searching
        fault = self.faults.draw(write)
        if fault is None:
            await self._forward(scope, receive, send, headers)
        else:
            await self._fail(scope, receive, send, fault, bucket)

    async def _checks(
        self, scope: Scope, send: Send, bucket: RateLimiter
    ) -> tuple[str | None, Headers]:
        """Answer 401, 429 or 415 and return the status (None: go on) and the limit headers."""
        if not self._authorized(scope):
            headers = bucket.headers()
            await _respond(send, 401, error_body(401, "invalid or missing bearer token"), headers)
            return "401", headers
        allowed, headers = bucket.take()
        if not allowed:
            self.stats.counters["responses_429"] += 1
            await _respond(send, 429, error_body(429, "Too Many Requests"), headers)
            return "429", headers
        accept = next((v for k, v in scope["headers"] if k == b"accept"), b"")
        if b"application/json" not in accept:
            await _respond(
                send, 415, error_body(415, "Accept: application/json is required"), headers
            )
            return "415", headers
        return None, headers

    async def _forward(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        status = "500"

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
        self.stats.record(self.route_name(scope), status)

    async def _tampered(
        self, scope: Scope, receive: Receive, send: Send, rule: Tampered, headers: Headers
    ) -> None:
        if rule.apply:

            async def swallow(message: dict[str, Any]) -> None:
                return None

            await self.app(scope, receive, swallow)
        await _respond(send, rule.status, rule.body, headers)
        self.stats.record(self.route_name(scope), f"tampered {rule.status}")

    async def _fail(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        fault: tuple[str, bool],
        bucket: RateLimiter,
    ) -> None:
        kind, after = fault
        if after:  # apply the change, throw the answer away

            async def swallow(message: dict[str, Any]) -> None:
                return None

            await self.app(scope, receive, swallow)
            self.stats.counters["faults_after_apply"] += 1
        self.stats.counters[f"faults_{kind}"] += 1
        if kind == "drop" and await _drop(receive):
            self.stats.record(self.route_name(scope), "dropped")
            return
        code = 503 if kind == "drop" else int(kind)
        await _respond(send, code, error_body(code, _FAULT_MESSAGES[str(code)]), bucket.headers())
        self.stats.record(self.route_name(scope), str(code))
