"""Which letter an invoice gets: bexio's PDF once bexio made the reminder and the policy
asks for bexio's letters; our own otherwise, drafts and dry runs included."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dunning.letter_plan import from_bexio
from dunning.outcome import Outcome, Result
from dunning.policy import Letters
from dunning.policy_file import example_policy_path, load_policy

MADE = Result(7, Outcome.ESCALATED, reminder_id=55)
REUSED = Result(7, Outcome.ALREADY_DONE, reminder_id=55)
NOT_YET = Result(7, Outcome.ESCALATED)  # a draft or a dry run: no reminder in bexio


@pytest.mark.parametrize(
    ("source", "result", "theirs"),
    [
        ("bexio", MADE, True),
        ("bexio", REUSED, True),
        ("bexio", NOT_YET, False),
        ("own", MADE, False),
        ("own", NOT_YET, False),
    ],
)
def test_a_letter_comes_from_bexio_only_for_a_reminder_bexio_made(source, result, theirs):
    policy = load_policy(example_policy_path())
    policy = replace(policy, letters=Letters(source=source))
    assert from_bexio(policy, result) is theirs
