"""The debt-enforcement hand-off: what a Betreibungsbegehren (Art. 67 SchKG) asks for, per
invoice past the last level, and the run's `enforcement.csv`.

A run hands over every invoice whose outcome is `MARKED_UNPAID` or `MANUAL_ACTION`: the
creditor (from the policy), the debtor with the address the letters use, the claim (the
open amount, in the invoice's currency), the default interest (the policy's rate, from the
day the letters count it from), the cause (the invoice's number and date) and the reminders
bexio holds for it, with their dates. Reminder fees are not claimed: Swiss law allows them
only where they were agreed, so whoever files the request adds them by hand when they were.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from dunning.letters.fmt import letter_file_name
from dunning.model import Address, Contact, Reminder
from dunning.money import money_text
from dunning.outcome import Outcome, Result
from dunning.policy import Creditor, Policy
from dunning.proposal import Decision

__all__ = [
    "ENFORCEMENT_CSV",
    "ENFORCEMENT_DIR",
    "HANDED_OVER",
    "CSV_COLUMNS",
    "Claim",
    "claims_of_run",
    "enforcement_csv",
    "pdf_names",
    "write_enforcement_csv",
]

ENFORCEMENT_CSV = "enforcement.csv"
ENFORCEMENT_DIR = "enforcement"
HANDED_OVER = frozenset({Outcome.MARKED_UNPAID, Outcome.MANUAL_ACTION})

CSV_COLUMNS = [
    "invoice_id",
    "document_nr",
    "invoice_date",
    "outcome",
    "debtor_contact_id",
    "debtor_name",
    "debtor_extra",
    "debtor_street",
    "debtor_house_num",
    "debtor_pcode",
    "debtor_city",
    "debtor_country",
    "creditor_name",
    "creditor_street",
    "creditor_house_num",
    "creditor_pcode",
    "creditor_city",
    "creditor_country",
    "creditor_representative",
    "currency",
    "claim_amount",
    "interest_rate_percent",
    "interest_from",
    "cause",
    "reminders",
    "note",
    "pdf",
]
# A spreadsheet reads a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Claim:
    """One invoice handed over for debt enforcement: every field of the request."""

    invoice_id: int
    document_nr: str
    invoice_date: date
    outcome: Outcome
    creditor: Creditor
    representative: str | None  # who acts for the creditor, if anyone
    debtor: Contact
    currency: str
    amount: Decimal  # the open amount
    interest_rate_percent: Decimal  # 0: no interest claimed
    interest_from: date | None  # None when no interest is claimed
    reminders: tuple[Reminder, ...]  # in the order they were sent
    pdf: str = ""  # the request's file, relative to the run folder

    @property
    def cause(self) -> str:
        return f"Invoice {self.document_nr} of {self.invoice_date.isoformat()}"

    @property
    def needs_francs(self) -> bool:
        """A request states the claim in Swiss francs (Art. 67 para. 1 no. 3 SchKG): an
        invoice in another currency must be converted by whoever files it."""
        return self.currency != "CHF"

    @property
    def note(self) -> str:
        if not self.needs_francs:
            return ""
        return (
            f"The claim is in {self.currency}: the request states it in CHF (Art. 67 "
            "para. 1 no. 3 SchKG), converted at the rate of the day it is filed."
        )


def claims_of_run(
    policy: Policy,
    decisions: Iterable[Decision],
    results: Mapping[int, Result],
    contacts: Mapping[int, Contact],
    representative: str | None = None,
) -> list[Claim]:
    """A claim per invoice handed over, grouped per debtor (by name, then contact id),
    each debtor's invoices in the order of their date and number; each claim names its
    PDF (`pdf_names`). `contacts` maps an invoice id to its debtor as the letters address it."""
    claims = []
    for d in decisions:
        result = results.get(d.invoice.id)
        if result is None or result.outcome not in HANDED_OVER:
            continue
        invoice = d.invoice
        debtor = contacts.get(invoice.id) or _debtor_from_invoice(d)
        start = _interest_from(policy, d)
        claims.append(
            Claim(
                invoice_id=invoice.id,
                document_nr=invoice.document_nr,
                invoice_date=invoice.valid_from,
                outcome=result.outcome,
                creditor=policy.creditor,
                representative=representative,
                debtor=debtor,
                currency=invoice.currency,
                amount=invoice.remaining,
                interest_rate_percent=policy.interest_rate_percent if start else Decimal(0),
                interest_from=start,
                reminders=tuple(
                    sorted(invoice.reminders, key=lambda r: (r.valid_from, r.level, r.id))
                ),
            )
        )
    claims.sort(
        key=lambda c: (c.debtor.name.casefold(), c.debtor.id, c.invoice_date, c.document_nr)
    )
    names = pdf_names([(c.document_nr, c.invoice_id) for c in claims])
    return [_named(c, names[c.invoice_id]) for c in claims]


def _named(claim: Claim, pdf: str) -> Claim:
    return replace(claim, pdf=pdf)


def _debtor_from_invoice(decision: Decision) -> Contact:
    invoice = decision.invoice
    return Contact(
        id=invoice.contact_id or 0,
        address=Address(name=invoice.contact_name or invoice.document_nr),
    )


def _interest_from(policy: Policy, decision: Decision) -> date | None:
    """The day default interest runs from, as the letters count it (RULES.md, interest)."""
    if policy.interest_rate_percent <= 0:
        return None
    invoice = decision.invoice
    if policy.interest_from == "due_date":
        return invoice.valid_to
    first = invoice.first_reminder
    return first.valid_from if first else None


def pdf_names(invoices: Sequence[tuple[str, int]]) -> dict[int, str]:
    """`enforcement/<document nr>.pdf` per invoice id, the number made safe for a file name
    as the letters' names are; a name taken already gets `-<invoice id>` before `.pdf`."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for document_nr, invoice_id in invoices:
        stem = letter_file_name(document_nr, 0).removesuffix("-L0.pdf")
        if stem.casefold() in taken:
            stem = f"{stem}-{int(invoice_id)}"
        taken.add(stem.casefold())
        names[invoice_id] = f"{ENFORCEMENT_DIR}/{stem}.pdf"
    return names


def _text(value: object) -> str:
    """Text from bexio or the policy as a cell that a spreadsheet shows as it is."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(claim: Claim) -> list[str]:
    debtor, creditor = claim.debtor.address, claim.creditor
    reminders = "; ".join(f"{r.level}: {r.valid_from.isoformat()}" for r in claim.reminders)
    return [
        str(claim.invoice_id),
        _text(claim.document_nr),
        claim.invoice_date.isoformat(),
        claim.outcome.value,
        str(claim.debtor.id or ""),
        _text(debtor.name),
        _text(debtor.extra),
        _text(debtor.street),
        _text(debtor.house_num),
        _text(debtor.pcode),
        _text(debtor.city),
        _text(debtor.country),
        _text(creditor.name),
        _text(creditor.street),
        _text(creditor.house_num),
        _text(creditor.pcode),
        _text(creditor.city),
        _text(creditor.country),
        _text(claim.representative),
        claim.currency,
        money_text(claim.amount),
        format(claim.interest_rate_percent.normalize(), "f") if claim.interest_from else "",
        claim.interest_from.isoformat() if claim.interest_from else "",
        _text(claim.cause),
        reminders,
        claim.note,
        claim.pdf,
    ]


def enforcement_csv(claims: Sequence[Claim]) -> bytes:
    """`enforcement.csv`: UTF-8, comma-separated, a heading row, then a row per claim."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_row(c) for c in claims)
    return out.getvalue().encode("utf-8")


def write_enforcement_csv(claims: Sequence[Claim], target: Path) -> Path:
    """Write the CSV under a temporary name first, so it is whole or the earlier file."""
    part = target.with_name(f".{target.name}.part")
    part.write_bytes(enforcement_csv(claims))
    part.replace(target)
    return target
