"""bexio's invoice listing moves while a run reads it, and the run still escalates each
invoice at most once.

bexio pages by `limit`/`offset` over an id-ordered list. When a colleague issues a draft
with a lower id between two pages, the next page repeats the last row of the one before:
the run reads that invoice twice.
"""

from __future__ import annotations

from tests.reliability.moving_listing import INVOICES, listed_twice
from tests.support.checks import check_exactly_once
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE, reminders_by_invoice


def test_an_invoice_listed_twice_gets_one_new_level(tmp_path, start_company):
    company = start_company(invoices=INVOICES, seed=4, latency_ms=15)
    (twice,) = listed_twice(company, tmp_path / "blocks.toml")

    result = run_cli(
        [
            "run",
            "--reference-date",
            REFERENCE_DATE.isoformat(),
            "--confirm-reference-date",
            "--blocks",
            "blocks.toml",
        ]
    )

    stats = company.admin("GET", "/stats")
    after = reminders_by_invoice(company.admin("GET", "/reminders"))
    output = tmp_path / "out"
    (run_id,) = new_runs(output)
    tally = check_exactly_once(company, output, [run_id])
    lines = [ln for ln in load_manifest(output, run_id)["lines"] if ln["invoice_id"] == twice]
    assert stats["invoices_issued_admin"] == 1  # the listing really moved under the run
    before = {r["id"] for rs in company.before.values() for r in rs}
    new_levels = {
        invoice_id: [r["reminder_level"] for r in reminders if r["id"] not in before]
        for invoice_id, reminders in after.items()
    }
    assert {i: levels for i, levels in new_levels.items() if len(levels) > 1} == {}
    assert new_levels[twice] == [1]
    assert [(ln["reason"], ln["outcome"]) for ln in lines] == [("ESCALATE", "ESCALATED")]
    assert result.code == 0, result.text
    assert tally.ok, tally.problems
