"""What Prefect costs a run per batch does not grow with the batch: a run of 100,000
invoices spends its time on bexio and the letters, not on Prefect looking through its
batches."""

from __future__ import annotations

import time
from collections.abc import Sequence

from prefect import flow

from dunning.proposal import Decision
from flows.prefect_tasks import batch_task
from tests.support.factories import escalate

BATCHES = 5
SIZE = 20_000


@batch_task(name="count-batch")
def _count(decisions: Sequence[Decision], seen: list[Sequence[Decision]]) -> int:
    seen.append(decisions)
    return len(decisions)


def test_a_batch_task_costs_the_same_whatever_its_batch_holds() -> None:
    batch = [escalate(i) for i in range(SIZE)]
    seen: list[Sequence[Decision]] = []

    @flow(name="batches", persist_result=False)
    def batches() -> float:
        started = time.perf_counter()
        for _ in range(BATCHES):
            assert _count(batch, seen) == SIZE
        return time.perf_counter() - started

    seconds = batches()
    # Each call had the batch itself, not a copy.
    assert len(seen) == BATCHES and all(s is batch for s in seen)
    # Looking through 20,000 decisions took Prefect well over a second per call.
    assert seconds < 0.4 * BATCHES, f"{BATCHES} batch tasks took {seconds:.1f} s"
