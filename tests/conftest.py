"""Fixtures of every test folder: the session's Prefect test server and sandbox companies.

The environment is set first, before anything imports Prefect (it reads its home then).
"""

from __future__ import annotations

from tests.support.environment import isolate_prefect

isolate_prefect()

from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from tests.support.sandbox import Company  # noqa: E402


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """The session's one Prefect test server, started the first time a test needs it; its
    API URL. Folders whose every test needs it ask for it from an autouse fixture."""
    from tests.support.harness import prefect_test_server

    with prefect_test_server() as url:
        yield url


@pytest.fixture
def start_company(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Company]]:
    """Start a sandbox company (`Company.started(**settings)`) for this test, with the
    test's folder as working directory and the run's settings pointed at the company."""
    with ExitStack() as stack:

        def start(**settings: Any) -> Company:
            company = stack.enter_context(Company.started(**settings))
            company.use(monkeypatch, tmp_path)
            return company

        yield start
