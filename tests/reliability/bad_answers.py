"""Odd or broken answers from bexio, and what a run must make of them.

Each case changes the sandbox's account (or fixes the raw answer of one route) before a
run. Either the run stops before pushing anything, with a message that names the endpoint
and field (exit 1: the API is at fault, a retry may do once it is fixed), or only the
invoice concerned is affected: a letter with what is known, or a FAILED line that carries
the error while the other invoices go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors.client import BexioClient
from dunning.policy_file import example_policy_path, load_policy
from dunning.proposal import Reason
from dunning.rules import propose
from tests.support.sandbox import REFERENCE_DATE, TOKEN, Company


def escalating(company: Company) -> list[int]:
    """The invoices a run with the example policy will escalate, as the core decides."""
    with BexioClient(company.url, TOKEN) as client:
        invoices = client.fetch_open_invoices()
        rounding = client.rounding()
    proposal = propose(invoices, load_policy(example_policy_path()), (), REFERENCE_DATE, rounding)
    return [d.invoice.id for d in proposal.decisions if d.reason is Reason.ESCALATE]


@dataclass(frozen=True)
class Answer:
    name: str
    change: Callable[[Company, int], None]  # the company and an invoice the run escalates
    code: int  # 1: the run stops, or one invoice FAILED; 0: every invoice has an outcome
    says: tuple[str, ...] = ()  # in the output (a stopped run) or in the invoice's line
    outcome: str | None = None  # of the changed invoice, when the run goes on


def _contact(company: Company, invoice_id: int) -> dict[str, Any]:
    state = company.state
    return state.contacts[state.invoices[invoice_id]["contact_id"]]


def _tamper(
    method: str, path: str, status: int, body: str, apply: bool = False
) -> Callable[[Company, int], None]:
    def change(company: Company, invoice_id: int) -> None:
        contact = company.state.invoices[invoice_id]["contact_id"]
        company.admin(
            "POST",
            "/tamper",
            {
                "method": method,
                "path": path.format(invoice=invoice_id, contact=contact),
                "status": status,
                "body": body,
                "apply": apply,
            },
        )

    return change


def _set_invoice(**fields: Any) -> Callable[[Company, int], None]:
    def change(company: Company, invoice_id: int) -> None:
        invoice = company.state.invoices[invoice_id]
        for key, value in fields.items():
            if value is _DROP:
                invoice.pop(key, None)
            else:
                invoice[key] = value

    return change


def _set_contact(**fields: Any) -> Callable[[Company, int], None]:
    def change(company: Company, invoice_id: int) -> None:
        _contact(company, invoice_id).update(fields)

    return change


_DROP = object()
LONG = "Genossenschaft für ausserordentlich lange Firmennamen und noch längere Adressen " * 3
NO_ADDRESS = {
    "address": "",
    "street_name": None,
    "house_number": None,
    "postcode": None,
    "city": None,
    "address_addition": "",
}

ANSWERS = [
    Answer(
        "answer: bexio is overloaded when the run starts",
        _tamper("GET", "/3.0/currencies", 503, '{"error_code": 503, "message": "busy"}'),
        1,
        ("503", "nothing was pushed", "try again"),
    ),
    Answer(
        "answer: invoice search is not JSON",
        _tamper("POST", "/2.0/kb_invoice/search", 200, "<html>Wartungsarbeiten</html>"),
        1,
        ("/2.0/kb_invoice/search", "not valid JSON"),
    ),
    Answer(
        "answer: invoice search is cut short",
        _tamper("POST", "/2.0/kb_invoice/search", 200, '[{"id": 1, "document_nr": "RE-'),
        1,
        ("/2.0/kb_invoice/search", "not valid JSON"),
    ),
    Answer(
        "answer: invoice without its due date", _set_invoice(is_valid_to=_DROP), 1, ("is_valid_to",)
    ),
    Answer(
        "answer: text where an amount belongs",
        _set_invoice(total_remaining_payments="lots"),
        1,
        ("total_remaining_payments",),
    ),
    Answer(
        "answer: a JSON number where money belongs", _set_invoice(total="12.5e1"), 1, ("'total'",)
    ),
    Answer("answer: an id as text", _set_invoice(contact_id="7"), 1, ("contact_id",)),
    Answer(
        "answer: a currency the API does not list",
        _set_invoice(currency_id=99),
        1,
        ("currency_id 99",),
    ),
    Answer("answer: invoice without contact", _set_invoice(contact_id=None), 0, (), "ESCALATED"),
    Answer(
        "answer: contact that does not exist", _set_invoice(contact_id=9999), 0, (), "ESCALATED"
    ),
    Answer(
        "answer: contact is not JSON",
        _tamper("GET", "/2.0/contact/{contact}", 200, "{"),
        0,
        (),
        "ESCALATED",
    ),
    Answer("answer: contact without address", _set_contact(**NO_ADDRESS), 0, (), "ESCALATED"),
    Answer(
        "answer: name and address too long for the QR-bill",
        _set_contact(name_1=LONG, street_name=LONG, address=LONG, city=LONG),
        0,
        (),
        "ESCALATED",
    ),
    Answer(
        "answer: non-Latin names and address",
        _set_contact(
            name_1="Ωμέγα Τεχνική ΑΕ 株式会社",
            street_name="Улица Ленина",
            address="Улица Ленина 5",
            city="Αθήνα",
        ),
        0,
        (),
        "ESCALATED",
    ),
    Answer(
        "answer: the created reminder comes back empty",
        _tamper("POST", "/2.0/kb_invoice/{invoice}/kb_reminder", 200, "{}", apply=True),
        1,
        ("kb_reminder",),
        "FAILED",
    ),
    Answer(
        "answer: the reminder is refused",
        _tamper(
            "POST",
            "/2.0/kb_invoice/{invoice}/kb_reminder",
            422,
            '{"error_code": 422, "message": "Could not save the entity"}',
        ),
        1,
        ("422",),
        "FAILED",
    ),
]
