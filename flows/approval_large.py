"""The approval form of a large proposal: groups and a list to hold back, not one chip each.

Up to `LARGE_PROPOSAL` proposed invoices the form offers each one as a pre-selected choice.
Past that, a list of choices is a wall of chips the approver cannot review or search, and
its schema grows with every label; so the large form asks instead which groups to hold back
(by level step, by currency), which invoices or customers to hold back (typed as document
numbers, `#id` or `customer <contact id>`), and for an explicit tick that approves the rest.
Its answer is turned into the small form's selection and checked by the same rules, so an
unknown number is refused with a message and nothing is pushed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import pydantic
from prefect.input import RunInput
from pydantic import Field

from dunning.proposal import Decision, Reason
from dunning.report import final_step
from flows.form_schema import hold_fields

__all__ = [
    "LARGE_PROPOSAL",
    "LIST_LIMIT",
    "ListError",
    "large_form_model",
    "large_selection",
    "step_of",
]

LARGE_PROPOSAL = 200  # more proposed invoices than this get the large form
LIST_LIMIT = 20_000  # characters of a typed list: thousands of document numbers
_ITEM = re.compile(r"#\d+|customer\s*\d+|[^\s,;]+", re.IGNORECASE)


def step_of(decision: Decision, unpaid_extension: bool) -> str:
    """The level step the approver can hold back as a group: "L1 → L2", "L3 → unpaid"."""
    if decision.reason is Reason.FINAL:
        return f"L{decision.from_level} → {final_step(unpaid_extension)}"
    return f"L{decision.from_level} → L{decision.to_level}"


class _LargeForm(RunInput):
    """The tick that approves is required: an answer without it is refused by Prefect's
    server (the run keeps waiting), and one with it unticked by `large_selection`."""

    model_config = pydantic.ConfigDict(json_schema_extra=lambda schema: _require(schema))


def _require(schema: dict[str, Any]) -> None:
    schema["required"] = sorted({*schema.get("required", []), "approve"})


def large_form_model(
    proposed: Sequence[Decision], unpaid_extension: bool, note_limit: int
) -> type[RunInput]:
    steps = sorted({step_of(d, unpaid_extension) for d in proposed})
    currencies = sorted({d.invoice.currency for d in proposed})
    step = Literal[tuple(steps)]  # type: ignore[valid-type]
    currency = Literal[tuple(currencies)]  # type: ignore[valid-type]
    model: type[RunInput] = pydantic.create_model(
        "DunningApproval",
        __base__=_LargeForm,
        approve=(
            bool,
            Field(
                default=False,
                title=f"Approve the {len(proposed):,} proposed invoices",
                description="Tick to escalate every proposed invoice except those held back "
                "below. Unticked, the answer is refused and nothing is pushed.",
            ),
        ),
        hold_back_steps=(
            list[step],  # type: ignore[valid-type]
            Field(default=[], title="Hold back every invoice of these level steps"),
        ),
        hold_back_currencies=(
            list[currency],  # type: ignore[valid-type]
            Field(default=[], title="Hold back every invoice in these currencies"),
        ),
        hold_back=(
            str,
            Field(
                default="",
                title="Hold back these invoices or customers",
                max_length=LIST_LIMIT,
                description="Document numbers (RE-00123), invoice ids (#123) or customers "
                "(customer 42, the contact id), separated by spaces, commas or lines. An "
                "unknown one refuses the whole answer.",
            ),
        ),
        note=(
            str,
            Field(
                default="",
                title="Note",
                max_length=note_limit,
                description=f"Why invoices were held back (kept in the run record; at most "
                f"{note_limit:,} characters).",
            ),
        ),
        hold=(
            str,
            Field(
                default="",
                title="Hold until a date: these invoices or customers",
                max_length=LIST_LIMIT,
                description="Written like the list above; they are not escalated now, and "
                "later runs leave them out (BLOCKED) until the date below.",
            ),
        ),
        **hold_fields("the customers named for the hold"),
    )
    return model


class ListError(ValueError):
    """A typed list names something that is not in the proposal."""


def large_selection(
    proposed: Sequence[Decision], data: dict[str, Any], unpaid_extension: bool
) -> tuple[list[Decision], list[Decision]]:
    """The invoices the large form's answer approves and those it holds (until a date);
    raises ListError naming what it cannot find, or when the approving tick is missing."""
    if data.get("approve") is not True:
        raise ListError(
            "the answer does not tick 'Approve the proposed invoices'; tick it to escalate "
            "the invoices not held back (to escalate none, hold back every level step)"
        )
    back = set(_named(proposed, data.get("hold_back") or "", "to hold back"))
    steps = set(data.get("hold_back_steps") or [])
    currencies = set(data.get("hold_back_currencies") or [])
    for d in proposed:
        if step_of(d, unpaid_extension) in steps or d.invoice.currency in currencies:
            back.add(d.invoice.id)
    held_ids = set(_named(proposed, data.get("hold") or "", "to hold until a date"))
    approved = [d for d in proposed if d.invoice.id not in back]
    held = [d for d in proposed if d.invoice.id in held_ids]
    return approved, held


def _named(proposed: Sequence[Decision], text: str, what: str) -> list[int]:
    """The proposed invoices a typed list names, in the order named."""
    by_number: dict[str, list[int]] = {}
    by_contact: dict[int, list[int]] = {}
    ids = {d.invoice.id for d in proposed}
    for d in proposed:
        by_number.setdefault(d.invoice.document_nr.casefold(), []).append(d.invoice.id)
        if d.invoice.contact_id is not None:
            by_contact.setdefault(d.invoice.contact_id, []).append(d.invoice.id)
    found: list[int] = []
    unknown: list[str] = []
    for item in _ITEM.findall(text):
        if item.startswith("#"):
            number = int(item[1:])
            found += [number] if number in ids else []
            unknown += [] if number in ids else [item]
        elif item.casefold().startswith("customer"):
            contact = int(item[len("customer") :].strip())
            found += by_contact.get(contact, [])
            unknown += [] if contact in by_contact else [item]
        else:
            found += by_number.get(item.casefold(), [])
            unknown += [] if item.casefold() in by_number else [item]
    if unknown:
        shown = ", ".join(unknown[:10]) + (
            f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        )
        raise ListError(
            f"the list {what} names what is not in the proposal: {shown} (write document "
            "numbers as the proposal shows them, #id, or customer <contact id>)"
        )
    return found
