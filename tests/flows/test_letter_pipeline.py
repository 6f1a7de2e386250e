"""The background letter pipeline (render processes and the merge process) is stopped
when the letters stage is left, also when planning the letters raises half-way."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from prefect import flow

from dunning.letters.batch import LetterPool
from dunning.outcome import Outcome, Result
from dunning.runs import RunFolder
from flows.letter_stage import letters_ahead, make_letters
from flows.run_inputs import make_client, prepare
from flows.stages import load_or_propose
from tests.support.sandbox import REFERENCE_DATE


def descendants() -> set[int]:
    """Every living process below this one (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def left_after(before: set[int], timeout: float = 5) -> set[int]:
    deadline = time.monotonic() + timeout
    while (extra := descendants() - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    return extra


@flow
def letters_stage_whose_planning_raises(output: Path, before: set[int]) -> None:
    setup = prepare(REFERENCE_DATE)
    folder = RunFolder.create(output, "2026-11-30-0000beef")
    with make_client(setup.settings) as client:
        decisions = load_or_propose(client, setup, folder)
        escalations = [d for d in decisions if d.proposed and d.amounts]
        results = {d.invoice.id: Result(d.invoice.id, Outcome.ESCALATED) for d in escalations}
        # A bug of ours: a result that wants a letter for an invoice that is no escalation.
        wrong = next(d for d in decisions if d.amounts is None)
        results[wrong.invoice.id] = Result(wrong.invoice.id, Outcome.ESCALATED)
        with letters_ahead(client, folder, setup) as ahead:
            ahead.start([escalations])
            ahead.submit(escalations, results)
            assert descendants() - before, "the letters render in the background"
            make_letters(
                client, folder, setup.policy, setup.reference_date, decisions, results, ahead=ahead
            )


def test_no_letter_process_outlives_a_letters_stage_whose_planning_raised(bexio, output):
    # What every run keeps once it has made letters: the fork server and its helpers.
    with LetterPool(processes=1):
        LetterPool.merge_in_background(output / "warm-up.pdf").cancel()
    before = descendants()
    with pytest.raises(ValueError, match="no escalation"):
        letters_stage_whose_planning_raises(output, before)
    assert left_after(before) == set()
