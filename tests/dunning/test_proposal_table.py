"""The proposal an approver reads: the proposed invoices first, each with its id and why
(due date, days overdue, last reminder) and what it asks (fees, interest, total); a FINAL
invoice says what approving it does, as far as the API allows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from dunning.model import Reminder
from dunning.proposal import Decision, FeeLine
from dunning.report import approval_description, proposal_rows
from flows.approval import choice_label
from tests.support.factories import AMOUNTS, escalate, final, not_overdue

REFERENCE = date(2026, 11, 30)


def _escalation_with_a_reminder() -> Decision:
    plain = escalate(7)
    reminder = Reminder(
        id=1, invoice_id=7, level=1, valid_from=date(2026, 10, 20), valid_to=date(2026, 11, 2)
    )
    amounts = replace(
        AMOUNTS,
        fees=(FeeLine(2, Decimal("20.00")),),
        interest=Decimal("0.85"),
        total_due=Decimal("140.85"),
    )
    return replace(
        plain,
        invoice=replace(plain.invoice, reminders=(reminder,)),
        from_level=1,
        to_level=2,
        amounts=amounts,
    )


def test_the_proposal_lists_proposed_invoices_first_with_what_and_why() -> None:
    rows = proposal_rows([not_overdue(1), _escalation_with_a_reminder(), final(3)], REFERENCE)

    assert [row["id"] for row in rows] == [7, 3, 1]
    escalation = rows[0]
    assert escalation["level"] == "1 → 2"
    assert escalation["due"] == "02.11.2026"
    assert escalation["days overdue"] == 28
    assert escalation["last reminder"] == "20.10.2026"
    assert (escalation["fees"], escalation["interest"], escalation["total"]) == (
        "20.00",
        "0.85",
        "CHF 140.85",
    )
    assert rows[1]["due"] == "30.09.2026" and rows[1]["days overdue"] == 61
    assert rows[1]["last reminder"] == ""


def test_a_final_invoice_says_whether_it_goes_unpaid_or_to_manual_action() -> None:
    decision = final(3)
    assert proposal_rows([decision], REFERENCE)[0]["level"] == "3 → unpaid"
    assert (
        proposal_rows([decision], REFERENCE, unpaid_extension=False)[0]["level"]
        == "3 → manual action"
    )
    assert "L3 → unpaid" in choice_label(decision, unpaid_extension=True)
    assert "L3 → manual action" in choice_label(decision, unpaid_extension=False)


def test_the_form_says_what_approving_a_final_invoice_does() -> None:
    decisions = [escalate(1), final(3)]
    assert "**1** past the last level (→ unpaid)" in approval_description(
        "r", "2026-11-30", decisions, None
    )
    assert "**1** past the last level (→ manual action)" in approval_description(
        "r", "2026-11-30", decisions, None, unpaid_extension=False
    )


def test_the_form_says_the_letters_will_be_bexios_when_the_policy_takes_them_from_bexio() -> None:
    decisions = [escalate(1)]
    told = approval_description(
        "r", "2026-11-30", decisions, "http://x/d.pdf", letters_from_bexio=True
    )
    assert "bexio's reminder PDFs" in told and "no fees, no interest" in told
    assert "bexio's reminder PDFs" not in approval_description(
        "r", "2026-11-30", decisions, "http://x/d.pdf"
    )
