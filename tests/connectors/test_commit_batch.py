"""The commit of a batch against the sandbox: an invoice handed over twice is committed once."""

from __future__ import annotations

from datetime import date

from connectors import BexioClient
from connectors.push import commit_batch
from connectors.sandbox import SandboxConfig, running_sandbox
from dunning.outcome import Outcome
from dunning.policy_file import example_policy_path, load_policy
from dunning.rules import propose

DAY = date(2026, 11, 30)


class Journal:
    def __init__(self) -> None:
        self.intents: list[int] = []

    def intent(self, invoice_id: int, action: str, target_level: int | None) -> None:
        self.intents.append(invoice_id)

    def has_intent(self, invoice_id: int) -> bool:
        return invoice_id in self.intents


def test_an_invoice_twice_in_a_batch_gets_one_reminder_and_one_result() -> None:
    config = SandboxConfig(invoices=80, seed=3, today=DAY, scenario="all_overdue", latency_ms=15)
    with running_sandbox(config) as url, BexioClient(url, config.token) as bexio:
        invoices = bexio.fetch_open_invoices()
        proposal = propose(invoices, load_policy(example_policy_path()), (), DAY, bexio.rounding())
        decisions = list(proposal.proposed())
        assert len(decisions) >= 64  # committed two at a time
        twice = decisions[10]
        batch = [*decisions[:11], twice, *decisions[11:]]  # the two copies side by side
        results = commit_batch(bexio, batch, Journal(), unpaid_extension=False)
        levels = [r["reminder_level"] for r in url.state.reminders.get(twice.invoice.id, [])]
    assert levels == [1]
    assert [r.invoice_id for r in results] == [d.invoice.id for d in decisions]
    assert {r.outcome for r in results} == {Outcome.ESCALATED}
