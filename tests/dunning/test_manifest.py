"""The run record: one line per open invoice, counts, status, and when it ended."""

from __future__ import annotations

from dataclasses import dataclass

from dunning.manifest import build_manifest
from dunning.outcome import Outcome, Result
from dunning.run_plan import RunStatus
from tests.support.factories import escalate, final, not_overdue

META = {
    "run_id": "2026-11-30-6f1c2a9b",
    "flow_run_id": "from-run-json",
    "reference_date": "2026-11-30",
    "policy": {"version": "2026-11", "sha256": "abc"},
    "started_at": "2026-11-30T06:00:02+01:00",
}
NOW = "2026-11-30T06:01:10+01:00"
DECISIONS = [escalate(1), final(2), not_overdue(3)]


@dataclass(frozen=True)
class Letter:
    relative: str
    warning: str | None = None
    payment_ref: None = None
    from_bexio: bool = False


def test_a_finished_run_has_a_line_per_invoice_with_its_outcome_and_letter():
    results = {
        1: Result(1, Outcome.ESCALATED, reminder_id=55),
        2: Result(2, Outcome.FAILED, error="bexio said no"),
    }
    letters = {1: Letter("letters/RE-1-L1.pdf", "no QR-bill: IBAN missing")}
    record = build_manifest(
        META,
        DECISIONS,
        results,
        letters,
        RunStatus.FAILED,
        run_id="2026-11-30-6f1c2a9b",
        flow_run_id="4711",
        now=NOW,
    )
    assert record["schema"] == "dunning-run/1"
    assert (record["status"], record["finished_at"], record["flow_run_id"]) == (
        "failed",
        NOW,
        "4711",
    )
    assert record["counts"] == {
        "reasons": {"ESCALATE": 1, "FINAL": 1, "NOT_OVERDUE": 1},
        "outcomes": {"ESCALATED": 1, "FAILED": 1},
    }
    assert record["merged_pdf"] == "letters.pdf"
    lines = {ln["invoice_id"]: ln for ln in record["lines"]}
    assert list(lines) == [1, 2, 3]
    assert (lines[1]["letter"], lines[1]["warning"], lines[1]["reminder_id"]) == (
        "letters/RE-1-L1.pdf",
        "no QR-bill: IBAN missing",
        55,
    )
    assert (lines[2]["outcome"], lines[2]["error"], lines[2]["letter"]) == (
        "FAILED",
        "bexio said no",
        None,
    )
    assert lines[3]["outcome"] is None


def test_a_run_awaiting_approval_has_not_finished_and_keeps_the_flow_run_of_its_start():
    record = build_manifest(
        META, DECISIONS, {}, {}, RunStatus.AWAITING_APPROVAL, run_id="x", flow_run_id="", now=NOW
    )
    assert record["status"] == "awaiting_approval" and record["finished_at"] is None
    assert record["flow_run_id"] == "from-run-json"
    assert record["merged_pdf"] is None and record["counts"]["outcomes"] == {}
