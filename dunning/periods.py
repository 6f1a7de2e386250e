"""bexio's reminder settings, learned from the account's own reminders, held against the
policy (docs/RULES.md, "The new deadline" and "Levels against bexio").

bexio's API exposes no reminder settings: a reminder's period shows only as the span
`is_valid_to - is_valid_from + 1` of the reminders it made, and its number of levels only
as the highest level found, or as bexio's refusal to create one more.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import date

from dunning.model import Invoice, Reminder
from dunning.policy import Policy

__all__ = [
    "SETTINGS_STOP",
    "LevelGuard",
    "ReminderSurvey",
    "is_settings_stop",
    "learned_periods",
    "levels_beyond",
    "period_mismatch",
]

# How an invoice's error starts when the run stopped pushing its level: a retry cannot help.
SETTINGS_STOP = "the policy does not match bexio's reminder settings: "


def learned_periods(invoices: Iterable[Invoice]) -> dict[int, Reminder]:
    """Per level, the account's latest reminder of that level (latest date, then id)."""
    latest: dict[int, Reminder] = {}
    for invoice in invoices:
        _note_latest(latest, invoice.reminders)
    return latest


def _note_latest(latest: dict[int, Reminder], reminders: Iterable[Reminder]) -> None:
    for reminder in reminders:
        known = latest.get(reminder.level)
        if known is None or (reminder.valid_from, reminder.id) > (known.valid_from, known.id):
            latest[reminder.level] = reminder


class ReminderSurvey:
    """What `levels_beyond` and `period_mismatch` look at, gathered from the invoices a
    page at a time: the reminders above the policy's last level, and each level's latest."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._above: list[Reminder] = []
        self._latest: dict[int, Reminder] = {}

    def add(self, invoices: Iterable[Invoice]) -> None:
        for invoice in invoices:
            self._above.extend(r for r in invoice.reminders if r.level > self.policy.level_count)
            _note_latest(self._latest, invoice.reminders)

    def mismatch(self, policy_name: str) -> str | None:
        """The first of `levels_beyond` and `period_mismatch` that finds one, or None."""
        return _levels_beyond(self._above, self.policy, policy_name) or _period_mismatch(
            self._latest, self.policy, policy_name
        )


def _period(reminder: Reminder) -> int:
    return (reminder.valid_to - reminder.valid_from).days + 1


def period_mismatch(invoices: Iterable[Invoice], policy: Policy, policy_name: str) -> str | None:
    """One paragraph naming every level whose `payment_days` differs from bexio's period,
    or None when they agree (a level without a reminder in bexio is not checked)."""
    return _period_mismatch(learned_periods(invoices), policy, policy_name)


def _period_mismatch(
    learned: Mapping[int, Reminder], policy: Policy, policy_name: str
) -> str | None:
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


def levels_beyond(invoices: Iterable[Invoice], policy: Policy, policy_name: str) -> str | None:
    """One paragraph when the account holds reminders above the policy's last level (bexio
    has more levels than the policy), or None."""
    return _levels_beyond(
        [r for i in invoices for r in i.reminders if r.level > policy.level_count],
        policy,
        policy_name,
    )


def _levels_beyond(reminders: Iterable[Reminder], policy: Policy, policy_name: str) -> str | None:
    above = sorted(
        (r for r in reminders if r.level > policy.level_count), key=lambda r: (r.level, r.id)
    )
    if not above:
        return None
    top = above[-1]
    return (
        f"{policy_name} has {policy.level_count} levels, but bexio holds {len(above)} "
        f"reminders above level {policy.level_count} (the highest: level {top.level}, "
        f"reminder {top.id} of invoice {top.invoice_id}), so bexio's reminder settings have "
        f"at least {top.level} levels and would give the next reminder of such an invoice "
        "another level than the letter names. Nothing was pushed. Give the policy as many "
        "levels as bexio's reminder settings (or remove the extra levels in bexio) and run "
        "again."
    )


def is_settings_stop(error: str | None) -> bool:
    """Whether an invoice failed because the run stopped pushing its level."""
    return error is not None and error.startswith(SETTINGS_STOP)


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


class LevelGuard:
    """What a run learns about bexio's settings while it pushes, per level: the period of
    the first reminder it creates at that level (the only source where bexio held no
    reminder of the level yet), and bexio's refusal of a level past its last. Either stops further pushes of that level. Thread-safe: the
    commit pushes two invoices at a time."""

    def __init__(self, policy: Policy, stopped: Mapping[int, str] | None = None) -> None:
        """`stopped`: the levels an earlier attempt of the run stopped, with their error."""
        self._policy = policy
        self._checked: set[int] = set()  # levels whose first reminder of the run was seen
        self._stopped: dict[int, str] = dict(stopped or {})
        self._lock = threading.Lock()

    def stopped(self, level: int) -> str | None:
        """The invoice's error when pushes of `level` were stopped, else None."""
        with self._lock:
            return self._stopped.get(level)

    def created(
        self, level: int, reminder_id: int, invoice_id: int, valid_from: date, valid_to: date
    ) -> str | None:
        """Learn the period of a reminder the run just created; the stop's error when it is
        the level's first and differs from the policy's payment_days."""
        period = (valid_to - valid_from).days + 1
        wanted = self._policy.level(level).payment_days
        with self._lock:
            if level in self._checked:
                return self._stopped.get(level)
            self._checked.add(level)
            if period == wanted:
                return None
            self._stopped[level] = (
                f"{SETTINGS_STOP}bexio gave the first level {level} reminder of this run "
                f"(reminder {reminder_id} of invoice {invoice_id}) {_days(period)} to pay, "
                f"but level {level}'s payment_days is {wanted}, so the letters would name "
                f"another deadline than bexio. No further level {level} reminder was created. "
                f"Set level {level}'s payment_days to {period} in the policy (or level "
                f"{level}'s period in bexio's reminder settings to {_days(wanted)}), then "
                "start a new run: a retry keeps this run's policy."
            )
            return self._stopped[level]

    def refused(self, level: int, invoice_id: int, answer: str) -> str:
        """bexio refused a level `level` reminder of an open invoice: its reminder settings
        end below that level. The stop's error."""
        with self._lock:
            self._stopped.setdefault(
                level,
                f"{SETTINGS_STOP}bexio refused a level {level} reminder for invoice "
                f"{invoice_id} ({answer.rstrip('.')}): its reminder settings end at level "
                f"{level - 1}, while the policy has {self._policy.level_count} levels. No "
                f"further level {level} reminder was tried. Remove the levels above "
                f"{level - 1} from the policy (or add level {level} to bexio's reminder "
                "settings), then start a new run: a retry keeps this run's policy.",
            )
            return self._stopped[level]
