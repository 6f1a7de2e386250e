"""Prefect in tests: one test server per session, running the flow, finding a paused run.

The server is started by the session fixture `prefect_server` of `tests/conftest.py` the
first time a test asks for it, so a session that never needs Prefect never starts it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

__all__ = ["manifest_of", "paused_run", "prefect_test_server", "run_flow"]


@contextlib.contextmanager
def prefect_test_server() -> Iterator[str]:
    """A Prefect test server with its own database; its API URL while it runs."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        # The flow-run heartbeat costs a second per run and tells tests nothing.
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield str(PREFECT_API_URL.value())


def run_flow(**params: Any) -> tuple[Any, dict[str, Any]]:
    """Run the flow in this process to its end; the final state and the run's summary."""
    from flows.dunning_run import dunning_run

    state: Any = dunning_run(**params, return_state=True)
    return state, state.result(raise_on_failure=False)


def manifest_of(summary: dict[str, Any]) -> dict[str, Any]:
    """The manifest a run's summary points to."""
    record: dict[str, Any] = json.loads(Path(summary["manifest"]).read_text(encoding="utf-8"))
    return record


def paused_run(timeout: float = 60) -> tuple[UUID, dict[str, Any]]:
    """A paused flow run whose approval form is stored (resuming earlier is refused), and
    the form's schema."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    deadline = time.monotonic() + timeout
    paused = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
    )
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            for run in client.read_flow_runs(flow_run_filter=paused):
                keys = run.state.state_details.run_input_keyset if run.state else None
                if keys:
                    with contextlib.suppress(Exception):  # the form is not stored yet
                        return run.id, json.loads(
                            client.read_flow_run_input(run.id, keys["schema"])
                        )
            time.sleep(0.2)
    raise TimeoutError(f"no paused run with a stored form appeared within {timeout:.0f} s")
