"""Runs against a faulty bexio: 5xx, dropped connections, slow answers, 429 storms.

Whatever fails, re-running the same run (`dunning retry RUN_ID`) a few times leaves every
proposed invoice with exactly one new reminder at its target level and one letter, and
the manifest agrees with the reminders the API holds. `make soak` runs many more seeds.
"""

from __future__ import annotations

import contextlib

import pytest

from tests.support.checks import check_exactly_once
from tests.support.cli import run_until_done
from tests.support.sandbox import REFERENCE_DATE, budget_burner

RUN = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]

SCENARIOS = {
    "5xx-and-drops": {"seed": 3, "fail_rate": 0.08},
    "slow-and-failing": {"seed": 5, "fail_rate": 0.05, "latency_ms": 25},
    "429-storm": {"seed": 8, "fail_rate": 0.03, "rate_limit": 30, "window_seconds": 1},
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_faulty_api_then_retries_end_with_every_invoice_escalated_once(
    name, tmp_path, start_company
):
    company = start_company(invoices=30, **SCENARIOS[name])
    with budget_burner(company) if "rate_limit" in SCENARIOS[name] else contextlib.nullcontext():
        run_id, codes = run_until_done(tmp_path / "out", RUN)
    company.faults(0.0)
    tally = check_exactly_once(company, tmp_path / "out", [run_id])
    stats = company.admin("GET", "/stats")
    assert codes[-1] == 0, codes
    assert tally.ok, tally.problems
    injected = sum(
        v for k, v in stats.items() if k.startswith("faults_") and k != "faults_after_apply"
    )
    assert injected > 0
    if "rate_limit" in SCENARIOS[name]:  # the run met the storm, not only the other client
        hit = {
            route: n
            for route, by in stats["requests"].items()
            if route != "GET /2.0/language"
            for status, n in by.items()
            if status == "429"
        }
        assert hit, stats["requests"]
