"""Properties of the proposal that must hold for any invoices, policy and blocks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning.blocks import Block
from dunning.model import Invoice, Reminder
from dunning.policy import Creditor, Level, Policy
from dunning.proposal import Reason
from dunning.rules import propose

R = date(2026, 11, 30)
CREDITOR = Creditor(
    "Muster AG", "Bahnhofstrasse", "1", "8001", "Zürich", "CH", "CH4431999123000889012"
)
CURRENCIES = ("CHF", "EUR", "USD")
ROUNDING = {"CHF": Decimal("0.05"), "EUR": Decimal("0.01")}

amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.99"), places=2)
fees = st.dictionaries(st.sampled_from(CURRENCIES), amounts, max_size=3)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    count = draw(st.integers(1, 9))
    levels = tuple(
        Level(
            n,
            {"de": f"Stufe {n}"},
            grace_days=draw(st.integers(0, 30)),
            payment_days=draw(st.integers(1, 30)),
            fees=draw(fees),
        )
        for n in range(1, count + 1)
    )
    return Policy(
        version="p",
        sha256="0" * 64,
        levels=levels,
        creditor=CREDITOR,
        interest_rate_percent=draw(st.decimals(min_value=0, max_value=100, places=2)),
        interest_from=draw(st.sampled_from(["due_date", "first_reminder"])),
        final_action=draw(st.sampled_from(["propose_unpaid", "none"])),
        minimum_amount=draw(st.dictionaries(st.sampled_from(CURRENCIES), amounts, max_size=2)),
    )


@st.composite
def invoices(draw: st.DrawFn, invoice_id: int) -> Invoice:
    due = R + timedelta(days=draw(st.integers(-400, 60)))
    level = draw(st.integers(0, 11))
    reminders = []
    for n in range(1, level + 1):
        sent = due + timedelta(days=draw(st.integers(0, 200)))
        reminders.append(
            Reminder(
                id=invoice_id * 100 + n,
                invoice_id=invoice_id,
                level=n,
                valid_from=sent,
                valid_to=sent + timedelta(days=draw(st.integers(1, 30))),
            )
        )
    remaining = draw(amounts)
    return Invoice(
        id=invoice_id,
        document_nr=f"RE-{invoice_id}",
        contact_id=draw(st.integers(1, 5)),
        status=draw(st.sampled_from([8, 8, 16, 9, 7, 31])),
        currency=draw(st.sampled_from(CURRENCIES)),
        total=remaining,
        remaining=remaining,
        valid_from=due - timedelta(days=30),
        valid_to=due,
        reminders=tuple(reminders),
    )


@st.composite
def invoice_lists(draw: st.DrawFn) -> list[Invoice]:
    count = draw(st.integers(0, 25))
    return [draw(invoices(invoice_id)) for invoice_id in range(1, count + 1)]


until = st.one_of(st.none(), st.dates(R - timedelta(days=60), R + timedelta(days=60)))
blocks = st.lists(
    st.one_of(
        st.builds(Block, reason=st.just("disputed"), invoice_id=st.integers(1, 25), until=until),
        st.builds(Block, reason=st.just("payment plan"), contact_id=st.integers(1, 5), until=until),
    ),
    max_size=4,
)

# No time limits: on a busy machine drawing the examples is slow, which says nothing of the
# rules.
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(invoice_lists(), policies(), blocks)
def test_each_open_invoice_gets_exactly_one_decision(
    items: list[Invoice], policy: Policy, held: list[Block]
) -> None:
    proposal = propose(items, policy, held, R, ROUNDING)
    assert [d.invoice for d in proposal.decisions] == [i for i in items if i.is_open]
    assert sum(proposal.counts().values()) == len(proposal.decisions)


@FAST
@given(invoice_lists(), policies(), blocks)
def test_total_is_open_plus_fees_plus_interest(
    items: list[Invoice], policy: Policy, held: list[Block]
) -> None:
    for decision in propose(items, policy, held, R, ROUNDING).decisions:
        amounts = decision.amounts
        if amounts is None:
            continue
        assert amounts.total_due == amounts.open_amount + amounts.fees_total + amounts.interest
        expected_fees = sum(
            policy.level(n).fee(amounts.currency) for n in range(1, (decision.to_level or 0) + 1)
        )
        assert amounts.fees_total == expected_fees
        assert amounts.interest >= 0 and amounts.deadline >= R
        step = ROUNDING.get(amounts.currency, Decimal("0.01"))
        assert amounts.interest % step == 0


@FAST
@given(invoice_lists(), policies(), blocks)
def test_nothing_escalates_past_the_last_level(
    items: list[Invoice], policy: Policy, held: list[Block]
) -> None:
    for decision in propose(items, policy, held, R, ROUNDING).decisions:
        if decision.reason is Reason.ESCALATE:
            assert decision.to_level == decision.from_level + 1 <= policy.level_count
        if decision.reason is Reason.FINAL:
            assert decision.from_level >= policy.level_count


@FAST
@given(invoice_lists(), policies(), blocks, st.integers(1, 120))
def test_an_earlier_reference_date_never_adds_escalations(
    items: list[Invoice], policy: Policy, held: list[Block], days_earlier: int
) -> None:
    def escalated(reference_date: date) -> set[int]:
        proposal = propose(items, policy, held, reference_date, ROUNDING)
        return {d.invoice.id for d in proposal.decisions if d.reason is Reason.ESCALATE}

    assert escalated(R - timedelta(days=days_earlier)) <= escalated(R)
