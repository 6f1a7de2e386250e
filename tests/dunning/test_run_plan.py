"""What a run still has to do and how it ended: deselection, the commit list, dry runs."""

from __future__ import annotations

import pytest

from dunning.outcome import Outcome, Result
from dunning.proposal import Decision, Reason
from dunning.run_plan import (
    RunStatus,
    asks_approver,
    deselected,
    draft_results,
    dry_run_results,
    final_status,
    still_to_commit,
    still_to_deliver,
)
from tests.support.factories import AMOUNTS, escalate, final, not_overdue, open_invoice


def grace_with_amounts(i: int) -> Decision:
    """Not proposed, but carries amounts (as an unapproved draft would)."""
    return Decision(open_invoice(i), Reason.ESCALATE, 0, 1, amounts=AMOUNTS, proposed=False)


PROPOSAL = [escalate(1), final(2), not_overdue(3), escalate(4), escalate(5)]


def result(i: int, outcome: Outcome) -> Result:
    return Result(i, outcome)


# approved ids, results of earlier attempts -> deselected ids, ids still to commit
CASES = [
    pytest.param(frozenset({1, 2, 4, 5}), {}, [], [1, 2, 4, 5], id="everything approved"),
    pytest.param(frozenset({1, 5}), {}, [2, 4], [1, 5], id="two removed by the approver"),
    pytest.param(frozenset(), {}, [1, 2, 4, 5], [], id="none approved"),
    pytest.param(
        frozenset({1, 2, 4, 5}),
        {1: result(1, Outcome.ESCALATED), 2: result(2, Outcome.FAILED)},
        [],
        [2, 4, 5],
        id="retry: done is skipped, failed is redone",
    ),
    pytest.param(
        frozenset({1, 5}),
        {4: result(4, Outcome.DESELECTED)},
        [2],
        [1, 5],
        id="retry: deselected once, not again",
    ),
    pytest.param(
        frozenset({1, 2, 4, 5}),
        {i: result(i, o) for i, o in [(1, Outcome.CHANGED), (2, Outcome.MARKED_UNPAID)]}
        | {4: result(4, Outcome.ALREADY_DONE), 5: result(5, Outcome.MANUAL_ACTION)},
        [],
        [],
        id="retry: every final outcome is left alone",
    ),
]


@pytest.mark.parametrize(("approved", "earlier", "removed", "todo"), CASES)
def test_deselection_and_what_is_still_to_commit(approved, earlier, removed, todo):
    found = deselected(PROPOSAL, approved, "next month", earlier)
    assert [(r.invoice_id, r.outcome, r.note) for r in found] == [
        (i, Outcome.DESELECTED, "next month") for i in removed
    ]
    assert [d.invoice.id for d in still_to_commit(PROPOSAL, approved, earlier)] == todo


def test_dry_run_writes_letters_for_proposed_escalations_and_drafts_for_every_escalation():
    decisions = [*PROPOSAL, grace_with_amounts(6)]
    assert sorted(dry_run_results(decisions)) == [1, 4, 5]
    assert sorted(draft_results(decisions)) == [1, 4, 5, 6]
    assert {r.outcome for r in dry_run_results(decisions).values()} == {Outcome.ESCALATED}


@pytest.mark.parametrize(
    ("outcomes", "dry_run", "status"),
    [
        ([Outcome.ESCALATED, Outcome.DESELECTED], False, RunStatus.COMPLETED),
        ([Outcome.ESCALATED, Outcome.FAILED], False, RunStatus.FAILED),
        ([], False, RunStatus.COMPLETED),
        ([], True, RunStatus.DRY_RUN),
    ],
)
def test_final_status(outcomes, dry_run, status):
    results = [Result(i, o) for i, o in enumerate(outcomes)]
    assert final_status(results, dry_run=dry_run) is status
    assert status.value in {"completed", "failed", "dry_run"}


@pytest.mark.parametrize(
    ("proposed", "approval", "dry_run", "asks"),
    [
        (PROPOSAL, True, False, True),
        (PROPOSAL, False, False, False),
        (PROPOSAL, True, True, False),
        ([], True, False, False),
    ],
)
def test_only_a_run_with_approval_that_would_push_something_asks_a_person(
    proposed, approval, dry_run, asks
):
    assert asks_approver(proposed, approval=approval, dry_run=dry_run) is asks


def test_what_is_still_to_deliver_skips_the_sent_and_those_without_reminder():
    results = {
        1: Result(1, Outcome.ESCALATED, reminder_id=11),
        2: Result(2, Outcome.ALREADY_DONE, reminder_id=12),
        4: Result(4, Outcome.ESCALATED, reminder_id=None),
        5: Result(5, Outcome.ESCALATED, reminder_id=15),
    }
    assert still_to_deliver([5, 1, 2, 4], results, {2}) == [(5, 15), (1, 11)]
