"""The approver removes invoices, then picks "Omit value" in the selection's ⋮ menu and
resumes: an answer without a selection would read as every invoice, so it is refused, the
run keeps waiting and nothing is pushed; the approver's next, proper answer is taken, and
exactly what it approves moves in bexio."""

from __future__ import annotations

import json
import time
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.e2e.processes import Service, bin_path
from tests.e2e.stack import REFERENCE_DATE, Company, PrefectServer
from tests.e2e.test_approval_in_browser import _awaiting_manifest, _open_resume_dialog

POLL_SECONDS = 10  # how often a waiting run looks for an answer (`dunning run`'s default)


def _remove(dialog: Locator, labels: list[str]) -> None:
    for label in labels:
        dialog.get_by_role("button", name=f"Remove {label} tag").click()
        expect(dialog.get_by_title(label, exact=True)).to_have_count(0)


def test_an_answer_that_omits_the_selection_is_refused_and_the_run_keeps_waiting(
    prefect: PrefectServer, company: Company, page: Page, tmp_path: Path
) -> None:
    levels_before = company.reminder_levels()
    run = Service(
        "dunning-run",
        [
            bin_path("dunning"),
            "run",
            "--approval",
            "--reference-date",
            REFERENCE_DATE,
            "--confirm-reference-date",
        ],
        company.env(prefect),
        tmp_path,
        cwd=tmp_path,
    )
    try:
        waiting = _awaiting_manifest(company.output, run)
        flow_run_id, run_id = waiting["flow_run_id"], waiting["run_id"]
        schema = prefect.api.wait_for_form(flow_run_id, timeout=60)
        labels: list[str] = schema["properties"]["selected"]["default"]
        escalations = [ln for ln in waiting["lines"] if ln["reason"] == "ESCALATE"]
        assert len(escalations) >= 3
        removed_ids = [ln["invoice_id"] for ln in escalations[:2]]
        removed = [lb for lb in labels if any(lb.startswith(f"#{i} ") for i in removed_ids)]

        # Remove two invoices, then omit the whole field, and resume.
        dialog = _open_resume_dialog(page, f"{prefect.ui}/v2/runs/flow-run/{flow_run_id}")
        _remove(dialog, removed)
        field_menu = dialog.get_by_role("button", name="Open menu").first  # the selection's
        field_menu.click()
        page.get_by_role("menuitem", name="Omit value").click()
        with page.expect_response(lambda r: r.url.endswith(f"{flow_run_id}/resume")) as sent:
            dialog.get_by_role("button", name="Resume", exact=True).click()
        answer = sent.value.json()
        assert answer["status"] == "REJECT", answer
        assert "'selected' is a required property" in answer["details"]["reason"], answer
        expect(dialog.get_by_text("Resume Flow Run")).to_be_visible()  # the form stays

        # The run keeps waiting past its next look for an answer; nothing is pushed.
        time.sleep(POLL_SECONDS + 2)
        assert run.alive(), run.log()[-3000:]
        assert prefect.api.state(flow_run_id)[0] == "PAUSED"
        assert company.reminder_levels() == levels_before
        record = json.loads((company.output / run_id / "manifest.json").read_text("utf-8"))
        assert record["status"] == "awaiting_approval"

        # A proper answer, in a fresh form: the same two removed, and resume.
        dialog = _open_resume_dialog(page, f"{prefect.ui}/v2/runs/flow-run/{flow_run_id}")
        _remove(dialog, removed)
        with page.expect_response(lambda r: r.url.endswith(f"{flow_run_id}/resume")) as sent:
            dialog.get_by_role("button", name="Resume", exact=True).click()
        answer = sent.value.json()
        assert answer["status"] == "ACCEPT", (
            answer
        )  # an empty hold date is no reason to refuse, answer
        assert run.process.wait(timeout=120) == 0, run.log()[-3000:]
    finally:
        run.stop()

    record = json.loads((company.output / run_id / "manifest.json").read_text("utf-8"))
    outcomes = {ln["invoice_id"]: ln["outcome"] for ln in record["lines"]}
    assert record["status"] == "completed"
    assert [outcomes[i] for i in removed_ids] == ["DESELECTED", "DESELECTED"]
    levels_after = company.reminder_levels()
    grown = {
        i: lv[len(levels_before.get(i, [])) :]
        for i, lv in levels_after.items()
        if len(lv) > len(levels_before.get(i, []))
    }
    approved = [ln for ln in escalations if ln["invoice_id"] not in removed_ids]
    assert grown == {ln["invoice_id"]: [ln["to_level"]] for ln in approved}
    assert all(outcomes[ln["invoice_id"]] == "ESCALATED" for ln in approved)
