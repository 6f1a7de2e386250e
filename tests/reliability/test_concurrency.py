"""Two runs for the same reference date, started together, escalate no invoice twice.

The commit holds the `dunning-commit` concurrency limit; here the test holds it first, so
that both runs have stored their proposals (the same invoices) before either may commit.
The run that commits second re-checks each invoice, sees the new level: CHANGED.
"""

from __future__ import annotations

import time

from flows.commit_lock import commit_lock
from tests.support.checks import check_exactly_once
from tests.support.cli import kill, load_manifest, new_runs, start_run_process, subprocess_env
from tests.support.sandbox import REFERENCE_DATE

RUN = ("run", "--reference-date", REFERENCE_DATE.isoformat())


def _proposals_stored(output, count: int, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum((output / r / "proposal.json").exists() for r in new_runs(output)) >= count:
            return True
        time.sleep(0.05)
    return False


def test_two_runs_started_together_escalate_each_invoice_once(company, tmp_path, prefect_url):
    output = tmp_path / "out"
    env = subprocess_env(company.env(output), prefect_url)
    with commit_lock():
        runs = [start_run_process(env, tmp_path, *RUN) for _ in range(2)]
        both_proposed = _proposals_stored(output, 2)
    codes = [p.wait(timeout=120) for p in runs]
    for process in runs:
        kill(process)
    assert both_proposed and codes == [0, 0], codes
    first, second = (load_manifest(output, r) for r in new_runs(output))
    proposed = {ln["invoice_id"] for ln in first["lines"] if ln["reason"] == "ESCALATE"}
    assert proposed and proposed == {
        ln["invoice_id"] for ln in second["lines"] if ln["reason"] == "ESCALATE"
    }
    outcomes = sorted(
        ln["outcome"] for ln in first["lines"] + second["lines"] if ln["invoice_id"] in proposed
    )
    assert outcomes == sorted(["ESCALATED"] * len(proposed) + ["CHANGED"] * len(proposed))
    changed = [
        ln
        for ln in first["lines"] + second["lines"]
        if ln["outcome"] == "CHANGED" and ln["invoice_id"] in proposed
    ]
    assert all("level changed" in ln["note"] for ln in changed), changed
    tally = check_exactly_once(company, output, new_runs(output))
    assert tally.ok, tally.problems
