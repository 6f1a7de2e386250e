"""bexio's error body, and the exception the sandbox raises to send one."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ApiError", "error_body"]


def error_body(status: int, message: str, errors: list[str] | None = None) -> bytes:
    """`{"error_code", "message"}`, plus `errors` on a 422, as bexio sends them."""
    body: dict[str, Any] = {"error_code": status, "message": message}
    if status == 422:
        body["errors"] = errors or []
    return json.dumps(body).encode()


class ApiError(Exception):
    """A request the sandbox refuses the way bexio would, with a status and a message."""

    def __init__(self, status: int, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def body(self) -> bytes:
        return error_body(self.status, self.message, self.errors)
