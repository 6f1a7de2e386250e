"""Fixtures of the flow tests: the session's Prefect server, a fresh sandbox per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.sandbox import Company


@pytest.fixture(scope="session", autouse=True)
def _prefect(prefect_server: str) -> str:
    return prefect_server


@pytest.fixture
def bexio(start_company: Callable[..., Company]) -> Company:
    """A sandbox company, and the settings of a run pointed at it."""
    return start_company(invoices=40, seed=7)


@pytest.fixture
def output(bexio: Company, tmp_path: Path) -> Path:
    return tmp_path / "out"
