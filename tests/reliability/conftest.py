"""Fixtures of the reliability tests: the session's Prefect server, a sandbox per test."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.sandbox import TOKEN, Company


@pytest.fixture(scope="session", autouse=True)
def prefect_url(prefect_server: str) -> str:
    """The API URL of the session's Prefect server (for runs in their own process)."""
    return prefect_server


@pytest.fixture
def company(start_company: Callable[..., Company]) -> Company:
    """A small sandbox company, and the settings of a run pointed at it."""
    return start_company(invoices=30, seed=11)


@pytest.fixture
def slow_company(start_company: Callable[..., Company]) -> Company:
    """Answers take a few milliseconds, so that a kill or a second process lands while the
    first one still commits."""
    return start_company(invoices=30, seed=3, latency_ms=15)


@pytest.fixture
def token() -> str:
    return TOKEN
