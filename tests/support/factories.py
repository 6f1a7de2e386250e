"""Values of the core for table tests: an open invoice, its amounts, a decision per reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dunning.model import Invoice
from dunning.proposal import Amounts, Decision, Reason

__all__ = ["AMOUNTS", "escalate", "final", "not_overdue", "open_invoice"]


def open_invoice(invoice_id: int) -> Invoice:
    """A pending CHF 120.00 invoice without reminders, due 2026-09-30."""
    return Invoice(
        id=invoice_id,
        document_nr=f"RE-{invoice_id}",
        contact_id=3,
        status=8,
        currency="CHF",
        total=Decimal("120.00"),
        remaining=Decimal("120.00"),
        valid_from=date(2026, 9, 1),
        valid_to=date(2026, 9, 30),
    )


# What a first reminder of `open_invoice` asks for: the open amount, nothing added.
AMOUNTS = Amounts(
    currency="CHF",
    open_amount=Decimal("120.00"),
    fees=(),
    interest=Decimal("0.00"),
    interest_days=0,
    interest_rate_percent=Decimal("5"),
    interest_start=None,
    total_due=Decimal("120.00"),
    deadline=date(2026, 12, 14),
)


def escalate(invoice_id: int) -> Decision:
    """Proposed: a first reminder."""
    return Decision(open_invoice(invoice_id), Reason.ESCALATE, 0, 1, amounts=AMOUNTS, proposed=True)


def final(invoice_id: int) -> Decision:
    """Proposed: past the last level, to be marked unpaid."""
    return Decision(open_invoice(invoice_id), Reason.FINAL, 3, proposed=True)


def not_overdue(invoice_id: int) -> Decision:
    """Not proposed: not due yet."""
    return Decision(open_invoice(invoice_id), Reason.NOT_OVERDUE, 0)
