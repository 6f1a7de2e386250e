"""Pushing approved changes when bexio's answer is lost after the change was made: the
first attempt already gives the outcome that matches bexio, and nothing is pushed twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.push import commit_batch
from dunning.model import STATUS_UNPAID
from dunning.outcome import Outcome
from dunning.proposal import Reason
from tests.support.sandbox import Company


class MemoryJournal:
    """The run's journal, kept in memory (the push only needs these two calls)."""

    def __init__(self) -> None:
        self.intents: list[tuple[int, str, int | None]] = []

    def intent(self, invoice_id: int, action: str, target_level: int | None) -> None:
        self.intents.append((invoice_id, action, target_level))

    def has_intent(self, invoice_id: int) -> bool:
        return any(entry[0] == invoice_id for entry in self.intents)


@pytest.fixture
def bexio() -> Iterator[Company]:
    with Company.started(seed=11) as found:
        yield found


def reminder_path(invoice_id: int) -> str:
    return f"/2.0/kb_invoice/{invoice_id}/kb_reminder"


def test_a_reminder_whose_create_answer_was_lost_is_escalated_once(bexio: Company) -> None:
    decision = bexio.decisions(Reason.ESCALATE)[0]
    invoice_id = decision.invoice.id
    bexio.lose_answer("POST", reminder_path(invoice_id))

    (result,) = commit_batch(bexio.client, [decision], MemoryJournal(), unpaid_extension=True)

    reminders = bexio.state.reminders[invoice_id]
    (made,) = [r for r in reminders if r["reminder_level"] == decision.to_level]
    assert result.outcome is Outcome.ESCALATED, result.error
    assert result.reminder_id == made["id"]
    assert result.api_deadline is not None
    assert result.api_deadline.isoformat() == made["is_valid_to"]
    assert bexio.stats()["reminders_created"] == 1


def test_a_create_refused_before_it_was_made_is_tried_again_once(bexio: Company) -> None:
    decision = bexio.decisions(Reason.ESCALATE)[0]
    bexio.lose_answer("POST", reminder_path(decision.invoice.id), 503, applied=False)

    (result,) = commit_batch(bexio.client, [decision], MemoryJournal(), unpaid_extension=True)

    assert result.outcome is Outcome.ESCALATED, result.error
    assert bexio.stats()["reminders_created"] == 1


def test_an_invoice_marked_unpaid_whose_answer_was_lost_is_marked_unpaid(bexio: Company) -> None:
    decision = bexio.decisions(Reason.FINAL)[0]
    invoice_id = decision.invoice.id
    bexio.lose_answer("POST", f"/ext/kb_invoice/{invoice_id}/mark_unpaid", 502)

    (result,) = commit_batch(bexio.client, [decision], MemoryJournal(), unpaid_extension=True)

    assert result.outcome is Outcome.MARKED_UNPAID, result.error
    assert bexio.state.invoices[invoice_id]["kb_item_status_id"] == STATUS_UNPAID
    assert bexio.stats()["invoices_marked_unpaid"] == 1


# An amount bexio writes unpadded ("100"), but with more digits than the run computes with.
TOO_LARGE = "1" + "0" * 30


def test_a_bug_of_ours_fails_only_its_invoice_and_says_it_is_a_bug(bexio: Company) -> None:
    odd, other = bexio.decisions(Reason.ESCALATE)[:2]
    bexio.state.invoices[odd.invoice.id]["total_remaining_payments"] = TOO_LARGE

    results = commit_batch(bexio.client, [odd, other], MemoryJournal(), unpaid_extension=True)

    failed, escalated = results
    assert failed.outcome is Outcome.FAILED
    assert failed.error is not None
    assert failed.error.startswith("internal error: InvalidOperation")
    assert failed.error.endswith(
        "This is a bug in dunning; please report it with the run folder's errors.log."
    )
    assert failed.traceback is not None
    assert "Traceback (most recent call last)" in failed.traceback
    assert escalated.outcome is Outcome.ESCALATED
