"""Fixtures of the reliability tests: one Prefect API for the session, sandboxes per test.

The flow tests start a Prefect test harness for the session; when it is already running
these tests use it too, so the suite pays for one server, not two.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Prefect reads its home at import: keep every test run away from the user's ~/.prefect.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="dunning-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from reliability_kit import TOKEN, Company, prefect_api  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def prefect_url() -> Iterator[str]:
    with prefect_api() as url:
        yield url


@pytest.fixture
def company(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Company]:
    """A small sandbox company, and the settings of a run pointed at it."""
    with Company.started(invoices=30, seed=11) as found:
        found.use(monkeypatch, tmp_path)
        yield found


@pytest.fixture
def token() -> str:
    return TOKEN
