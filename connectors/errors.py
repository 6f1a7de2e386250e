"""The connector's exceptions, sorted by what the caller should do about them.

```
ConnectorError
├── TransientError        try again later (timeouts, dropped connections, 429, 5xx)
│   └── RateLimitedError  the API's per-minute budget is used up
├── PermanentError        trying again will not help
│   ├── AuthError         401, 403: the token is wrong, expired or lacks a scope
│   ├── NotFoundError     404
│   └── RejectedError     400, 409, 411, 415, 422: the API refused the request
└── BadResponseError      the API answered something we cannot read
```

Only `connectors.session` turns `httpx` exceptions and HTTP status codes into these, so
nothing above the connector ever needs to know about `httpx`. Messages are one sentence
that names the method and path, and never contain the token.
"""

from __future__ import annotations

from dunning.errors import DunningError

__all__ = [
    "EXPECTED",
    "ConnectorError",
    "TransientError",
    "RateLimitedError",
    "PermanentError",
    "AuthError",
    "NotFoundError",
    "RejectedError",
    "BadResponseError",
]


class ConnectorError(Exception):
    """Any failure talking to bexio.

    `method` and `path` name the request; `status` is the HTTP status when there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status

    def __str__(self) -> str:
        return self.message


class TransientError(ConnectorError):
    """The request may succeed if tried again later; a write may or may not have happened."""


class RateLimitedError(TransientError):
    """HTTP 429: the request was not processed because the per-minute budget is used up."""


class PermanentError(ConnectorError):
    """The request will fail the same way if repeated."""


class AuthError(PermanentError):
    """HTTP 401 or 403: the token is invalid, expired, or lacks a scope or user right."""


class NotFoundError(PermanentError):
    """HTTP 404: the resource does not exist (or is not visible to this token)."""


class RejectedError(PermanentError):
    """HTTP 400, 409, 411, 415 or 422: the API refused the request; `api_errors` says why."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        api_errors: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, method=method, path=path, status=status)
        self.api_errors = api_errors


class BadResponseError(ConnectorError):
    """The API answered with something we cannot read: bad JSON, missing or mistyped fields."""


# What a run reports as it is when one invoice fails: the API's errors and our rules'.
# Anything else is a bug of ours (`dunning.outcome.failure`).
EXPECTED: tuple[type[Exception], ...] = (ConnectorError, DunningError)
