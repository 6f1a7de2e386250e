"""A company whose invoice listing moves while a run reads it (test and soak share it).

bexio pages by `limit`/`offset` over an id-ordered list. The company has more open
invoices than fit on one page; right after the first page a colleague issues drafts with
lower ids, so the second page repeats the last rows of the first. A blocks file leaves
only the invoices around the page boundary to escalate: a short run, and enough
escalations that the commit works on two invoices at a time.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from connectors.client import MAX_PAGE_SIZE
from tests.support.sandbox import Company

__all__ = ["INVOICES", "listed_twice"]

INVOICES = 3500  # more than MAX_PAGE_SIZE of them are open
OPEN = (8, 16)
AROUND = 120  # invoices either side of the page boundary that the run may escalate


def listed_twice(company: Company, blocks: Path, drafts: int = 1) -> list[int]:
    """Arm the moving listing; the invoices the run will read twice, each made to escalate
    (long overdue, no reminder yet). Writes the blocks file for the run to `blocks`."""
    invoices = company.state.invoice_list
    open_ids = [i["id"] for i in invoices if i["kb_item_status_id"] in OPEN]
    if len(open_ids) <= MAX_PAGE_SIZE:
        raise ValueError(f"only {len(open_ids)} open invoices: one page, nothing can move")
    twice = open_ids[MAX_PAGE_SIZE - drafts : MAX_PAGE_SIZE]  # the end of the first page
    for invoice_id in twice:
        company.state.reminders.pop(invoice_id, None)
        company.state.invoices[invoice_id]["is_valid_to"] = date(2026, 8, 1).isoformat()
    company.remember()
    window = set(open_ids[MAX_PAGE_SIZE - AROUND : MAX_PAGE_SIZE + AROUND])
    blocks.write_text(
        "".join(
            f'[[block]]\ninvoice_id = {i}\nreason = "outside the moving page boundary"\n\n'
            for i in open_ids
            if i not in window
        ),
        encoding="utf-8",
    )
    company.admin("POST", "/issue_between_pages", {"drafts": drafts})
    return twice
