"""A run started with `dunning run` keeps its INFO lines in Prefect (the Logs tab of its
flow run in the UI) while the terminal shows only the run's own progress and warnings."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from uuid import UUID

from tests.support.cli import load_manifest, new_runs, run_cli_process, subprocess_env
from tests.support.sandbox import REFERENCE_DATE, Company


async def _flow_run_logs(flow_run_id: UUID) -> list[tuple[int, str]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    async with get_client() as client:
        logs = await client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
        )
    return [(log.level, log.message) for log in logs]


def test_a_runs_info_lines_reach_its_prefect_logs_not_the_terminal(
    bexio: Company, tmp_path: Path, prefect_server: str
) -> None:
    output = tmp_path / "out"
    env = subprocess_env(bexio.env(output), prefect_server)
    env.pop("PREFECT_LOGGING_LEVEL", None)
    argv = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]
    result = run_cli_process(argv, env, tmp_path)
    assert result.code == 0, result.text
    (run_id,) = new_runs(output)
    flow_run_id = UUID(load_manifest(output, run_id)["flow_run_id"])

    ours = f"run {run_id} completed"
    deadline = time.monotonic() + 30
    logs = asyncio.run(_flow_run_logs(flow_run_id))
    while not any(ours in m for _, m in logs) and time.monotonic() < deadline:
        time.sleep(0.5)
        logs = asyncio.run(_flow_run_logs(flow_run_id))
    assert any(level == 20 and ours in message for level, message in logs), logs
    assert ours not in result.text
    assert "| INFO" not in result.text
