"""Re-check before pushing, and recognising an invoice already where a push would take it.

`recheck` reports every change, the target level too; `already_done` says whether the
invoice is already at the decision's target (the caller knows whether its own run did it).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from dunning.commit_rules import already_done, recheck
from dunning.model import Invoice, Reminder
from dunning.proposal import Decision, Reason


def reminded(invoice: Invoice, *levels: int) -> Invoice:
    return replace(
        invoice,
        reminders=tuple(
            Reminder(
                id=10 + n,
                invoice_id=invoice.id,
                level=n,
                valid_from=date(2026, 10, n),
                valid_to=date(2026, 10, 10 + n),
            )
            for n in levels
        ),
    )


BASE = reminded(
    Invoice(
        id=1,
        document_nr="RE-1",
        contact_id=3,
        status=8,
        currency="CHF",
        total=Decimal("120.00"),
        remaining=Decimal("120.00"),
        valid_from=date(2026, 9, 1),
        valid_to=date(2026, 9, 30),
    ),
    1,
)
ESCALATE = Decision(BASE, Reason.ESCALATE, from_level=1, to_level=2, proposed=True)
FINAL = Decision(reminded(BASE, 1, 2, 3), Reason.FINAL, from_level=3, proposed=True)

# decision, the invoice as the API shows it now -> what changed, already done
CASES = [
    pytest.param(ESCALATE, BASE, None, False, id="unchanged"),
    pytest.param(
        ESCALATE,
        replace(BASE, remaining=Decimal("80")),
        "remaining amount changed from 120.00 to 80.00",
        False,
        id="partly paid",
    ),
    pytest.param(
        ESCALATE,
        replace(BASE, status=9, remaining=Decimal("0")),
        "no longer open (status 9)",
        False,
        id="paid",
    ),
    pytest.param(
        ESCALATE,
        replace(BASE, remaining=Decimal("0")),
        "no longer open (nothing remains to be paid)",
        False,
        id="pending but nothing remains",
    ),
    pytest.param(
        ESCALATE, replace(BASE, status=16), None, False, id="pending to partial is no change"
    ),
    pytest.param(
        ESCALATE,
        reminded(BASE, 1, 3),
        "level changed from 1 to 3",
        False,
        id="someone else escalated",
    ),
    pytest.param(
        ESCALATE, reminded(BASE), "level changed from 1 to 0", False, id="reminder deleted"
    ),
    pytest.param(
        ESCALATE,
        reminded(BASE, 1, 2),
        "level changed from 1 to 2",
        True,
        id="target level reached: already done, and a change",
    ),
    pytest.param(
        ESCALATE,
        replace(reminded(BASE, 1, 2), remaining=Decimal("100.00")),
        "level changed from 1 to 2; remaining amount changed from 120.00 to 100.00",
        True,
        id="already done, amount changed",
    ),
    pytest.param(
        ESCALATE,
        replace(BASE, currency="EUR"),
        "currency changed from CHF to EUR",
        False,
        id="currency changed",
    ),
    pytest.param(
        ESCALATE,
        replace(reminded(BASE, 1, 3), remaining=Decimal("80")),
        "level changed from 1 to 3; remaining amount changed from 120.00 to 80.00",
        False,
        id="two changes",
    ),
    pytest.param(FINAL, reminded(BASE, 1, 2, 3), None, False, id="FINAL unchanged"),
    pytest.param(
        FINAL,
        replace(reminded(BASE, 1, 2, 3), status=31),
        "no longer open (status 31)",
        True,
        id="FINAL already marked unpaid",
    ),
    pytest.param(
        FINAL,
        replace(reminded(BASE, 1, 2, 3), status=9),
        "no longer open (status 9)",
        False,
        id="FINAL paid meanwhile",
    ),
]


@pytest.mark.parametrize(("decision", "current", "change", "done"), CASES)
def test_recheck_and_already_done(
    decision: Decision, current: Invoice, change: str | None, done: bool
) -> None:
    assert recheck(decision, current) == change
    assert already_done(decision, current) is done


def test_a_decision_that_pushes_nothing_is_never_done() -> None:
    decision = Decision(BASE, Reason.IN_GRACE, from_level=1)
    assert already_done(decision, reminded(BASE, 1, 2)) is False
