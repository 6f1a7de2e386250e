"""What a run proposes for each open invoice, with the reason and the amounts.

The rules are those of the project's RULES.md, evaluated in its order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from dunning.model import Invoice

__all__ = ["Reason", "FeeLine", "Amounts", "Decision"]


class Reason(StrEnum):
    BLOCKED = "BLOCKED"
    NOT_OVERDUE = "NOT_OVERDUE"
    BELOW_MINIMUM = "BELOW_MINIMUM"
    FINAL = "FINAL"
    IN_GRACE = "IN_GRACE"
    ESCALATE = "ESCALATE"


@dataclass(frozen=True)
class FeeLine:
    level: int
    amount: Decimal


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Decision:
    """The reason code for one open invoice, and what it proposes."""

    invoice: Invoice
    reason: Reason
    from_level: int
    to_level: int | None = None  # set for ESCALATE
    block_reason: str | None = None
    amounts: Amounts | None = None  # set for ESCALATE
    proposed: bool = False  # ESCALATE, or FINAL with final_action "propose_unpaid"
