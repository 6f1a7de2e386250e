"""The HTTP layer under `BexioClient`: one request, its errors, its retries, its pacing.

This is the one place that sees `httpx`: it turns transport exceptions and status codes
into `connectors.errors`, decodes JSON with exact decimals, asks the rate limiter to pace,
and retries (with tenacity) what may be retried. Everything above speaks in paths and
decoded JSON.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypedDict, TypeVar

import httpx
import tenacity
from pydantic import SecretStr, TypeAdapter, ValidationError

from connectors.errors import (
    AuthError,
    BadResponseError,
    ConnectorError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from connectors.ratelimit import RateLimiter, bucket_of

__all__ = ["BexioSession", "validated", "is_loopback", "REPLACEMENT", "safe_text"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_REJECTED = frozenset({400, 409, 411, 415, 422})
REPLACEMENT = "\ufffd"
# A lone surrogate can only come from a JSON escape; raw UTF-8 cannot carry one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_NO_BODY: Any = object()


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _RetryBudget:
    """Decides, for one call, whether a failure is tried again and after how long.

    A 429 means the request was not processed, so it is repeated for any method (the rate
    limiter does the waiting). Other transient failures are repeated only for idempotent
    calls: a create or a send that timed out may have happened, and the caller re-checks.
    """

    def __init__(
        self, idempotent: bool, max_attempts: int, max_rate_limited: int, backoff: float
    ) -> None:
        self._idempotent = idempotent
        self._max_attempts = max_attempts
        self._max_rate_limited = max_rate_limited
        self._backoff = backoff
        self._failures = 0
        self._rate_limited = 0

    def should_retry(self, exc: BaseException) -> bool:
        if isinstance(exc, RateLimitedError):
            self._rate_limited += 1
            return self._rate_limited < self._max_rate_limited
        self._rate_limited = 0
        if isinstance(exc, TransientError) and self._idempotent:
            self._failures += 1
            return self._failures < self._max_attempts
        return False

    def wait(self, state: tenacity.RetryCallState) -> float:
        if state.outcome is not None and isinstance(state.outcome.exception(), RateLimitedError):
            return 0.0
        return min(self._backoff * 2.0 ** (self._failures - 1), 30.0)


class _Where(TypedDict):
    """The request an error names (`ConnectorError`'s keyword arguments)."""

    method: str
    path: str
    status: int


class BexioSession:
    """Sends requests to one bexio API root with one token."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        transport: httpx.BaseTransport | None,
        timeout: float,
        verify: bool,
        max_attempts: int,
        backoff: float,
        max_rate_limited: int,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        url = httpx.URL(base_url)
        if not verify and not is_loopback(url.host):
            raise ValueError(
                f"TLS verification can only be turned off for a loopback address, not {url.host!r}"
            )
        self.base_url = base_url
        self._token = token
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_rate_limited = max_rate_limited
        self._sleep = sleep
        self._limiter = RateLimiter(clock, self._sleep_positive)
        # Threads may share a session (httpx.Client is thread-safe): the pacing state and
        # the count change under this lock, so a thread that must wait makes all wait.
        self._lock = threading.Lock()
        self._count = 0
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            verify=verify,
            headers={
                "Accept": "application/json",
                "Authorization": f"Bearer {token.get_secret_value()}",
            },
        )

    @property
    def request_count(self) -> int:
        return self._count

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Mapping[str, str | int] | None = None,
        body: Any = _NO_BODY,
    ) -> Any:
        """Send one call (with retries as allowed) and return its decoded JSON."""
        budget = _RetryBudget(idempotent, self._max_attempts, self._max_rate_limited, self._backoff)
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(budget.should_retry),
            wait=budget.wait,
            stop=tenacity.stop_never,  # the budget decides when to give up
            sleep=self._sleep_positive,
            before_sleep=_log_retry,
            reraise=True,
        )
        return retrying(self._send_once, method, path, params, body)

    def _send_once(
        self, method: str, path: str, params: Mapping[str, str | int] | None, body: Any
    ) -> Any:
        bucket = bucket_of(method, path)
        with self._lock:
            self._limiter.before_request(bucket)
            self._count += 1
        try:
            response = self._exchange(method, path, params, body)
            with self._lock:
                self._limiter.after_response(bucket, response.headers, response.status_code)
        finally:
            with self._lock:
                self._limiter.release(bucket)
        if not response.is_success:
            raise self._status_error(method, path, response)
        return _decode_json(method, path, response.content)

    def _exchange(
        self, method: str, path: str, params: Mapping[str, str | int] | None, body: Any
    ) -> httpx.Response:
        """The HTTP exchange itself; transport failures become connector errors."""
        content = {} if body is _NO_BODY else {"json": body}
        try:
            return self._http.request(method, path, params=params, **content)
        except httpx.TimeoutException as exc:
            raise TransientError(
                f"{method} {path}: no answer within {self._timeout:g} s", method=method, path=path
            ) from exc
        except httpx.DecodingError as exc:
            raise BadResponseError(
                f"{method} {path}: the answer could not be decoded", method=method, path=path
            ) from exc
        except httpx.HTTPError as exc:
            raise TransientError(
                self._redact(f"{method} {path}: connection failed ({type(exc).__name__})"),
                method=method,
                path=path,
            ) from exc

    def _status_error(self, method: str, path: str, response: httpx.Response) -> ConnectorError:
        status = response.status_code
        detail, api_errors = _api_detail(response.content)
        text = f"{method} {path}: {status} {response.reason_phrase}".rstrip()
        if detail:
            text = f"{text}: {detail}"
        text = self._redact(text)
        where = _Where(method=method, path=path, status=status)
        if status == 429:
            return RateLimitedError(text, **where)
        if status >= 500 or status == 408:
            return TransientError(text, **where)
        if status in (401, 403):
            return AuthError(text, **where)
        if status == 404:
            return NotFoundError(text, **where)
        if status in _REJECTED:
            return RejectedError(text, api_errors=api_errors, **where)
        if 400 <= status < 500:
            return PermanentError(text, **where)
        return BadResponseError(f"{text} (unexpected status)", **where)

    def _redact(self, text: str) -> str:
        secret = self._token.get_secret_value()
        return text.replace(secret, "[redacted]") if secret else text

    def _sleep_positive(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)


def _log_retry(state: tenacity.RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    log.warning("%s; trying again in %.1f s (attempt %d)", exc, wait, state.attempt_number + 1)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _decode_json(method: str, path: str, content: bytes) -> Any:
    if not content.strip():
        return None
    try:
        data = json.loads(content, parse_float=Decimal, parse_constant=_refuse_constant)
    except ValueError as exc:  # includes JSONDecodeError and UnicodeDecodeError
        raise BadResponseError(
            f"{method} {path}: the answer is not valid JSON", method=method, path=path
        ) from exc
    return safe_text(data) if _SURROGATE_ESCAPE.search(content) else data


def safe_text(value: Any) -> Any:
    """Decoded JSON with every code point that cannot be written (a lone surrogate, which a
    JSON escape like "\\ud800" can carry) replaced by U+FFFD. Applied once, where bexio's
    answers enter; the mapping then notes a replaced character as the invoice's warning."""
    if isinstance(value, str):
        return _SURROGATES.sub(REPLACEMENT, value)
    if isinstance(value, list):
        return [safe_text(item) for item in value]
    if isinstance(value, dict):
        return {safe_text(key): safe_text(item) for key, item in value.items()}
    return value


def _api_detail(content: bytes) -> tuple[str, tuple[str, ...]]:
    """bexio's error body: `{"error_code", "message"}`, with an `errors` array on 422."""
    try:
        body = safe_text(json.loads(content, parse_float=Decimal))
    except ValueError:
        return "", ()
    if not isinstance(body, dict):
        return "", ()
    errors = body.get("errors")
    api_errors = tuple(str(e) for e in errors) if isinstance(errors, list) else ()
    message = body.get("message")
    parts = [message] if isinstance(message, str) and message else []
    parts.extend(api_errors)
    return "; ".join(parts)[:500], api_errors


def validated(adapter: TypeAdapter[T], data: Any, method: str, path: str) -> T:
    """Validate decoded JSON; a mismatch is a BadResponseError naming the endpoint and field."""
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = _location(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise BadResponseError(
            f"{method} {path}: unexpected answer: {where}{message}", method=method, path=path
        ) from exc


def _location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"item {part}")
        elif part.isidentifier():  # skips pydantic's union-branch labels
            parts.append(f"field {part!r}")
    return ", ".join(parts) + ": " if parts else ""
