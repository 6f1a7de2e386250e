"""The run record: turning decisions and results into the manifest, and back.

A run stores its proposal so that a retry works on exactly the same proposal; the
manifest is the record people and scripts read (shape in docs/INTERFACES.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dunning.model import Invoice, Reminder
from dunning.money import money_text
from dunning.outcome import Outcome, Result
from dunning.proposal import Amounts, Decision, FeeLine, Reason

if TYPE_CHECKING:  # the letters package imports the PDF libraries
    from dunning.letters.types import PaymentRef

__all__ = [
    "SCHEMA",
    "money",
    "decision_to_dict",
    "decision_from_dict",
    "manifest_line",
    "counts",
    "counted",
]

SCHEMA = "dunning-run/1"


def money(amount: Decimal | None) -> str | None:
    """A decimal string with two places, as the manifest carries amounts."""
    return None if amount is None else money_text(amount)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    """The decision as JSON-safe data, field by field, read back by `decision_from_dict`.

    Written out rather than with `dataclasses.asdict`, which copies every value deeply and
    took most of the time of writing a large proposal."""
    amounts = decision.amounts
    return {
        "invoice": _invoice_to_dict(decision.invoice),
        "reason": decision.reason.value,
        "from_level": decision.from_level,
        "to_level": decision.to_level,
        "block_reason": decision.block_reason,
        "amounts": None if amounts is None else _amounts_to_dict(amounts),
        "proposed": decision.proposed,
    }


def _invoice_to_dict(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "document_nr": invoice.document_nr,
        "contact_id": invoice.contact_id,
        "status": invoice.status,
        "currency": invoice.currency,
        "total": str(invoice.total),
        "remaining": str(invoice.remaining),
        "valid_from": invoice.valid_from.isoformat(),
        "valid_to": invoice.valid_to.isoformat(),
        "reminders": [
            {
                "id": r.id,
                "invoice_id": r.invoice_id,
                "level": r.level,
                "valid_from": r.valid_from.isoformat(),
                "valid_to": r.valid_to.isoformat(),
                "is_sent": r.is_sent,
                "title": r.title,
            }
            for r in invoice.reminders
        ],
        "title": invoice.title,
        "updated_at": invoice.updated_at,
        "contact_name": invoice.contact_name,
        "warning": invoice.warning,
    }


def _amounts_to_dict(amounts: Amounts) -> dict[str, Any]:
    return {
        "currency": amounts.currency,
        "open_amount": str(amounts.open_amount),
        "fees": [{"level": f.level, "amount": str(f.amount)} for f in amounts.fees],
        "interest": str(amounts.interest),
        "interest_days": amounts.interest_days,
        "interest_rate_percent": str(amounts.interest_rate_percent),
        "interest_start": _iso(amounts.interest_start),
        "total_due": str(amounts.total_due),
        "deadline": amounts.deadline.isoformat(),
    }


def _invoice_from_dict(d: Mapping[str, Any]) -> Invoice:
    reminders = tuple(
        Reminder(
            id=r["id"],
            invoice_id=r["invoice_id"],
            level=r["level"],
            valid_from=date.fromisoformat(r["valid_from"]),
            valid_to=date.fromisoformat(r["valid_to"]),
            is_sent=r["is_sent"],
            title=r.get("title"),
        )
        for r in d["reminders"]
    )
    return Invoice(
        id=d["id"],
        document_nr=d["document_nr"],
        contact_id=d["contact_id"],
        status=d["status"],
        currency=d["currency"],
        total=Decimal(d["total"]),
        remaining=Decimal(d["remaining"]),
        valid_from=date.fromisoformat(d["valid_from"]),
        valid_to=date.fromisoformat(d["valid_to"]),
        reminders=reminders,
        title=d.get("title"),
        updated_at=d.get("updated_at"),
        contact_name=d.get("contact_name"),
        warning=d.get("warning"),
    )


def _amounts_from_dict(d: Mapping[str, Any] | None) -> Amounts | None:
    if d is None:
        return None
    return Amounts(
        currency=d["currency"],
        open_amount=Decimal(d["open_amount"]),
        fees=tuple(FeeLine(level=f["level"], amount=Decimal(f["amount"])) for f in d["fees"]),
        interest=Decimal(d["interest"]),
        interest_days=d["interest_days"],
        interest_rate_percent=Decimal(d["interest_rate_percent"]),
        interest_start=_day(d["interest_start"]),
        total_due=Decimal(d["total_due"]),
        deadline=date.fromisoformat(d["deadline"]),
    )


def decision_from_dict(d: Mapping[str, Any]) -> Decision:
    return Decision(
        invoice=_invoice_from_dict(d["invoice"]),
        reason=Reason(d["reason"]),
        from_level=d["from_level"],
        to_level=d["to_level"],
        block_reason=d["block_reason"],
        amounts=_amounts_from_dict(d["amounts"]),
        proposed=d["proposed"],
    )


def manifest_line(
    decision: Decision,
    result: Result | None,
    letter: str | None = None,
    warning: str | None = None,
    payment_ref: PaymentRef | None = None,
) -> dict[str, Any]:
    """One line of the manifest: what was decided for an open invoice and what happened.
    `payment_ref` is what the letter asks the payment to carry: the invoice's own reference
    (`reference_from` "invoice"), or a creditor reference of ours ("built")."""
    invoice, amounts = decision.invoice, decision.amounts
    note = result.note if result else None
    if decision.reason is Reason.BLOCKED:
        note = decision.block_reason
    return {
        "invoice_id": invoice.id,
        "document_nr": invoice.document_nr,
        "contact_id": invoice.contact_id,
        "currency": invoice.currency,
        "reason": decision.reason.value,
        "outcome": result.outcome.value if result else None,
        "from_level": decision.from_level,
        "to_level": decision.to_level,
        "open_amount": money(amounts.open_amount if amounts else invoice.remaining),
        "fees": money(amounts.fees_total) if amounts else None,
        "interest": money(amounts.interest) if amounts else None,
        "total_due": money(amounts.total_due) if amounts else None,
        "invoice_separately": money(amounts.separately) if amounts else None,
        "deadline": _iso(amounts.deadline) if amounts else None,
        "api_deadline": _iso(result.api_deadline) if result else None,
        "reminder_id": result.reminder_id if result else None,
        "letter": letter,
        "note": note,
        "error": result.error if result else None,
        "warning": _warnings(invoice.warning, warning, result.error if result else None),
        "payment_reference": payment_ref.reference or None if payment_ref else None,
        "reference_from": _reference_from(payment_ref),
    }


def _reference_from(ref: PaymentRef | None) -> str | None:
    if ref is None:
        return None
    return "invoice" if ref.from_invoice else "built"


def _warnings(invoice: str | None, letter: str | None, error: str | None) -> str | None:
    """The line's warnings in one text: about the invoice's data, its letter, its error."""
    found = [invoice, letter]
    if error and "\ufffd" in error:
        found.append(
            "bexio's error message held characters that cannot be written (shown as \ufffd)"
        )
    return "; ".join(w for w in found if w) or None


def counts(decisions: Iterable[Decision], results: Sequence[Result]) -> dict[str, dict[str, int]]:
    """Counts per reason and per outcome, as the manifest and the summary show them."""
    reasons = Counter(d.reason.value for d in decisions)
    outcomes = Counter(r.outcome.value for r in results)
    return counted(reasons, outcomes)


def counted(reasons: Mapping[str, int], outcomes: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """`counts` of invoices counted by reason and by outcome."""
    return {
        "reasons": dict(sorted(reasons.items())),
        "outcomes": {o.value: outcomes[o.value] for o in Outcome if outcomes.get(o.value)},
    }
