"""The proposal of a dunning run: a reason code and, for escalations, the amounts.

This is the one implementation of docs/RULES.md ("What a run proposes" and
"Amounts on the letter"); the order of the checks in `decide` is the order of that page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from dunning.blocks import Block
from dunning.commit_rules import already_done, recheck
from dunning.model import Invoice
from dunning.money import DEFAULT_STEP, round_to_step
from dunning.policy import Policy
from dunning.proposal import Amounts, Decision, FeeLine, Proposal, Reason

__all__ = [
    "propose",
    "decide_each",
    "decide",
    "amounts_for",
    "new_deadline",
    "recheck",
    "already_done",
]

_NO_ROUNDING: Mapping[str, Decimal] = MappingProxyType({})
_DAYS_PER_YEAR = 365


def propose(
    invoices: Iterable[Invoice],
    policy: Policy,
    blocks: Sequence[Block],
    reference_date: date,
    rounding: Mapping[str, Decimal] = _NO_ROUNDING,
) -> Proposal:
    """One decision per open invoice (input order, the first copy of an invoice listed
    twice); other invoices are skipped.

    `rounding` maps a currency to its rounding step (bexio's `round_factor`, 0.05 for CHF);
    a currency missing from it rounds to 0.01.
    """
    expired: set[int] = set()  # positions in `blocks`, so that equal blocks stay distinct
    decisions = tuple(
        decide_each(invoices, policy, blocks, reference_date, rounding, expired=expired)
    )
    return Proposal(decisions, tuple(blocks[i] for i in sorted(expired)))


def decide_each(
    invoices: Iterable[Invoice],
    policy: Policy,
    blocks: Sequence[Block],
    reference_date: date,
    rounding: Mapping[str, Decimal] = _NO_ROUNDING,
    *,
    seen: set[int] | None = None,
    expired: set[int] | None = None,
) -> Iterator[Decision]:
    """`propose`'s decisions one at a time: a large run writes each as it comes, a page of
    invoices at a time. `seen` carries the invoices decided from one page to the next;
    `expired` gathers the positions in `blocks` of those that matched an open invoice but
    had ended."""
    by_invoice, by_contact = _index(blocks)
    for invoice in _first_open(invoices, set() if seen is None else seen):
        matching = by_invoice.get(invoice.id, []) + by_contact.get(invoice.contact_id, [])
        if expired is not None:
            expired.update(i for i in matching if not blocks[i].applies(reference_date))
        # Invoice blocks come first in `matching`, so an invoice's own reason wins.
        block = next((blocks[i] for i in matching if blocks[i].applies(reference_date)), None)
        yield decide(invoice, policy, block, reference_date, rounding)


def _first_open(invoices: Iterable[Invoice], seen: set[int]) -> Iterator[Invoice]:
    """The open invoices not `seen` yet; bexio's paging can list one twice: its first open
    copy only."""
    for invoice in invoices:
        if not invoice.is_open or invoice.id in seen:
            continue
        seen.add(invoice.id)
        yield invoice


def _index(blocks: Sequence[Block]) -> tuple[dict[int, list[int]], dict[int | None, list[int]]]:
    by_invoice: dict[int, list[int]] = {}
    by_contact: dict[int | None, list[int]] = {}
    for position, block in enumerate(blocks):
        if block.invoice_id is not None:
            by_invoice.setdefault(block.invoice_id, []).append(position)
        elif block.contact_id is not None:
            by_contact.setdefault(block.contact_id, []).append(position)
    return by_invoice, by_contact


def decide(
    invoice: Invoice,
    policy: Policy,
    block: Block | None,
    reference_date: date,
    rounding: Mapping[str, Decimal] = _NO_ROUNDING,
) -> Decision:
    """The reason code of one open invoice; `block` is the block that applies, if any."""
    latest = invoice.latest_reminder
    level = latest.level if latest else 0
    deadline = latest.valid_to if latest else invoice.valid_to
    last = policy.level_count
    if block is not None:
        return Decision(invoice, Reason.BLOCKED, level, block_reason=block.reason)
    if deadline >= reference_date:
        return Decision(invoice, Reason.NOT_OVERDUE, level)
    minimum = policy.minimum_amount.get(invoice.currency)
    if minimum is not None and invoice.remaining < minimum:
        return Decision(invoice, Reason.BELOW_MINIMUM, level)
    if level >= last and reference_date >= deadline + _days(policy, last):
        proposed = policy.final_action == "propose_unpaid"
        return Decision(invoice, Reason.FINAL, level, proposed=proposed)
    if reference_date < deadline + _days(policy, min(level + 1, last)):
        return Decision(invoice, Reason.IN_GRACE, level)
    step = rounding.get(invoice.currency, DEFAULT_STEP)
    amounts = amounts_for(invoice, policy, level + 1, reference_date, step)
    return Decision(
        invoice, Reason.ESCALATE, level, to_level=level + 1, amounts=amounts, proposed=True
    )


def _days(policy: Policy, number: int) -> timedelta:
    return timedelta(days=policy.level(number).grace_days)


def amounts_for(
    invoice: Invoice,
    policy: Policy,
    to_level: int,
    reference_date: date,
    step: Decimal = DEFAULT_STEP,
) -> Amounts:
    """What the letter for level `to_level` shows: open amount, fees, interest, total, deadline."""
    currency = invoice.currency
    fees = tuple(
        FeeLine(number, fee)
        for number in range(1, to_level + 1)
        if (fee := policy.level(number).fee(currency)) != 0
    )
    interest, days, start = _interest(invoice, policy, reference_date, step)
    fees_total = sum((line.amount for line in fees), Decimal("0"))
    return Amounts(
        currency=currency,
        open_amount=invoice.remaining,
        fees=fees,
        interest=interest,
        interest_days=days,
        interest_rate_percent=policy.interest_rate_percent,
        interest_start=start,
        total_due=invoice.remaining + fees_total + interest,
        deadline=new_deadline(reference_date, policy.level(to_level).payment_days),
    )


def new_deadline(letter_date: date, payment_days: int) -> date:
    """The last day to pay after a letter of `letter_date`: the letter's day is the first of
    `payment_days`, as bexio counts a reminder's period (`is_valid_from + period - 1`)."""
    return letter_date + timedelta(days=payment_days - 1)


def _interest(
    invoice: Invoice, policy: Policy, reference_date: date, step: Decimal
) -> tuple[Decimal, int, date | None]:
    """Simple interest on the open amount: (rounded interest, days, start date)."""
    rate = policy.interest_rate_percent
    if rate <= 0:
        return round_to_step(Decimal(0), step), 0, None
    if policy.interest_from == "due_date":
        start: date | None = invoice.valid_to
    else:
        first = invoice.first_reminder
        start = first.valid_from if first else None
    if start is None:
        return round_to_step(Decimal(0), step), 0, None
    days = max((reference_date - start).days, 0)
    # One division, at the end, so the exact value is rounded only once.
    exact = invoice.remaining * rate * days / (100 * _DAYS_PER_YEAR)
    return round_to_step(exact, step), days, start
