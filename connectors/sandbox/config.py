"""Settings of one sandbox: how much data, which clock, which limits and which faults."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = ["ZURICH", "LevelSetting", "SandboxConfig", "level_setting"]

ZURICH = ZoneInfo("Europe/Zurich")

Scenario = Literal["mixed", "all_overdue"]


@dataclass(frozen=True)
class LevelSetting:
    """What the account's reminder settings put into a new reminder of one level."""

    title: str
    period_days: int
    header: str
    footer: str


_HEADER_FIRST = (
    "Guten Tag<br/><br/>Für diese Rechnung ist bis heute keine Zahlung von Ihnen bei uns "
    "eingetroffen. Bitte überweisen Sie uns den geschuldeten Betrag in den nächsten Tagen."
)
_HEADER_LATER = (
    "Guten Tag<br/><br/>Trotz unserer Erinnerung ist der folgende Betrag noch offen. "
    "Bitte begleichen Sie ihn innert der angegebenen Frist."
)
_FOOTER = (
    "Sollte sich Ihre Zahlung mit unserer Erinnerung gekreuzt haben, ignorieren Sie diese "
    "bitte.<br/><br/>Freundliche Grüsse"
)


def level_setting(level: int) -> LevelSetting:
    """The settings of reminder level `level` (1-based), as a German bexio account has them."""
    if level == 1:
        return LevelSetting("Zahlungserinnerung", 14, _HEADER_FIRST, _FOOTER)
    return LevelSetting(f"{level - 1}. Mahnung", 10, _HEADER_LATER, _FOOTER)


@dataclass(frozen=True)
class SandboxConfig:
    """One sandbox's data, clock, limits and faults. Frozen: faults change at runtime elsewhere."""

    invoices: int = 200
    seed: int = 1
    today: date | None = None  # None: today in Europe/Zurich when the sandbox starts
    token: str = "sandbox-token"
    fail_rate: float = 0.0
    latency_ms: int = 0
    rate_limit: int | None = None  # general bucket per window; None: no 429 ever
    search_rate_limit: int | None = None  # searches and PDFs; default rate_limit // 4
    levels: int = 3  # the highest reminder level the account allows
    scenario: Scenario = "mixed"
    window_seconds: int = 60
    # Seconds since the epoch that place the rate-limit windows; tests pass a manual clock.
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.invoices < 0:
            raise ValueError("invoices must be >= 0")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        if self.latency_ms < 0 or self.window_seconds < 1 or self.levels < 1:
            raise ValueError("latency_ms >= 0, window_seconds >= 1 and levels >= 1 are required")
        if self.scenario not in ("mixed", "all_overdue"):
            raise ValueError(f"unknown scenario {self.scenario!r}")

    def resolved_today(self) -> date:
        return self.today or datetime.now(ZURICH).date()

    @property
    def heavy_rate_limit(self) -> int | None:
        """The bucket of searches and PDFs: explicit, else a quarter of the general bucket."""
        if self.search_rate_limit is not None:
            return self.search_rate_limit
        if self.rate_limit is None:
            return None
        return max(1, self.rate_limit // 4)
