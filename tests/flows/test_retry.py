"""Failures, retries and approvals: nothing is done twice, nobody is asked twice."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest
from prefect.flow_runs import resume_flow_run

from tests.support.harness import manifest_of, paused_run, run_flow
from tests.support.sandbox import REFERENCE_DATE


def no_level_twice(levels: dict[int, list[int]]) -> bool:
    return all(max(Counter(found).values(), default=1) == 1 for found in levels.values())


def test_failed_run_then_retry_finishes_without_duplicates_or_new_approval(bexio, output):
    bexio.admin("POST", "/faults", {"fail_rate": 0.3})
    # Lost answers are recognised on the first attempt, so some creates must fail for sure:
    # bexio refuses them with 503 before making anything, three times running.
    for invoice_id in list(bexio.state.invoices)[::2]:
        rule = {"method": "POST", "path": f"/2.0/kb_invoice/{invoice_id}/kb_reminder"}
        bexio.admin("POST", "/tamper", {**rule, "status": 503, "body": "{}", "times": 3})

    def approver() -> None:
        run_id, schema = paused_run()
        # Keep the pre-selected proposal: the answer names it, as the form sends it.
        resume_flow_run(run_id, run_input={"selected": schema["properties"]["selected"]["default"]})

    person = threading.Thread(target=approver)
    person.start()
    state, first = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, approval=True, poll_interval=1
    )
    person.join(5)
    record = manifest_of(first)
    assert state.is_failed() and record["status"] == "failed"
    failed = [ln for ln in record["lines"] if ln["outcome"] == "FAILED"]
    assert failed and all(ln["error"] for ln in failed)
    assert "dunning retry" in (state.message or "")

    bexio.admin("POST", "/faults", {"fail_rate": 0.0})
    # No approver this time: a retry that asked again would wait until the test times out.
    state, again = run_flow(run_id=record["run_id"], approval=True, poll_interval=1)
    assert state.is_completed(), state.message
    retried = manifest_of(again)
    assert retried["run_id"] == record["run_id"] and retried["status"] == "completed"
    assert no_level_twice(bexio.levels())
    proposed = {
        ln["invoice_id"] for ln in retried["lines"] if ln["reason"] in ("ESCALATE", "FINAL")
    }
    done = {
        ln["invoice_id"]
        for ln in retried["lines"]
        if ln["outcome"] in ("ESCALATED", "ALREADY_DONE", "MARKED_UNPAID", "CHANGED")
    }
    assert proposed == done
    for line in retried["lines"]:
        if line["outcome"] in ("ESCALATED", "ALREADY_DONE"):
            assert bexio.levels()[line["invoice_id"]].count(line["to_level"]) == 1
            assert (output / retried["run_id"] / line["letter"]).is_file()


def test_approval_naming_an_invoice_not_proposed_is_refused(bexio, output):
    outcome: dict[str, object] = {}

    def approver() -> None:
        run_id, schema = paused_run()
        choices = schema["properties"]["selected"]["default"]
        with pytest.raises(RuntimeError, match="Cannot resume"):
            resume_flow_run(run_id, run_input={"selected": choices + ["#99999 RE-99999 · forged"]})
        outcome["levels_while_paused"] = bexio.levels()
        resume_flow_run(
            run_id, run_input={"selected": [], "escalate_none": True, "note": "not this month"}
        )

    before = bexio.levels()
    person = threading.Thread(target=approver)
    person.start()
    state, summary = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, approval=True, poll_interval=1
    )
    person.join(5)
    assert outcome["levels_while_paused"] == before
    record = manifest_of(summary)
    proposed = [ln for ln in record["lines"] if ln["reason"] in ("ESCALATE", "FINAL")]
    assert proposed and all(ln["outcome"] == "DESELECTED" for ln in proposed)
    assert bexio.levels() == before


def test_a_run_an_older_version_began_is_retried_on_its_stored_proposal(bexio, output):
    for invoice_id in list(bexio.state.invoices)[::2]:  # the first attempt fails these
        rule = {"method": "POST", "path": f"/2.0/kb_invoice/{invoice_id}/kb_reminder"}
        bexio.admin("POST", "/tamper", {**rule, "status": 503, "body": "{}", "times": 3})
    state, first = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    record = manifest_of(first)
    assert state.is_failed() and record["status"] == "failed"
    # An older version wrote the proposal whole, indented, as it wrote every JSON file.
    stored = output / record["run_id"] / "proposal.json"
    proposal = json.loads(stored.read_text("utf-8"))
    stored.write_text(json.dumps(proposal, ensure_ascii=False, indent=1), "utf-8")

    state, again = run_flow(run_id=record["run_id"])
    assert state.is_completed(), state.message
    retried = manifest_of(again)
    assert [ln["invoice_id"] for ln in retried["lines"]] == [
        d["invoice"]["id"] for d in proposal["decisions"]
    ]
    assert no_level_twice(bexio.levels())
