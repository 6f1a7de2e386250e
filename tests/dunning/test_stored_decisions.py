"""A run's decisions read back from its proposal file by position: the same decisions, in
the same order, each invoice once, however the run walks through them."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dunning.model import Invoice, Reminder
from dunning.proposal import Amounts, Decision, FeeLine, Reason
from dunning.record import decision_to_dict
from dunning.rules import propose
from dunning.runs import RunFolder, WrittenWhole
from dunning.stored_decisions import StoredDecisions, invoice_ids, select
from tests.dunning.test_rules import POLICY, R, invoice


def _decisions() -> list[Decision]:
    invoices = [
        invoice(
            level=n % 3,
            invoice_id=n,
            remaining=f"{100 + n}.35",
            deadline="2026-11-01" if n % 2 else "2026-11-28",  # overdue, or in its grace
        )
        for n in range(1, 8)
    ]
    return list(propose(invoices, POLICY, (), R).decisions)


def _stored(tmp_path: Path, decisions: list[Decision]) -> StoredDecisions:
    RunFolder(tmp_path).save_json_items(
        "proposal.json",
        {"expired_blocks": []},
        "decisions",
        (decision_to_dict(d) for d in decisions),
    )
    return StoredDecisions.of(tmp_path / "proposal.json")


def test_the_stored_decisions_are_the_proposal_in_its_order(tmp_path: Path) -> None:
    decisions = _decisions()
    stored = _stored(tmp_path, decisions)
    assert len(stored) == 7
    assert list(stored) == decisions
    assert list(stored) == decisions  # a second pass reads them again
    assert stored[3] == decisions[3] and stored[-1] == decisions[-1]
    assert list(stored[2:5]) == decisions[2:5]


def test_a_selection_reads_only_the_decisions_it_kept(tmp_path: Path) -> None:
    decisions = _decisions()
    stored = _stored(tmp_path, decisions)
    proposed = select(stored, lambda _, proposed: proposed)
    assert isinstance(proposed, StoredDecisions) and 0 < len(proposed) < 7
    assert list(proposed) == [d for d in decisions if d.proposed]
    assert list(select(decisions, lambda _, proposed: proposed)) == list(proposed)
    assert list(invoice_ids(proposed)) == [d.invoice.id for d in decisions if d.proposed]
    odd = select(stored, lambda invoice_id, _: invoice_id % 2 == 1)
    assert list(odd) == [d for d in decisions if d.invoice.id % 2 == 1]
    assert list(odd[1:]) == list(odd)[1:]


def test_an_invoice_stored_twice_is_read_once_from_its_first_copy(tmp_path: Path) -> None:
    decisions = _decisions()
    stored = _stored(tmp_path, [*decisions, decisions[0], decisions[4]])
    assert list(stored) == decisions


def test_a_proposal_written_whole_by_an_older_version_is_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "proposal.json"
    path.write_text(json.dumps({"decisions": [decision_to_dict(d) for d in _decisions()]}))
    with pytest.raises(WrittenWhole):
        StoredDecisions.of(path)


def test_decisions_written_without_spaces_are_read_all_the_same(tmp_path: Path) -> None:
    decisions = _decisions()
    lines = ",\n".join(json.dumps(decision_to_dict(d), separators=(",", ":")) for d in decisions)
    path = tmp_path / "proposal.json"
    path.write_text('{"expired_blocks": [],\n"decisions": [\n' + lines + "\n]\n}")
    stored = StoredDecisions.of(path)
    assert list(stored) == decisions
    assert list(select(stored, lambda _, proposed: proposed)) == [
        d for d in decisions if d.proposed
    ]


def test_every_field_of_a_decision_survives_the_proposal_file(tmp_path: Path) -> None:
    # A decision with nothing left at its default: fees, interest from a start day, a
    # reminder with a title, an invoice with bexio's warning and a contact name.
    base = invoice(level=1, invoice_id=41, remaining="1234.50")
    full = Decision(
        invoice=replace(
            base,
            reminders=tuple(replace(r, is_sent=True, title="1. Mahnung") for r in base.reminders),
            title="Website «Relaunch»",
            updated_at="2026-11-02 10:15:00",
            contact_name="Metzgerei Jäggi & Co.",
            warning="the title was shortened",
        ),
        reason=Reason.ESCALATE,
        from_level=1,
        to_level=2,
        block_reason="held back in October",
        amounts=Amounts(
            currency="CHF",
            open_amount=Decimal("1234.50"),
            fees=(FeeLine(level=1, amount=Decimal("20.00")), FeeLine(2, Decimal("30.00"))),
            interest=Decimal("3.05"),
            interest_days=18,
            interest_rate_percent=Decimal("5.0"),
            interest_start=date(2026, 11, 12),
            total_due=Decimal("1287.55"),
            deadline=date(2026, 12, 10),
        ),
        proposed=True,
    )
    assert list(_stored(tmp_path, [full])) == [full]
    # Each field is written by name, so a field added to a class must be written too.
    written = decision_to_dict(full)
    assert set(written) == {f.name for f in fields(Decision)}
    assert set(written["invoice"]) == {f.name for f in fields(Invoice)}
    assert set(written["invoice"]["reminders"][0]) == {f.name for f in fields(Reminder)}
    assert set(written["amounts"]) == {f.name for f in fields(Amounts)}
    assert set(written["amounts"]["fees"][0]) == {f.name for f in fields(FeeLine)}
