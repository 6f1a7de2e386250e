"""bexio's invoice listing moves while a run reads it, and the run still escalates each
invoice at most once.

bexio pages by `limit`/`offset` over an id-ordered list. When a colleague issues a draft
with a lower id between two pages, the next page repeats the last row of the one before:
the run reads that invoice twice.
"""

from __future__ import annotations

from datetime import date

from connectors.client import MAX_PAGE_SIZE
from tests.support.checks import check_exactly_once
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE, Company, reminders_by_invoice

OPEN = (8, 16)
AROUND = 120  # invoices either side of the page boundary that the run may escalate


def _overdue_at_level_zero(company: Company, invoice_id: int) -> None:
    """The invoice escalates to level 1 in the run (it is long overdue, no reminder yet)."""
    company.state.reminders.pop(invoice_id, None)
    company.state.invoices[invoice_id]["is_valid_to"] = date(2026, 8, 1).isoformat()


def test_an_invoice_listed_twice_gets_one_new_level(tmp_path, start_company):
    company = start_company(invoices=3500, seed=4, latency_ms=15)
    invoices = company.state.invoice_list
    open_ids = [i["id"] for i in invoices if i["kb_item_status_id"] in OPEN]
    assert len(open_ids) > MAX_PAGE_SIZE  # two pages
    twice = open_ids[MAX_PAGE_SIZE - 1]  # last of page 1, first of page 2 once shifted
    _overdue_at_level_zero(company, twice)
    company.remember()
    # Only the invoices around the page boundary may escalate: a short run, and
    # enough escalations that the commit works on two invoices at a time.
    window = set(open_ids[MAX_PAGE_SIZE - AROUND : MAX_PAGE_SIZE + AROUND])
    blocks = "".join(
        f'[[block]]\ninvoice_id = {i}\nreason = "not part of this test"\n\n'
        for i in open_ids
        if i not in window
    )
    (tmp_path / "blocks.toml").write_text(blocks, encoding="utf-8")
    company.admin("POST", "/issue_between_pages", {"drafts": 1})

    result = run_cli(
        ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--blocks", "blocks.toml"]
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
