"""One Prefect test harness for the whole session, a fresh sandbox per test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# Prefect reads its home at import: keep every test run away from the user's ~/.prefect.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="dunning-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from flow_helpers import REFERENCE_DATE, TOKEN  # noqa: E402
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings  # noqa: E402
from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from connectors.sandbox import SandboxConfig, running_sandbox  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def prefect_harness() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=60):
        # The flow-run heartbeat costs a second per run and tells tests nothing.
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


class Bexio:
    """The sandbox seen from a test: its URL, its account, and a few look-ups."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.state = url.state  # type: ignore[attr-defined]

    def admin(self, method: str, path: str, json: object | None = None) -> object:
        response = httpx.request(
            method,
            f"{self.url}/_sandbox{path}",
            json=json,
            headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
        )
        response.raise_for_status()
        return response.json()

    def levels(self) -> dict[int, list[int]]:
        """Reminder levels per invoice, in the order they were created."""
        return {
            iid: [r["reminder_level"] for r in rems] for iid, rems in self.state.reminders.items()
        }

    def status(self, invoice_id: int) -> int:
        return self.state.invoices[invoice_id]["kb_item_status_id"]


@pytest.fixture
def bexio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bexio]:
    """A sandbox company, and the settings of a run pointed at it."""
    config = SandboxConfig(invoices=40, seed=7, today=REFERENCE_DATE, token=TOKEN)
    with running_sandbox(config) as url:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("BEXIO_BASE_URL", str(url))
        monkeypatch.setenv("BEXIO_TOKEN", TOKEN)
        monkeypatch.setenv("BEXIO_UNPAID_EXTENSION", "true")
        monkeypatch.setenv("DUNNING_OUTPUT", str(tmp_path / "out"))
        yield Bexio(url)


@pytest.fixture
def output(bexio: Bexio, tmp_path: Path) -> Path:
    return tmp_path / "out"
