"""Small helpers shared by the flow tests."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import StateType

from flows.dunning_run import dunning_run

REFERENCE_DATE = date(2026, 11, 30)
TOKEN = "tok-very-SECRET-4711"


def run_flow(**params: Any) -> tuple[Any, dict[str, Any]]:
    """Run the flow to its end; returns the final state and the run's summary."""
    state = dunning_run(**params, return_state=True)
    return state, state.result(raise_on_failure=False)


def manifest(summary: dict[str, Any]) -> dict[str, Any]:
    return json.loads(Path(summary["manifest"]).read_text(encoding="utf-8"))


def wait_for_paused_run(timeout: float = 60) -> tuple[UUID, dict[str, Any]]:
    """A paused run whose form is stored (resuming earlier is refused); its schema too."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            paused = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
                )
            )
            for run in paused:
                keys = run.state.state_details.run_input_keyset if run.state else None
                if keys:
                    try:
                        schema = client.read_flow_run_input(run.id, keys["schema"])
                    except Exception:  # noqa: BLE001 - not stored yet
                        continue
                    return run.id, json.loads(schema)
            time.sleep(0.2)
    raise TimeoutError("no paused run appeared")
