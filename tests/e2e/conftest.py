"""Real processes for the end-to-end tests: PostgreSQL, a Prefect server with its UI, a
bexio sandbox, the letters' file server, and a headless chromium.

`make e2e` installs what these need (`.ci/e2e-setup`) and runs them; `make test` leaves
them out. Every process started here is stopped at teardown, also when a test fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.prefect_api import PrefectApi
from tests.e2e.processes import Service, bin_path, free_port, start_postgres
from tests.e2e.stack import (
    CHROMIUM,
    CHROMIUM_ARGS,
    IMAGES,
    QUIET_PREFECT,
    REFERENCE_DATE,
    TOKEN,
    Company,
    PrefectServer,
)

FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


def _show_logs(services: list[Service]) -> None:
    """What each process said, for the report of a failed test."""
    for service in services:
        print(f"----- {service.name} (last lines) -----\n{service.log()[-3000:]}")


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


def clean_environ() -> dict[str, str]:
    """This environment without the caller's own Prefect, bexio and dunning settings."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BEXIO_", "DUNNING_"))
    }


@contextmanager
def _postgres() -> Iterator[str]:
    # PostgreSQL's programs run as `postgres`, which cannot enter pytest's private tmp dirs.
    folder = Path(tempfile.mkdtemp(prefix="dunning-e2e-pg-"))
    try:
        database_url, stop = start_postgres(folder)
        try:
            yield database_url
        finally:
            stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect(logs: Path, request: pytest.FixtureRequest) -> Iterator[PrefectServer]:
    home = Path(tempfile.mkdtemp(prefix="dunning-e2e-prefect-"))
    port = free_port()
    ui = f"http://127.0.0.1:{port}"
    env = {
        **clean_environ(),
        **QUIET_PREFECT,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"{ui}/api",
    }
    with _postgres() as database_url:
        server = Service(
            "prefect-server",
            [bin_path("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            {**env, "PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url},
            logs,
        )
        api = PrefectApi(f"{ui}/api")
        try:
            server.wait_http(f"{ui}/api/health", timeout=120)
            yield PrefectServer(ui, api, env, [server])
        finally:
            api.close()
            if request.session.testsfailed:
                _show_logs([server])
            server.stop()
            shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def company(logs: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Company]:
    output = tmp_path / "output"
    output.mkdir()
    sandbox_port, files_port = free_port(), free_port()
    name = request.node.name
    sandbox = Service(
        f"{name}-sandbox",
        [
            bin_path("dunning"),
            "sandbox",
            "--port",
            str(sandbox_port),
            "--today",
            REFERENCE_DATE,
            "--token",
            TOKEN,
            "--invoices",
            "20",
            "--seed",
            "3",
        ],
        clean_environ(),
        logs,
    )
    files = Service(
        f"{name}-files",
        [bin_path("dunning"), "serve-files", "--output", str(output), "--port", str(files_port)],
        clean_environ(),
        logs,
    )
    try:
        sandbox.wait_http(f"http://127.0.0.1:{sandbox_port}/2.0/language", timeout=60)
        files.wait_http(f"http://127.0.0.1:{files_port}/", timeout=60)
        yield Company(f"http://127.0.0.1:{sandbox_port}", output, f"http://127.0.0.1:{files_port}")
    finally:
        if request.node.stash.get(FAILED, False):
            _show_logs([sandbox, files])
        sandbox.stop()
        files.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    # The UI's first load on a busy two-core CI machine can take longer than the default 5 s.
    expect.set_options(timeout=30_000)

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # A moderate viewport keeps the committed screenshots small and the dialog whole.
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def images() -> Path:
    IMAGES.mkdir(parents=True, exist_ok=True)
    return IMAGES
