"""Renders many letters on several processes: all at once (`render_letters`, results in
input order), or in the background while the caller does other work (`LetterPool`).

Workers come from a "forkserver" (where the platform has one, else "spawn"): the server
imports the renderer once and forks each worker from that clean, single-threaded
process, so a caller with threads (Prefect) is safe and no worker re-imports reportlab,
babel or qrbill. The server renders a letter per language and freezes its objects before
it forks (`dunning.letters.forkserver`), so its pages stay shared with every worker.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from dunning.letters.merge import BackgroundMerge
from dunning.letters.render import render_letter
from dunning.letters.types import LetterInput, LetterResult

if TYPE_CHECKING:
    from dunning.letters.merge import StartContext

__all__ = ["render_letters", "LetterPool"]

BACKGROUND_NICENESS = 10
_POOL_THRESHOLD = 16  # below this many letters a pool costs more than it saves
_CONTEXT: StartContext | None = None


def _context() -> StartContext:
    global _CONTEXT
    if _CONTEXT is None:
        if "forkserver" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("forkserver")
            # The renderer, then the module that warms it up and freezes what the server holds.
            ctx.set_forkserver_preload(["dunning.letters.render", "dunning.letters.forkserver"])
            _CONTEXT = ctx
        else:  # pragma: no cover - Windows
            _CONTEXT = multiprocessing.get_context("spawn")
    return _CONTEXT


def _render_one(job: tuple[LetterInput, Path]) -> LetterResult:
    return render_letter(job[0], job[1])


def render_letters(
    letters: Sequence[tuple[LetterInput, Path]],
    processes: int = 2,
    on_done: Callable[[int], None] | None = None,
) -> list[LetterResult]:
    """Render every (letter, path); `processes=1` (or a small batch) renders in-process.

    `on_done(n)` is called as letters finish, so a caller can show progress.
    """
    jobs = list(letters)
    results: list[LetterResult] = []
    if processes <= 1 or len(jobs) < _POOL_THRESHOLD:
        for letter, path in jobs:
            results.append(render_letter(letter, path))
            if on_done:
                on_done(1)
        return results
    chunk = max(1, min(64, len(jobs) // (processes * 8)))
    with _context().Pool(processes) as pool:
        for result in pool.imap(_render_one, jobs, chunksize=chunk):
            results.append(result)
            if on_done:
                on_done(1)
    return results


class LetterPool:
    """Render processes that take letters while the caller goes on with its own work.

    `submit` returns at once; `wait` returns every result so far, by path, once all
    submitted letters are done (it raises the first rendering error). From a helper
    thread, `on_done(n)` is called as letters finish, and `in_order(results)` with the
    finished letters in the order they were submitted (e.g. to merge them meanwhile).
    Without `payloads`, the results it keeps leave out the QR-bills' payloads (a large
    batch then holds little per letter); without `keep`, it keeps none (`wait` gives an
    empty dict: the caller takes them in `in_order`). Use it as a context manager: leaving
    it stops the processes, collected or not.
    """

    _CHUNK = 8  # letters per job: small enough to spread evenly, big enough to be cheap

    def __init__(
        self,
        processes: int = 2,
        on_done: Callable[[int], None] | None = None,
        in_order: Callable[[list[LetterResult]], None] | None = None,
        payloads: bool = True,
        keep: bool = True,
    ) -> None:
        self._pool = _context().Pool(processes, initializer=_yield_to_the_caller)
        self._on_done, self._in_order, self._payloads = on_done, in_order, payloads
        self._keep = keep
        # The jobs not yet done, by number (a done job's letters are in `_results`).
        self._pending: dict[int, multiprocessing.pool.AsyncResult[list[LetterResult]]] = {}
        self._done_jobs: set[int] = set()
        self._guard = threading.Lock()
        self._results: dict[Path, LetterResult] = {}
        self._finished: dict[int, list[LetterResult]] = {}  # by job number, until in order
        self._submitted = self._next_in_order = 0

    def submit(self, letters: Sequence[tuple[LetterInput, Path]]) -> None:
        jobs = list(letters)
        for start in range(0, len(jobs), self._CHUNK):
            number, self._submitted = self._submitted, self._submitted + 1
            job = self._pool.apply_async(
                _render_chunk,
                (jobs[start : start + self._CHUNK],),
                callback=partial(self._done, number),
            )
            with self._guard:  # the job may be done already
                if number not in self._done_jobs:
                    self._pending[number] = job

    def _done(self, number: int, results: list[LetterResult]) -> None:
        kept = results if self._payloads else [replace(r, qr_payload=None) for r in results]
        with self._guard:
            if self._keep:
                self._results.update((r.path, r) for r in kept)
            self._done_jobs.add(number)
            self._pending.pop(number, None)
        if self._on_done:
            self._on_done(len(results))
        if self._in_order is None:
            return
        self._finished[number] = results
        while self._next_in_order in self._finished:
            self._in_order(self._finished.pop(self._next_in_order))
            self._next_in_order += 1

    @staticmethod
    def merge_in_background(out_path: Path) -> BackgroundMerge:
        """A `BackgroundMerge` into `out_path`, started the safe way this pool starts workers."""
        return BackgroundMerge(out_path, _context())

    def wait(self) -> dict[Path, LetterResult]:
        """Every result so far, by path (the pool's own dict), once all are done."""
        while True:
            with self._guard:
                pending = next(iter(self._pending.values()), None)
            if pending is None:
                return self._results
            pending.get()  # raises the job's error; its results are kept once it is done
            with self._guard:
                self._pending = {n: p for n, p in self._pending.items() if p is not pending}

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()

    def __enter__(self) -> LetterPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _yield_to_the_caller() -> None:
    """Background work runs at a lower priority: what the caller does meanwhile (waiting on
    an API, one call after the other) is the slower path, and should not queue for a core."""
    if hasattr(os, "nice"):
        os.nice(BACKGROUND_NICENESS)


def _render_chunk(jobs: list[tuple[LetterInput, Path]]) -> list[LetterResult]:
    return [render_letter(letter, path) for letter, path in jobs]
