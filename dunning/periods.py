"""bexio's reminder periods, learned from the account's own reminders, held against the
policy's `payment_days` (docs/RULES.md, "The new deadline").

bexio's API exposes no reminder settings: a reminder's period shows only as the span
`is_valid_to - is_valid_from + 1` of the reminders it made.
"""

from __future__ import annotations

from collections.abc import Iterable

from dunning.model import Invoice, Reminder
from dunning.policy import Policy

__all__ = ["learned_periods", "period_mismatch"]


def learned_periods(invoices: Iterable[Invoice]) -> dict[int, Reminder]:
    """Per level, the account's latest reminder of that level (latest date, then id)."""
    latest: dict[int, Reminder] = {}
    for invoice in invoices:
        for reminder in invoice.reminders:
            known = latest.get(reminder.level)
            if known is None or (reminder.valid_from, reminder.id) > (known.valid_from, known.id):
                latest[reminder.level] = reminder
    return latest


def _period(reminder: Reminder) -> int:
    return (reminder.valid_to - reminder.valid_from).days + 1


def period_mismatch(invoices: Iterable[Invoice], policy: Policy, policy_name: str) -> str | None:
    """One paragraph naming every level whose `payment_days` differs from bexio's period,
    or None when they agree (a level without a reminder in bexio is not checked)."""
    learned = learned_periods(invoices)
    problems = [
        f"level {number}'s payment_days is {policy.level(number).payment_days}, but bexio "
        f"gives a level {number} reminder {_period(reminder)} days (reminder {reminder.id} "
        f"of invoice {reminder.invoice_id}, dated {reminder.valid_from.isoformat()}, due "
        f"{reminder.valid_to.isoformat()})"
        for number in range(1, policy.level_count + 1)
        if (reminder := learned.get(number)) is not None
        and _period(reminder) != policy.level(number).payment_days
    ]
    if not problems:
        return None
    return (
        f"{policy_name}: {'; '.join(problems)}. bexio sets a new reminder's deadline from its "
        "own reminder settings, so the letters would name another day than bexio. Nothing "
        "was pushed. Make payment_days equal to bexio's period of each level (or change the "
        "periods in bexio's reminder settings) and run again."
    )
