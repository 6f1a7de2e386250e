"""The sandbox's memory stays small enough for the 100,000-invoice benchmark: compact
records for invoices, contacts and reminders, and no invoice PDF kept after it was served."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import date

import pytest

from connectors.sandbox import SandboxConfig
from connectors.sandbox.state import SandboxState
from dunning.letters.fmt import latin_text, pdf_text

TODAY = date(2026, 11, 30)


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def test_an_invoice_with_its_new_reminder_costs_the_sandbox_under_a_kilobyte(
    traced: None,
) -> None:
    # The benchmark's company, after a run escalated every invoice and marked it sent:
    # 100,000 invoices must fit in the sandbox's share of the memory goal.
    invoices = 3000
    state = SandboxState(SandboxConfig(invoices=invoices, scenario="all_overdue", today=TODAY))
    for invoice_id in list(state.invoices):
        reminder = state.create_reminder(invoice_id)
        state.set_sent(invoice_id, reminder["id"], True)
    held = tracemalloc.get_traced_memory()[0]
    assert held / invoices < 1024, f"{held / invoices:.0f} bytes an invoice"


def _forget_texts() -> None:
    """Empty the letters' bounded caches of cleaned texts, which the PDFs fill too."""
    pdf_text.cache_clear()
    latin_text.cache_clear()


def test_the_sandbox_keeps_no_invoice_pdf_it_served(traced: None) -> None:
    state = SandboxState(SandboxConfig(invoices=200, scenario="all_overdue", today=TODAY))
    ids = list(state.invoices)
    state.invoice_pdf(ids[0])  # the PDF machinery's own first-use caches
    _forget_texts()
    before = tracemalloc.get_traced_memory()[0]
    served = sum(state.invoice_pdf(invoice_id)["size"] for invoice_id in ids)
    _forget_texts()
    grown = tracemalloc.get_traced_memory()[0] - before
    assert served > 500_000
    assert grown < 100_000, f"{grown} bytes kept after serving {served} bytes of PDFs"
