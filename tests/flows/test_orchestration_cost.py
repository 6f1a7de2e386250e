"""What Prefect costs a run per batch does not grow with the batch: a run of 100,000
invoices spends its time on bexio and the letters, not on Prefect looking through its
batches."""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Sequence

from prefect import flow
from prefect.context import FlowRunContext

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


@batch_task(name="make-batch")
def _make(size: int) -> list[Decision]:
    return [escalate(i) for i in range(size)]


def test_prefect_keeps_no_entry_per_item_a_batch_task_returns() -> None:
    """Prefect remembers, for the whole flow run, what each task returned (to link it to a
    later task it is passed to); per item of a returned list, that would be a million
    entries over a run of 100,000 invoices, held until the run ends."""

    @flow(name="returns", persist_result=False)
    def returns() -> tuple[int, int]:
        made = [_make(SIZE) for _ in range(BATCHES)]
        context = FlowRunContext.get()
        assert context is not None
        return sum(len(m) for m in made), len(context.run_results)

    items, remembered = returns()
    assert items == BATCHES * SIZE
    assert remembered <= 2 * BATCHES, f"Prefect remembers {remembered} results"


class _Batch(list[Decision]):
    """A batch that can be watched with a weak reference."""


@batch_task(name="make-watched-batch")
def _make_watched(size: int) -> _Batch:
    return _Batch(escalate(i) for i in range(size))


def test_a_batch_a_task_returned_is_let_go_when_the_flow_is_done_with_it() -> None:
    """Prefect keeps each task run's final state, with what the task returned, until the
    flow run ends: a run would hold every batch of invoices, contacts and results it had."""

    @flow(name="lets-go", persist_result=False)
    def lets_go() -> tuple[int, bool]:
        made = _make_watched(1_000)
        watched, size = weakref.ref(made), len(made)
        del made
        gc.collect()
        return size, watched() is None

    assert lets_go() == (1_000, True)
