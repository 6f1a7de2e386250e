"""The input and the result of rendering one letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal

from dunning.model import Contact, Invoice
from dunning.policy import Creditor
from dunning.proposal import Amounts

__all__ = ["LetterInput", "LetterResult", "PaymentRef"]

RefKind = Literal["QRR", "SCOR", "NON"]


@dataclass(frozen=True, slots=True)
class PaymentRef:
    """The account a QR-bill pays into and the reference it carries.

    `from_invoice` is False for a reference of our own, made because the invoice's QR-bill
    could not be used; `why` then says what was wrong with it.
    """

    account: str  # compact IBAN or QR-IBAN
    kind: RefKind
    reference: str  # compact; "" for NON
    from_invoice: bool = True
    why: str | None = None


@dataclass(frozen=True, slots=True)
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
    created: datetime | None = None  # when the run started: the PDF's creation date
    draft: bool = False  # a draft for the approver, marked as such on every page
    # The invoice's own account and reference, from its QR-bill; None: a creditor reference
    # of ours on the policy's ordinary IBAN.
    payment_ref: PaymentRef | None = None

    def level_title(self, level: int) -> str | None:
        """The title of an earlier level, to name the fee it added; None when unknown."""
        return self.level_titles[level - 1] if 0 < level <= len(self.level_titles) else None

    def created_at(self) -> datetime:
        """The PDF's creation date: the run's start, else the letter's date at midnight UTC."""
        if self.created is not None and self.created.tzinfo is not None:
            return self.created
        if self.created is not None:
            return self.created.replace(tzinfo=UTC)
        return datetime.combine(self.reference_date, time(0), tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LetterResult:
    path: Path
    qr_payload: str | None  # the SPC payload drawn; None without a payment part
    warning: str | None  # an address cut to fit, a blank debtor or no payment part: why
    payment_ref: PaymentRef | None = None  # the account and reference the letter printed
