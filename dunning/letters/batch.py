"""Renders many letters on several processes, results in input order.

Workers come from a "forkserver" (where the platform has one, else "spawn"): the server
imports the renderer once and forks each worker from that clean, single-threaded
process, so a caller with threads (Prefect) is safe and no worker re-imports reportlab,
babel or qrbill.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from pathlib import Path

from dunning.letters.render import render_letter
from dunning.letters.types import LetterInput, LetterResult

__all__ = ["render_letters"]

_POOL_THRESHOLD = 16  # below this many letters a pool costs more than it saves
_CONTEXT: multiprocessing.context.BaseContext | None = None


def _context() -> multiprocessing.context.BaseContext:
    global _CONTEXT
    if _CONTEXT is None:
        if "forkserver" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["dunning.letters.render"])
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
