"""A clock that moves only when told, for code that takes its clock (and its sleep) as
arguments: the sandbox's rate-limit windows, the client's wait for the next window."""

from __future__ import annotations

__all__ = ["WINDOW_EDGE", "ManualClock"]

# A moment that starts a window of every length the tests use (1 s, 2 s, a minute, an hour).
WINDOW_EDGE = 1_800_000_000.0


class ManualClock:
    """Seconds since the epoch. Call it (or `time()`) to read it; `advance` moves it; a
    `sleep` of the code under test moves it too, and is noted in `sleeps`."""

    def __init__(self, now: float = WINDOW_EDGE) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
