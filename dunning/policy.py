"""The dunning policy: levels, fees, interest, minimums and the creditor.

The values here are what a run works with; `dunning.policy_file` reads and validates the
TOML file that a bookkeeper writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

__all__ = ["LANGUAGES", "Creditor", "Letters", "Level", "Policy"]

LANGUAGES = ("de", "fr", "it", "en")

InterestFrom = Literal["due_date", "first_reminder"]
FinalAction = Literal["propose_unpaid", "none"]
LetterSource = Literal["own", "bexio"]


@dataclass(frozen=True)
class Creditor:
    """Who is owed: printed on every letter and in the QR-bill."""

    name: str
    street: str
    house_num: str
    pcode: str
    city: str
    country: str
    iban: str  # compact, no spaces; an IBAN or a QR-IBAN
    email: str | None = None
    phone: str | None = None
    transfer_iban: str | None = None  # compact; an ordinary IBAN for payments without a QR-bill


@dataclass(frozen=True)
class Letters:
    """Which letters a run makes and how they look (the policy's `[letters]` table)."""

    source: LetterSource = "own"  # "own": ours (fees, interest, QR-bill); "bexio": its PDFs
    logo_paper: bool = True  # source "bexio": bexio's `logopaper`, with or without its logo
    logo: Path | None = None  # source "own": an image for the letterhead, checked at load
    letterhead_paper: bool = False  # source "own": paper with a printed letterhead
    per_customer: bool = False  # source "own": one letter per customer


@dataclass(frozen=True)
class Level:
    """One reminder level (1-based `number`)."""

    number: int
    title: Mapping[str, str]  # language -> title, e.g. {"de": "1. Mahnung"}
    grace_days: int
    payment_days: int
    fees: Mapping[str, Decimal] = field(default_factory=dict)  # currency -> fee
    texts: Mapping[str, str] = field(default_factory=dict)  # language -> body text override

    def fee(self, currency: str) -> Decimal:
        return self.fees.get(currency, Decimal("0"))

    def title_for(self, language: str, default_language: str = "de") -> str:
        for lang in (language, default_language, "de", "en"):
            if lang in self.title:
                return self.title[lang]
        return next(iter(self.title.values()))


@dataclass(frozen=True)
class Policy:
    """A validated, immutable policy. `sha256` identifies its content in every run."""

    version: str
    sha256: str
    levels: tuple[Level, ...]
    creditor: Creditor
    interest_rate_percent: Decimal = Decimal("0")
    interest_from: InterestFrom = "due_date"
    final_action: FinalAction = "propose_unpaid"
    minimum_amount: Mapping[str, Decimal] = field(default_factory=dict)
    default_language: str = "de"
    letters: Letters = field(default_factory=Letters)

    @property
    def level_count(self) -> int:
        return len(self.levels)

    def level(self, number: int) -> Level:
        """Level `number` (1-based); numbers past the last give the last level."""
        return self.levels[min(max(number, 1), len(self.levels)) - 1]
