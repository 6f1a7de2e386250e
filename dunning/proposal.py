"""What a run proposes for each open invoice, with the reason and the amounts.

The rules are those of docs/RULES.md, evaluated in its order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from dunning.blocks import Block
from dunning.model import Invoice

__all__ = [
    "Reason",
    "FeeLine",
    "Amounts",
    "Decision",
    "Proposal",
    "one_per_invoice",
    "reason_counts",
]


class Reason(StrEnum):
    BLOCKED = "BLOCKED"
    NOT_OVERDUE = "NOT_OVERDUE"
    BELOW_MINIMUM = "BELOW_MINIMUM"
    FINAL = "FINAL"
    IN_GRACE = "IN_GRACE"
    ESCALATE = "ESCALATE"


@dataclass(frozen=True, slots=True)
class FeeLine:
    level: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Amounts:
    """Every amount a letter for an escalation shows, in the invoice's currency."""

    currency: str
    open_amount: Decimal
    fees: tuple[FeeLine, ...]  # one line per level with a non-zero fee
    interest: Decimal  # rounded to the currency's step
    interest_days: int
    interest_rate_percent: Decimal
    interest_start: date | None
    total_due: Decimal
    deadline: date  # reference date + payment_days of the target level

    @property
    def fees_total(self) -> Decimal:
        return sum((line.amount for line in self.fees), Decimal("0"))

    @property
    def separately(self) -> Decimal:
        """Fees and interest: listed on the letter, left out of its payment part, and
        invoiced separately (RULES.md, "Fees and interest")."""
        return self.fees_total + self.interest


@dataclass(frozen=True, slots=True)
class Decision:
    """The reason code for one open invoice, and what it proposes."""

    invoice: Invoice
    reason: Reason
    from_level: int
    to_level: int | None = None  # set for ESCALATE
    block_reason: str | None = None
    amounts: Amounts | None = None  # set for ESCALATE
    proposed: bool = False  # ESCALATE, or FINAL with final_action "propose_unpaid"


@dataclass(frozen=True, slots=True)
class Proposal:
    """A run's proposal: one decision per open invoice, in input order."""

    decisions: tuple[Decision, ...]
    expired_blocks: tuple[Block, ...] = ()  # matched an open invoice but had ended: reported

    def counts(self) -> dict[str, int]:
        """Invoices per reason code, in the order of the rules; reasons with none are left out."""
        return reason_counts(Counter(decision.reason for decision in self.decisions))

    def proposed(self) -> tuple[Decision, ...]:
        """The decisions a person approves: ESCALATE, and FINAL where it is proposed."""
        return tuple(decision for decision in self.decisions if decision.proposed)


def reason_counts(found: Mapping[Reason, int]) -> dict[str, int]:
    """Invoices per reason code, in the order of the rules; reasons with none are left out."""
    return {reason.value: found[reason] for reason in Reason if found.get(reason)}


def one_per_invoice(decisions: Iterable[Decision]) -> list[Decision]:
    """The decisions in order, only the first for each invoice: whatever repeats one (a
    stored proposal of an older version, a caller's list), an invoice is handled once."""
    seen: set[int] = set()
    unique = []
    for decision in decisions:
        if decision.invoice.id not in seen:
            seen.add(decision.invoice.id)
            unique.append(decision)
    return unique
