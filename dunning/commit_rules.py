"""Pure checks for the commit step: has an approved invoice changed, or is it already done?

docs/RULES.md "Commit": an invoice is re-checked before anything is pushed, and a level that was
already reached by an earlier attempt of the same run is reused, never pushed twice.
"""

from __future__ import annotations

from dunning.model import OPEN_STATUSES, STATUS_UNPAID, Invoice
from dunning.money import money_text
from dunning.proposal import Decision, Reason

__all__ = ["recheck", "already_done"]


def recheck(decision: Decision, current: Invoice) -> str | None:
    """None when nothing relevant changed since the proposal, else what changed, in words.

    Any level change counts, the target level too: only the caller knows whether an earlier
    attempt of this run made it, so it asks `already_done` first where that is the case.
    """
    if current.status not in OPEN_STATUSES:
        return f"no longer open (status {current.status})"
    if not current.is_open:
        return "no longer open (nothing remains to be paid)"
    changes = []
    if current.level != decision.from_level:
        changes.append(f"level changed from {decision.from_level} to {current.level}")
    amount = _amount_change(decision.invoice, current)
    if amount:
        changes.append(amount)
    return "; ".join(changes) or None


def _amount_change(before: Invoice, current: Invoice) -> str | None:
    if current.currency != before.currency:
        return f"currency changed from {before.currency} to {current.currency}"
    if current.remaining != before.remaining:
        return (
            f"remaining amount changed from {money_text(before.remaining)} "
            f"to {money_text(current.remaining)}"
        )
    return None


def already_done(decision: Decision, current: Invoice) -> bool:
    """True when the invoice is where the decision's push would take it.

    ESCALATE: the target level is reached; FINAL: the invoice is marked unpaid. Whether
    this run made the change (and not someone else) is for the caller to know.
    """
    if decision.reason is Reason.ESCALATE:
        return current.level == decision.to_level
    if decision.reason is Reason.FINAL:
        return current.status == STATUS_UNPAID
    return False
