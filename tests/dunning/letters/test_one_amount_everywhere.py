"""An amount that lies half-way between two cents reads the same wherever it is shown: on
the letter, in its QR-bill, in the manifest, in the proposal and in the run's summary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from dunning.letter_plan import letter_input
from dunning.letters import render_letter
from dunning.manifest import build_manifest
from dunning.model import Address, Contact, Invoice
from dunning.outcome import Outcome, Result
from dunning.policy_file import example_policy_path, load_policy
from dunning.proposal import Reason
from dunning.report import proposal_rows, summary_markdown
from dunning.rules import propose
from dunning.run_plan import RunStatus
from tests.dunning.letters.letter_helpers import page_texts, qr_fields

REFERENCE_DATE = date(2026, 11, 30)
# bexio gives remaining amounts with four decimals; this one is half a cent above 12.34.
HALF_WAY = Invoice(
    id=7,
    document_nr="RE-00007",
    contact_id=3,
    status=8,
    currency="CHF",
    total=Decimal("12.3450"),
    remaining=Decimal("12.3450"),
    valid_from=date(2026, 10, 20),
    valid_to=date(2026, 11, 19),  # 11 days overdue: no interest after rounding to 0.05
    contact_name="Muster AG",
)

DEBTOR = Contact(3, Address("Muster AG", "Bahnhofstrasse", "1", "8001", "Zürich"))


class _Letter:
    def __init__(self, relative: str, warning: str | None) -> None:
        self.relative, self.warning = relative, warning
        self.payment_ref = None
        self.from_bexio = False


def test_half_a_cent_is_rounded_up_alike_on_the_letter_the_record_and_the_summary(
    tmp_path: Path,
) -> None:
    policy = load_policy(example_policy_path())
    proposal = propose([HALF_WAY], policy, (), REFERENCE_DATE, {"CHF": Decimal("0.05")})
    (decision,) = proposal.decisions
    assert decision.reason is Reason.ESCALATE and decision.amounts is not None
    assert decision.amounts.total_due == Decimal("12.3450")
    result = Result(HALF_WAY.id, Outcome.ESCALATED, reminder_id=1)

    letter = letter_input(policy, decision, result, DEBTOR, REFERENCE_DATE)
    rendered = render_letter(letter, tmp_path / "letter.pdf")
    text = " ".join(page_texts(rendered.path))
    manifest = build_manifest(
        {
            "reference_date": "2026-11-30",
            "policy": {"version": policy.version, "sha256": policy.sha256},
            "started_at": "2026-11-30T06:00:00",
        },
        [decision],
        {HALF_WAY.id: result},
        {HALF_WAY.id: _Letter("letters/RE-00007-L1.pdf", rendered.warning)},
        RunStatus.COMPLETED,
        run_id="2026-11-30-0000abcd",
        flow_run_id="",
        now="2026-11-30T06:01:00",
    )
    (line,) = manifest["lines"]

    assert "12.35" in text and "12.34" not in text
    assert rendered.qr_payload is not None, rendered.warning
    assert qr_fields(rendered.qr_payload)["amount"] == "12.35"
    assert (line["open_amount"], line["total_due"]) == ("12.35", "12.35")
    assert proposal_rows([decision])[0]["total"] == "CHF 12.35"
    assert "CHF 12.35" in summary_markdown(manifest, None)
