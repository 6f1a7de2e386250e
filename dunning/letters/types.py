"""The input and the result of rendering one letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dunning.model import Contact, Invoice
from dunning.policy import Creditor
from dunning.proposal import Amounts

__all__ = ["LetterInput", "LetterResult"]


@dataclass(frozen=True)
class LetterInput:
    """Everything one reminder letter prints."""

    creditor: Creditor
    debtor: Contact
    invoice: Invoice
    amounts: Amounts
    level: int  # the level this letter announces (1-based)
    level_count: int  # N, so that the last level can say what follows
    title: str  # the level's title in the letter's language
    language: str  # de/fr/it/en, from resolve_language()
    reference_date: date  # the printed date of the letter
    deadline: date  # the new payment deadline to print
    body: str | None = None  # policy override of the body text, with placeholders
    level_titles: tuple[str, ...] = ()  # every level's title in the letter's language
    logo: Path | None = None  # printed in the letterhead area
    letterhead_paper: bool = False  # printed letterhead paper: the letterhead area stays empty

    def level_title(self, level: int) -> str | None:
        """The title of an earlier level, to name the fee it added; None when unknown."""
        return self.level_titles[level - 1] if 0 < level <= len(self.level_titles) else None


@dataclass(frozen=True)
class LetterResult:
    path: Path
    qr_payload: str | None  # the SPC payload drawn; None without a payment part
    warning: str | None  # an address cut to fit, a blank debtor or no payment part: why
