"""`dunning run --approval` tells where the approver answers: the run's page in the UI."""

from __future__ import annotations

import threading

from prefect.flow_runs import resume_flow_run

from tests.support.cli import run_cli
from tests.support.harness import paused_run
from tests.support.sandbox import REFERENCE_DATE


def test_an_approval_run_prints_the_url_where_the_approver_resumes_it(
    bexio, output, prefect_server
):
    waiting: list[str] = []

    def approver() -> None:
        run_id, schema = paused_run()
        waiting.append(str(run_id))
        resume_flow_run(run_id, run_input={"selected": schema["properties"]["selected"]["default"]})

    person = threading.Thread(target=approver)
    person.start()
    result = run_cli(
        [
            "run",
            "--approval",
            "--reference-date",
            REFERENCE_DATE.isoformat(),
            "--confirm-reference-date",
        ]
    )
    person.join(10)

    assert result.code == 0, result.text
    ui = prefect_server.removesuffix("/api")
    assert f"{ui}/v2/runs/flow-run/{waiting[0]}" in result.err
    assert "waits for approval" in result.err
