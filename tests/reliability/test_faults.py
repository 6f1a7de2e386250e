"""Runs against a faulty bexio: 5xx, dropped connections, slow answers, 429 storms.

Whatever fails, re-running the same run (`dunning retry RUN_ID`) a few times leaves every
proposed invoice with exactly one new reminder at its target level and one letter.
"""

from __future__ import annotations

import pytest

from reliability_kit import REFERENCE_DATE, Company, check_exactly_once, run_until_done

RUN = ["run", "--reference-date", REFERENCE_DATE.isoformat()]


@pytest.mark.parametrize("seed", [3, 5])
def test_random_server_errors_and_dropped_connections_end_exactly_once(seed, tmp_path, monkeypatch):
    with Company.started(invoices=30, seed=seed, fail_rate=0.08) as company:
        company.use(monkeypatch, tmp_path)
        run_id, codes = run_until_done(tmp_path / "out", RUN)
        company.faults(0.0)
        tally = check_exactly_once(company, tmp_path / "out", [run_id])
        stats = company.admin("GET", "/stats")
    assert codes[-1] == 0, codes
    assert tally.ok, tally.problems
    assert stats.get("faults_after_apply", 0) + stats.get("faults_drop", 0) > 0
