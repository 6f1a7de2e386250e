"""A hold given in the approval form lasts across runs: the invoice is held in the month it
was given, left out (BLOCKED, with the reason) while the hold runs, and escalated once it
has ended, with the hold reported as expired."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

from prefect.flow_runs import resume_flow_run

from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.harness import paused_run

MONTHS = (date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 30))
UNTIL = date(2026, 11, 14)
REASON = "promised to pay by 14.11."


def _month(company: Any, output: Path, day: date, *flags: str) -> tuple[Any, dict[str, Any]]:
    """One monthly run on `day` (bexio's today too); what it printed and its record."""
    company.state.today = day
    known = set(new_runs(output)) if output.exists() else set()
    shown = run_cli(
        ["run", "--reference-date", day.isoformat(), "--confirm-reference-date", *flags]
    )
    (run_id,) = new_runs(output, known)
    return shown, load_manifest(output, run_id)


def _hold_first_escalation(held: list[int]) -> threading.Thread:
    """The approver: holds the first invoice proposed for a reminder, approves the rest."""

    def person() -> None:
        run_id, schema = paused_run()
        choices = schema["properties"]["selected"]["default"]
        first = next(c for c in choices if "→ L" in c)
        held.append(int(first.split()[0].lstrip("#")))
        answer = {"selected": choices, "hold": [first], "hold_until": UNTIL.isoformat()}
        resume_flow_run(run_id, run_input={**answer, "hold_reason": REASON})

    thread = threading.Thread(target=person)
    thread.start()
    return thread


def _line(record: dict[str, Any], invoice_id: int) -> dict[str, Any]:
    return next(line for line in record["lines"] if line["invoice_id"] == invoice_id)


def test_an_invoice_held_in_the_form_is_blocked_until_its_date_then_escalated(
    start_company, tmp_path
):
    company = start_company(invoices=40, seed=7, today=MONTHS[0])
    output = tmp_path / "out"
    before = company.levels()
    held: list[int] = []
    approver = _hold_first_escalation(held)
    first, month1 = _month(company, output, MONTHS[0], "--approval")
    approver.join(30)
    (invoice_id,) = held
    assert first.code == 0, first.text
    line = _line(month1, invoice_id)
    assert line["reason"] == "ESCALATE" and line["outcome"] == "DESELECTED"
    assert "held until 14.11.2026" in line["note"] and REASON in line["note"]
    assert company.levels().get(invoice_id) == before.get(invoice_id)  # nothing pushed
    others = [ln for ln in month1["lines"] if ln["reason"] == "ESCALATE" and ln is not line]
    assert others and {ln["outcome"] for ln in others} == {"ESCALATED"}
    kept = json.loads((output / "holds.json").read_text(encoding="utf-8"))["holds"]
    assert [(h["invoice_id"], h["until"], h["reason"]) for h in kept] == [
        (invoice_id, UNTIL.isoformat(), REASON)
    ]

    second, month2 = _month(company, output, MONTHS[1])
    assert second.code == 0, second.text
    line = _line(month2, invoice_id)
    assert line["reason"] == "BLOCKED" and line["outcome"] is None
    assert REASON in line["note"] and "14.11.2026" in line["note"]

    third, month3 = _month(company, output, MONTHS[2])
    assert third.code == 0, third.text
    line = _line(month3, invoice_id)
    assert line["reason"] == "ESCALATE" and line["outcome"] == "ESCALATED"
    assert company.levels()[invoice_id][-1] == line["to_level"]
    shown = " ".join(third.out.split())
    assert (
        "Check: Expired holds and blocks (their invoices are dunned again): 1 "
        f"(hold 1 of invoice {invoice_id} until 14.11.2026)"
    ) in shown, shown
    proposal = json.loads((output / month3["run_id"] / "proposal.json").read_text("utf-8"))
    expired = proposal["expired_blocks"]
    assert [(b["hold_id"], b["invoice_id"]) for b in expired] == [(1, invoice_id)]
