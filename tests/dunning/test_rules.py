"""The proposal rules of docs/RULES.md, as tables of literal cases.

The policy used here has three levels with distinct graces, so that each boundary is a
visible date:  level 1: grace 5, pay 14, no fee;  level 2: grace 10, pay 10, CHF 20;
level 3: grace 7, pay 10, CHF 30 / EUR 25.  Minimum CHF 10.00. Interest 5 % from the due date.
The reference date R is 2026-11-30 unless a case says otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from dunning.blocks import Block
from dunning.model import Invoice, Reminder
from dunning.policy import Creditor, Level, Policy
from dunning.proposal import FeeLine, Reason
from dunning.rules import amounts_for, propose

R = date(2026, 11, 30)
CHF_STEP = {"CHF": Decimal("0.05")}

POLICY = Policy(
    version="test",
    sha256="0" * 64,
    levels=(
        Level(1, {"de": "Zahlungserinnerung"}, grace_days=5, payment_days=14),
        Level(
            2, {"de": "1. Mahnung"}, grace_days=10, payment_days=10, fees={"CHF": Decimal("20.00")}
        ),
        Level(
            3,
            {"de": "Letzte Mahnung"},
            grace_days=7,
            payment_days=10,
            fees={"CHF": Decimal("30.00"), "EUR": Decimal("25.00")},
        ),
    ),
    creditor=Creditor(
        "Muster AG", "Bahnhofstrasse", "1", "8001", "Zürich", "CH", "CH4431999123000889012"
    ),
    interest_rate_percent=Decimal("5"),
    interest_from="due_date",
    final_action="propose_unpaid",
    minimum_amount={"CHF": Decimal("10.00")},
)


def day(text: str) -> date:
    return date.fromisoformat(text)


def invoice(
    level: int = 0,
    deadline: str = "2026-10-31",
    remaining: str = "100.00",
    currency: str = "CHF",
    status: int = 8,
    due: str = "2026-10-31",
    first_reminder_on: str = "2026-11-05",
    invoice_id: int = 1,
    contact_id: int = 3,
) -> Invoice:
    """An invoice at `level`: its latest reminder (if any) set `deadline`."""
    reminders = tuple(
        Reminder(
            id=100 + n,
            invoice_id=invoice_id,
            level=n,
            valid_from=day(first_reminder_on) + timedelta(days=n - 1),
            valid_to=day(deadline) if n == level else day(first_reminder_on),
        )
        for n in range(1, level + 1)
    )
    return Invoice(
        id=invoice_id,
        document_nr=f"RE-{invoice_id:05d}",
        contact_id=contact_id,
        status=status,
        currency=currency,
        total=Decimal(remaining),
        remaining=Decimal(remaining),
        valid_from=day("2026-09-30"),
        valid_to=day(due) if level else day(deadline),
        reminders=reminders,
    )


# level, deadline D, remaining, currency -> reason, to_level
REASONS = [
    pytest.param(
        0, "2026-11-30", "100.00", "CHF", Reason.NOT_OVERDUE, None, id="D == R: not overdue"
    ),
    pytest.param(
        0, "2026-12-01", "100.00", "CHF", Reason.NOT_OVERDUE, None, id="D after R: not overdue"
    ),
    pytest.param(
        0,
        "2026-11-29",
        "100.00",
        "CHF",
        Reason.IN_GRACE,
        None,
        id="one day overdue: grace of level 1",
    ),
    pytest.param(
        0, "2026-11-26", "100.00", "CHF", Reason.IN_GRACE, None, id="R = D + 4: last day of grace 5"
    ),
    pytest.param(
        0,
        "2026-11-25",
        "100.00",
        "CHF",
        Reason.ESCALATE,
        1,
        id="R = D + 5: grace over, level 0 -> 1",
    ),
    pytest.param(
        1,
        "2026-11-21",
        "100.00",
        "CHF",
        Reason.IN_GRACE,
        None,
        id="level 1, R = D + 9: grace of level 2 is 10",
    ),
    pytest.param(
        1, "2026-11-20", "100.00", "CHF", Reason.ESCALATE, 2, id="level 1, R = D + 10: 1 -> 2"
    ),
    pytest.param(
        2,
        "2026-11-24",
        "100.00",
        "CHF",
        Reason.IN_GRACE,
        None,
        id="level 2, R = D + 6: grace of level 3 is 7",
    ),
    pytest.param(
        2, "2026-11-23", "100.00", "CHF", Reason.ESCALATE, 3, id="level 2, R = D + 7: 2 -> 3"
    ),
    pytest.param(
        3,
        "2026-11-24",
        "100.00",
        "CHF",
        Reason.IN_GRACE,
        None,
        id="level N, R = D + 6: still in grace(N)",
    ),
    pytest.param(
        3, "2026-11-23", "100.00", "CHF", Reason.FINAL, None, id="level N, R = D + 7: FINAL"
    ),
    pytest.param(
        3,
        "2026-11-30",
        "100.00",
        "CHF",
        Reason.NOT_OVERDUE,
        None,
        id="level N, D == R: not overdue",
    ),
    pytest.param(
        5,
        "2026-11-23",
        "100.00",
        "CHF",
        Reason.FINAL,
        None,
        id="level above N: FINAL with grace(N)",
    ),
    pytest.param(
        5,
        "2026-11-24",
        "100.00",
        "CHF",
        Reason.IN_GRACE,
        None,
        id="level above N: grace(N), never escalates",
    ),
    pytest.param(
        0, "2026-11-01", "9.99", "CHF", Reason.BELOW_MINIMUM, None, id="below the CHF minimum"
    ),
    pytest.param(
        0, "2026-11-01", "10.00", "CHF", Reason.ESCALATE, 1, id="exactly the minimum escalates"
    ),
    pytest.param(0, "2026-11-01", "0.50", "EUR", Reason.ESCALATE, 1, id="no minimum for EUR"),
    pytest.param(
        3, "2026-11-01", "9.99", "CHF", Reason.BELOW_MINIMUM, None, id="below minimum before FINAL"
    ),
    pytest.param(
        0,
        "2026-12-31",
        "9.99",
        "CHF",
        Reason.NOT_OVERDUE,
        None,
        id="not overdue before below minimum",
    ),
]


@pytest.mark.parametrize(
    ("level", "deadline", "remaining", "currency", "reason", "to_level"), REASONS
)
def test_reason_codes(
    level: int, deadline: str, remaining: str, currency: str, reason: Reason, to_level: int | None
) -> None:
    inv = invoice(level=level, deadline=deadline, remaining=remaining, currency=currency)
    (decision,) = propose([inv], POLICY, [], R).decisions
    assert (decision.reason, decision.from_level, decision.to_level) == (reason, level, to_level)
    assert decision.proposed == (reason is Reason.ESCALATE or reason is Reason.FINAL)
    assert (decision.amounts is not None) == (reason is Reason.ESCALATE)


@pytest.mark.parametrize(
    ("final_action", "proposed"),
    [
        pytest.param("propose_unpaid", True, id="propose_unpaid: FINAL is proposed"),
        pytest.param("none", False, id="none: FINAL is only listed"),
    ],
)
def test_final_action(final_action: str, proposed: bool) -> None:
    policy = replace(POLICY, final_action=final_action)
    (decision,) = propose([invoice(level=3, deadline="2026-11-01")], policy, [], R).decisions
    assert decision.reason is Reason.FINAL
    assert decision.proposed is proposed
    assert [
        d.reason
        for d in propose([invoice(level=3, deadline="2026-11-01")], policy, [], R).proposed()
    ] == ([Reason.FINAL] if proposed else [])


INVOICE_BLOCK = Block("disputed by customer", invoice_id=1)
CONTACT_BLOCK = Block("payment plan agreed", contact_id=3)

# blocks, deadline -> reason, recorded block reason, reported as expired
BLOCKS = [
    pytest.param(
        [INVOICE_BLOCK],
        "2026-11-01",
        Reason.BLOCKED,
        "disputed by customer",
        [],
        id="invoice block",
    ),
    pytest.param(
        [CONTACT_BLOCK], "2026-11-01", Reason.BLOCKED, "payment plan agreed", [], id="contact block"
    ),
    pytest.param(
        [CONTACT_BLOCK, INVOICE_BLOCK],
        "2026-11-01",
        Reason.BLOCKED,
        "disputed by customer",
        [],
        id="invoice block before contact block",
    ),
    pytest.param(
        [INVOICE_BLOCK],
        "2026-12-31",
        Reason.BLOCKED,
        "disputed by customer",
        [],
        id="blocked before not overdue",
    ),
    pytest.param(
        [replace(INVOICE_BLOCK, until=R)],
        "2026-11-01",
        Reason.BLOCKED,
        "disputed by customer",
        [],
        id="until == R still applies",
    ),
    pytest.param(
        [replace(INVOICE_BLOCK, until=day("2026-11-29"))],
        "2026-11-01",
        Reason.ESCALATE,
        None,
        [replace(INVOICE_BLOCK, until=day("2026-11-29"))],
        id="expired block: ignored and reported",
    ),
    pytest.param(
        [replace(INVOICE_BLOCK, until=day("2026-11-29")), CONTACT_BLOCK],
        "2026-11-01",
        Reason.BLOCKED,
        "payment plan agreed",
        [replace(INVOICE_BLOCK, until=day("2026-11-29"))],
        id="expired invoice block, contact block applies",
    ),
    pytest.param(
        [Block("other invoice", invoice_id=2), Block("other contact", contact_id=4)],
        "2026-11-01",
        Reason.ESCALATE,
        None,
        [],
        id="blocks of others do not apply",
    ),
    pytest.param(
        [Block("old", invoice_id=2, until=day("2026-01-01"))],
        "2026-11-01",
        Reason.ESCALATE,
        None,
        [],
        id="expired block of another invoice: not reported",
    ),
]


@pytest.mark.parametrize(("blocks", "deadline", "reason", "block_reason", "expired"), BLOCKS)
def test_blocks(
    blocks: list[Block],
    deadline: str,
    reason: Reason,
    block_reason: str | None,
    expired: list[Block],
) -> None:
    proposal = propose([invoice(deadline=deadline)], POLICY, blocks, R)
    (decision,) = proposal.decisions
    assert (decision.reason, decision.block_reason) == (reason, block_reason)
    assert list(proposal.expired_blocks) == expired
    assert decision.proposed == (reason is Reason.ESCALATE)


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(7, id="draft"),
        pytest.param(9, id="paid"),
        pytest.param(19, id="cancelled"),
        pytest.param(31, id="already unpaid"),
    ],
)
def test_invoices_that_are_not_open_get_no_decision(status: int) -> None:
    closed = invoice(invoice_id=1, status=status, deadline="2026-11-01")
    paid_up = invoice(invoice_id=2, status=8, remaining="0.00", deadline="2026-11-01")
    partial = invoice(invoice_id=3, status=16, deadline="2026-11-01")
    decisions = propose([closed, paid_up, partial], POLICY, [], R).decisions
    assert [d.invoice.id for d in decisions] == [3]


def test_one_decision_per_open_invoice_in_input_order_with_counts() -> None:
    invoices = [
        invoice(invoice_id=5, deadline="2026-12-10"),
        invoice(invoice_id=2, deadline="2026-11-01"),
        invoice(invoice_id=9, level=3, deadline="2026-11-01"),
        invoice(invoice_id=4, deadline="2026-11-01", contact_id=8),
    ]
    proposal = propose(invoices, POLICY, [Block("plan", contact_id=8)], R)
    assert [d.invoice.id for d in proposal.decisions] == [5, 2, 9, 4]
    assert proposal.counts() == {"BLOCKED": 1, "NOT_OVERDUE": 1, "FINAL": 1, "ESCALATE": 1}
    assert [d.invoice.id for d in proposal.proposed()] == [2, 9]


def test_an_invoice_listed_twice_gets_one_decision_the_first() -> None:
    first = invoice(invoice_id=2, deadline="2026-11-01")
    later = invoice(invoice_id=2, level=1, deadline="2026-11-01")
    other = invoice(invoice_id=3, deadline="2026-11-01")
    proposal = propose([first, other, later, other], POLICY, [], R)
    assert [(d.invoice.id, d.from_level) for d in proposal.decisions] == [(2, 0), (3, 0)]
    assert proposal.counts() == {"ESCALATE": 2}


# to_level, currency, remaining, due date, step -> fee lines, interest, days, total, deadline
AMOUNTS = [
    pytest.param(
        1,
        "CHF",
        "1000.00",
        "2026-10-31",
        CHF_STEP,
        [],
        "4.10",
        30,
        "1004.10",
        "2026-12-13",
        id="level 1: no fee; 4.1096 rounds to 4.10 at 0.05",
    ),
    pytest.param(
        1,
        "EUR",
        "1000.00",
        "2026-10-31",
        CHF_STEP,
        [],
        "4.11",
        30,
        "1004.11",
        "2026-12-13",
        id="EUR rounds to 0.01: 4.1096 -> 4.11",
    ),
    pytest.param(
        1,
        "CHF",
        "1000.00",
        "2026-10-31",
        {},
        [],
        "4.11",
        30,
        "1004.11",
        "2026-12-13",
        id="CHF without a known step rounds to 0.01",
    ),
    pytest.param(
        2,
        "CHF",
        "1000.00",
        "2026-10-31",
        CHF_STEP,
        [(2, "20.00")],
        "4.10",
        30,
        "1024.10",
        "2026-12-09",
        id="level 2 fee",
    ),
    pytest.param(
        3,
        "CHF",
        "1000.00",
        "2026-10-31",
        CHF_STEP,
        [(2, "20.00"), (3, "30.00")],
        "4.10",
        30,
        "1054.10",
        "2026-12-09",
        id="level 3 repeats the level 2 fee",
    ),
    pytest.param(
        3,
        "EUR",
        "1000.00",
        "2026-10-31",
        CHF_STEP,
        [(3, "25.00")],
        "4.11",
        30,
        "1029.11",
        "2026-12-09",
        id="missing fee for a currency counts as 0",
    ),
    pytest.param(
        1,
        "EUR",
        "36.50",
        "2026-11-29",
        {},
        [],
        "0.01",
        1,
        "36.51",
        "2026-12-13",
        id="tie 0.005 rounds half-up to 0.01",
    ),
    pytest.param(
        1,
        "CHF",
        "182.50",
        "2026-11-29",
        CHF_STEP,
        [],
        "0.05",
        1,
        "182.55",
        "2026-12-13",
        id="tie 0.025 rounds half-up to 0.05",
    ),
    pytest.param(
        1,
        "CHF",
        "1000.00",
        "2026-12-15",
        CHF_STEP,
        [],
        "0.00",
        0,
        "1000.00",
        "2026-12-13",
        id="due date after R: negative days count as 0",
    ),
]


@pytest.mark.parametrize(
    (
        "to_level",
        "currency",
        "remaining",
        "due",
        "rounding",
        "fees",
        "interest",
        "days",
        "total",
        "deadline",
    ),
    AMOUNTS,
)
def test_amounts(
    to_level: int,
    currency: str,
    remaining: str,
    due: str,
    rounding: dict[str, Decimal],
    fees: list[tuple[int, str]],
    interest: str,
    days: int,
    total: str,
    deadline: str,
) -> None:
    inv = invoice(remaining=remaining, currency=currency, deadline=due)
    step = rounding.get(currency, Decimal("0.01"))
    amounts = amounts_for(inv, POLICY, to_level, R, step)
    assert amounts.fees == tuple(FeeLine(level, Decimal(fee)) for level, fee in fees)
    assert (amounts.interest, amounts.interest_days) == (Decimal(interest), days)
    assert amounts.total_due == Decimal(total)
    assert amounts.total_due == amounts.open_amount + amounts.fees_total + amounts.interest
    assert amounts.deadline == day(deadline)
    assert str(amounts.interest) == interest  # two decimals, as printed


def test_escalation_carries_the_amounts_with_the_currency_step() -> None:
    inv = invoice(level=2, deadline="2026-11-01", due="2026-10-31", remaining="1000.00")
    (decision,) = propose([inv], POLICY, [], R, rounding=CHF_STEP).decisions
    assert decision.amounts is not None
    assert decision.amounts.total_due == Decimal("1054.10")
    assert decision.amounts.interest_start == day("2026-10-31")


# interest_from, level, first reminder date -> interest, days, start
INTEREST_START = [
    pytest.param("due_date", 1, "2026-11-05", "4.11", 30, "2026-10-31", id="from the due date"),
    pytest.param(
        "first_reminder", 1, "2026-11-10", "2.74", 20, "2026-11-10", id="from the first reminder"
    ),
    pytest.param(
        "first_reminder",
        0,
        "2026-11-10",
        "0.00",
        0,
        None,
        id="first_reminder, no reminder yet: no interest",
    ),
    pytest.param(
        "first_reminder",
        1,
        "2026-12-05",
        "0.00",
        0,
        "2026-12-05",
        id="reminder dated after R: 0 days",
    ),
]


@pytest.mark.parametrize(
    ("interest_from", "level", "first_on", "interest", "days", "start"), INTEREST_START
)
def test_interest_start(
    interest_from: str, level: int, first_on: str, interest: str, days: int, start: str | None
) -> None:
    policy = replace(POLICY, interest_from=interest_from)
    inv = invoice(
        level=level,
        deadline="2026-11-01",
        due="2026-10-31",
        remaining="1000.00",
        first_reminder_on=first_on,
    )
    amounts = amounts_for(inv, policy, level + 1, R)
    assert (amounts.interest, amounts.interest_days) == (Decimal(interest), days)
    assert amounts.interest_start == (day(start) if start else None)


def test_no_interest_when_the_rate_is_zero() -> None:
    policy = replace(POLICY, interest_rate_percent=Decimal("0"))
    amounts = amounts_for(invoice(remaining="1000.00"), policy, 1, R)
    assert (amounts.interest, amounts.interest_days, amounts.total_due) == (
        Decimal("0.00"),
        0,
        Decimal("1000.00"),
    )
