"""bexio's reminder periods learned from the account's reminders, against payment_days
(docs/RULES.md, "The new deadline"): literal reminders in, the paragraph (or None) out.
The policy is that of test_rules.py: payment_days 14, 10, 10."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dunning.model import Reminder
from dunning.periods import period_mismatch
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
