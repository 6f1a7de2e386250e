"""Runs cancelled in Prefect while they waited for approval.

A suspended run has no process: when someone cancels it in the UI, none of the run's code
runs again, and its manifest would say `awaiting_approval` forever. `dunning runs` asks
Prefect about such runs and records the cancelled ones as `cancelled`, with the time of
the cancellation as `finished_at`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from dunning.run_plan import RunStatus
from dunning.run_sheet import RUN_SHEET, write_run_sheet
from dunning.runs import RunFolder
from flows.run_inputs import ZURICH

__all__ = ["record_cancelled_runs"]


def _cancelled(flow_run_ids: Sequence[UUID]) -> dict[UUID, str]:
    """The flow runs among `flow_run_ids` that Prefect shows as cancelled: when."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(flow_run_ids)))
        )
    return {
        run.id: run.state.timestamp.astimezone(ZURICH).isoformat(timespec="seconds")
        for run in runs
        if run.state is not None and run.state.is_cancelled()
    }


def record_cancelled_runs(output: Path, manifests: list[dict[str, Any]]) -> None:
    """Mark, in place and on disk, the waiting runs that were cancelled in Prefect. Without
    a Prefect server configured, or when it does not answer, the manifests stay as they are."""
    from prefect.settings import PREFECT_API_URL

    waiting: dict[UUID, dict[str, Any]] = {}
    for manifest in manifests:
        if manifest.get("status") == RunStatus.AWAITING_APPROVAL and manifest.get("flow_run_id"):
            try:
                waiting[UUID(manifest["flow_run_id"])] = manifest
            except ValueError:
                continue
    if not waiting or not PREFECT_API_URL.value():
        return
    try:
        cancelled = _cancelled(list(waiting))
    except (httpx.HTTPError, OSError):
        return
    for flow_run_id, when in cancelled.items():
        manifest = waiting[flow_run_id]
        manifest["status"] = RunStatus.CANCELLED.value
        manifest["finished_at"] = when
        folder = RunFolder(output / manifest["run_id"])
        folder.save_json("manifest.json", manifest)
        write_run_sheet(manifest, folder.path / RUN_SHEET)
