"""Example letters, for the benchmark, the tests and anyone who wants to look at one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dunning.letters.types import LetterInput
from dunning.model import Address, Contact, Invoice
from dunning.policy import Creditor
from dunning.proposal import Amounts, FeeLine

__all__ = ["SAMPLE_CREDITOR", "TITLES", "sample_letter"]

SAMPLE_CREDITOR = Creditor(
    name="Muster AG",
    street="Bahnhofstrasse",
    house_num="1",
    pcode="8001",
    city="Zürich",
    country="CH",
    iban="CH4431999123000889012",
    email="buchhaltung@muster.ch",
    phone="+41 44 123 45 67",
)

TITLES = {
    "de": ("Zahlungserinnerung", "1. Mahnung", "Letzte Mahnung"),
    "fr": ("Rappel", "1re relance", "Dernier rappel"),
    "it": ("Promemoria di pagamento", "1° sollecito", "Ultimo sollecito"),
    "en": ("Payment reminder", "First reminder", "Final reminder"),
}


def sample_letter(
    n: int = 42,
    *,
    language: str = "de",
    level: int = 2,
    address: Address | None = None,
    creditor: Creditor = SAMPLE_CREDITOR,
    open_amount: Decimal = Decimal("1200.00"),
    currency: str = "CHF",
    body: str | None = None,
) -> LetterInput:
    """A reminder for invoice `RE-<n>` at `level` of three, with a fee and interest."""
    address = address or Address(
        name="Beispiel GmbH",
        street="Marktgasse",
        house_num="28",
        pcode="9400",
        city="Rorschach",
        extra="z. H. Frau Pia Rutschmann",
    )
    fees = tuple(FeeLine(level=k, amount=Decimal("20.00")) for k in range(2, level + 1))
    interest = Decimal("6.90") if level > 1 else Decimal("0")
    total = open_amount + sum((f.amount for f in fees), Decimal("0")) + interest
    amounts = Amounts(
        currency=currency,
        open_amount=open_amount,
        fees=fees,
        interest=interest,
        interest_days=42 if interest else 0,
        interest_rate_percent=Decimal("5.0"),
        interest_start=date(2026, 10, 19) if interest else None,
        total_due=total,
        deadline=date(2026, 12, 10),
    )
    invoice = Invoice(
        id=n,
        document_nr=f"RE-{n:05d}",
        contact_id=n,
        status=8,
        currency=currency,
        total=open_amount,
        remaining=open_amount,
        valid_from=date(2026, 9, 18),
        valid_to=date(2026, 10, 18),
    )
    return LetterInput(
        creditor=creditor,
        debtor=Contact(id=n, address=address, language=language),
        invoice=invoice,
        amounts=amounts,
        level=level,
        level_count=3,
        title=TITLES.get(language, TITLES["de"])[level - 1],
        language=language,
        reference_date=date(2026, 11, 30),
        deadline=date(2026, 12, 10),
        body=body,
    )
