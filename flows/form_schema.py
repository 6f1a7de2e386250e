"""What the approval forms' JSON schemas need so that Prefect's UI and server agree."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from dunning.holds import MAX_HOLD_DAYS, REASON_LIMIT

__all__ = ["hold_fields", "no_null_default"]


def no_null_default(schema: dict[str, Any]) -> None:
    """A date field left empty: the form shows no default, so the UI sends no value. With
    the default null the UI sends null, which Prefect's server refuses as not a date: the
    run would wait for an answer it can never get."""
    if "default" in schema and schema["default"] is None:
        del schema["default"]


def hold_fields(customers: str) -> dict[str, Any]:
    """The date, reason and customer tick of a hold, the same in both approval forms;
    `customers` says whose customers the tick holds."""
    return {
        "hold_until": (
            date,
            Field(
                default=None,
                json_schema_extra=no_null_default,
                title="Hold until (the last day held)",
                description=f"After the reference date, at most {MAX_HOLD_DAYS} days later.",
            ),
        ),
        "hold_reason": (
            str,
            Field(
                default="",
                title="Reason for the hold",
                max_length=REASON_LIMIT,
                description="E.g. 'promised to pay by 15.12.'; shown on every later run.",
            ),
        ),
        "hold_customer": (
            bool,
            Field(
                default=False,
                title="Hold the customers",
                description=f"Hold every invoice of {customers}, not only those invoices.",
            ),
        ),
    }
