"""What the approval forms' JSON schemas need so that Prefect's UI and server agree."""

from __future__ import annotations

from typing import Any

__all__ = ["no_null_default"]


def no_null_default(schema: dict[str, Any]) -> None:
    """A date field left empty: the form shows no default, so the UI sends no value. With
    the default null the UI sends null, which Prefect's server refuses as not a date: the
    run would wait for an answer it can never get."""
    if "default" in schema and schema["default"] is None:
        del schema["default"]
