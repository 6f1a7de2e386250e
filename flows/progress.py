"""Progress of long steps, shown by the command line while a run works.

The flow reports stages here; the CLI installs a reporter that draws a rich progress bar.
In a deployment nobody installs one, and the reports only go to the run's log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

__all__ = ["Reporter", "install", "stage", "advance", "notice"]


class Reporter(Protocol):
    def start(self, name: str, total: int) -> None: ...

    def advance(self, name: str, amount: int) -> None: ...

    def finish(self, name: str) -> None: ...

    def notice(self, text: str) -> None: ...


_reporter: Reporter | None = None


@contextmanager
def install(reporter: Reporter) -> Iterator[None]:
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield
    finally:
        _reporter = previous


@contextmanager
def stage(name: str, total: int) -> Iterator[None]:
    if _reporter:
        _reporter.start(name, total)
    try:
        yield
    finally:
        if _reporter:
            _reporter.finish(name)


def advance(name: str, amount: int = 1) -> None:
    if _reporter:
        _reporter.advance(name, amount)


def notice(text: str) -> None:
    """A line for the person at the terminal, such as where to approve the run."""
    if _reporter:
        _reporter.notice(text)
