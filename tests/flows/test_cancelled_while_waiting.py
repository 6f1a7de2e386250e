"""A run cancelled in Prefect while it waits for approval is listed as cancelled by
`dunning runs`, not as waiting forever; nothing of it was pushed."""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.states import Cancelled, Cancelling

from tests.support.cli import (
    kill,
    load_manifest,
    new_runs,
    run_cli,
    start_run_process,
    subprocess_env,
)
from tests.support.sandbox import REFERENCE_DATE, Company


def _waiting_flow_run(output: Path, timeout: float = 120) -> tuple[str, UUID]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run_id in new_runs(output):
            manifest = (
                load_manifest(output, run_id)
                if (output / run_id / "manifest.json").exists()
                else {}
            )
            if manifest.get("status") == "awaiting_approval":
                flow_run_id = UUID(manifest["flow_run_id"])
                with get_client(sync_client=True) as client:
                    state = client.read_flow_run(flow_run_id).state
                if state is not None and state.is_paused():
                    return run_id, flow_run_id
        time.sleep(0.3)
    raise TimeoutError("no run waited for approval")


def test_a_run_cancelled_while_waiting_for_approval_is_listed_as_cancelled(
    bexio: Company, tmp_path: Path, prefect_server: str
) -> None:
    output = tmp_path / "out"
    env = subprocess_env(bexio.env(output), prefect_server)
    argv = (
        "run",
        "--approval",
        "--reference-date",
        REFERENCE_DATE.isoformat(),
        "--confirm-reference-date",
    )
    process = start_run_process(env, tmp_path, *argv)
    try:
        run_id, flow_run_id = _waiting_flow_run(output)
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(flow_run_id, Cancelled(), force=True)
    finally:
        kill(process)  # like a suspended run: no process is left to notice

    listed = run_cli(["runs", "--output", str(output)])

    assert listed.code == 0, listed.text
    assert "cancelled" in listed.out and "awaiting_approval" not in listed.out
    manifest = load_manifest(output, run_id)
    assert manifest["status"] == "cancelled" and manifest["finished_at"]
    assert not manifest["counts"]["outcomes"]


def test_a_local_run_cancelled_while_waiting_for_approval_stops_waiting(
    bexio: Company, tmp_path: Path, prefect_server: str
) -> None:
    """The run's process notices the cancel (as the UI's Cancel sets it) at its next look,
    says so in one line and ends; nothing is pushed and its record says cancelled."""
    output = tmp_path / "out"
    env = subprocess_env(bexio.env(output), prefect_server)
    argv = (
        "run",
        "--approval",
        "--reference-date",
        REFERENCE_DATE.isoformat(),
        "--confirm-reference-date",
    )
    before = bexio.admin("GET", "/reminders")
    process = start_run_process(env, tmp_path, *argv)
    try:
        run_id, flow_run_id = _waiting_flow_run(output)
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(flow_run_id, Cancelling(), force=True)
        code = process.wait(timeout=60)  # it looks every 10 s
    finally:
        kill(process)

    said = " ".join((tmp_path / "run.stderr").read_text(encoding="utf-8").split())
    assert code == 1, said
    assert f"run {run_id}: the run was cancelled in Prefect while it waited for approval" in said
    assert "nothing was pushed" in said and "Traceback" not in said, said
    assert bexio.admin("GET", "/reminders") == before
    manifest = load_manifest(output, run_id)
    assert manifest["status"] == "cancelled" and manifest["finished_at"]
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run_id).state
    assert state is not None and state.is_cancelled()
