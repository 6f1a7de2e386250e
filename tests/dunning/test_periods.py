"""bexio's reminder periods learned from the account's reminders, against payment_days
(docs/RULES.md, "The new deadline"): literal reminders in, the paragraph (or None) out.
The policy is that of test_rules.py: payment_days 14, 10, 10."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dunning.model import Reminder
from dunning.periods import LevelGuard, is_settings_stop, levels_beyond, period_mismatch
from tests.dunning.test_rules import POLICY, invoice


def reminder(rid: int, level: int, start: str, end: str) -> Reminder:
    return Reminder(rid, 1, level, date.fromisoformat(start), date.fromisoformat(end))


CASES = [
    pytest.param([], None, id="no reminders in bexio: nothing to check"),
    pytest.param(
        [reminder(1, 1, "2026-11-01", "2026-11-14"), reminder(2, 2, "2026-11-20", "2026-11-29")],
        None,
        id="14 and 10 days, counting the first day: agree",
    ),
    pytest.param(
        [reminder(1, 1, "2026-11-01", "2026-11-15")],
        "level 1's payment_days is 14, but bexio gives a level 1 reminder 15 days "
        "(reminder 1 of invoice 1, dated 2026-11-01, due 2026-11-15)",
        id="one day more in bexio",
    ),
    pytest.param(
        [reminder(1, 1, "2026-11-01", "2026-11-10"), reminder(2, 1, "2026-11-05", "2026-11-18")],
        None,
        id="the latest reminder of a level tells the period",
    ),
    pytest.param(
        [reminder(1, 4, "2026-11-01", "2026-11-03")],
        None,
        id="a level above the policy's last is not checked",
    ),
]


@pytest.mark.parametrize(("reminders", "expected"), CASES)
def test_payment_days_are_held_against_bexios_latest_period(
    reminders: list[Reminder], expected: str | None
) -> None:
    account = [replace(invoice(), reminders=tuple(reminders))]
    said = period_mismatch(account, POLICY, "policy.toml")
    if expected is None:
        assert said is None
    else:
        assert said is not None and said.startswith(f"policy.toml: {expected}. ")
        assert "Nothing was pushed" in said


LEVELS = [
    pytest.param([reminder(1, 3, "2026-11-01", "2026-11-10")], None, id="up to the last: fine"),
    pytest.param(
        [reminder(7, 4, "2026-11-01", "2026-11-10"), reminder(9, 5, "2026-11-12", "2026-11-21")],
        "policy.toml has 3 levels, but bexio holds 2 reminders above level 3 (the highest: "
        "level 5, reminder 9 of invoice 1)",
        id="bexio has more levels than the policy",
    ),
]


@pytest.mark.parametrize(("reminders", "expected"), LEVELS)
def test_reminders_above_the_policys_last_level_stop_the_run(
    reminders: list[Reminder], expected: str | None
) -> None:
    account = [replace(invoice(), reminders=tuple(reminders))]
    said = levels_beyond(account, POLICY, "policy.toml")
    if expected is None:
        assert said is None
    else:
        assert said is not None and said.startswith(expected) and "Nothing was pushed" in said


def test_the_first_reminder_of_a_level_with_another_period_stops_that_level_only() -> None:
    guard = LevelGuard(POLICY)
    assert guard.created(2, 5, 1, date(2026, 11, 30), date(2026, 12, 9)) is None  # 10 days
    stop = guard.created(1, 6, 2, date(2026, 11, 30), date(2026, 12, 13))  # 14 days, as the policy
    assert stop is None
    stop = guard.created(3, 7, 3, date(2026, 11, 30), date(2026, 12, 13))  # 14 days, policy 10
    assert stop is not None and is_settings_stop(stop)
    assert "Set level 3's payment_days to 14 in the policy" in stop
    assert guard.stopped(3) == stop and guard.stopped(2) is None and guard.stopped(1) is None
    # Later reminders of a checked level change nothing.
    assert guard.created(2, 8, 4, date(2026, 11, 30), date(2026, 12, 30)) is None


def test_bexios_refusal_of_a_level_stops_it_with_the_first_answer() -> None:
    guard = LevelGuard(POLICY)
    first = guard.refused(3, 11, "The last reminder level has already been reached.")
    assert guard.refused(3, 12, "other words") == first == guard.stopped(3)
    assert "refused a level 3 reminder for invoice 11 (The last reminder level" in first
    assert "its reminder settings end at level 2, while the policy has 3 levels" in first
    assert is_settings_stop(first) and guard.stopped(2) is None
