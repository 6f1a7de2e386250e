"""The approver's day in a real browser: the Prefect UI shows the paused run, its proposal
and the draft letters; the approver removes one invoice, writes a note, holds another until
a date with a reason, and resumes; exactly the approved invoices move up a level in bexio,
and the hold is kept for later runs.

Drives Prefect's default UI (v2: `/v2/runs/flow-run/<id>`, ⋮ menu → Resume).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from pypdf import PdfReader

from tests.e2e.processes import Service, bin_path, wait_until
from tests.e2e.stack import REFERENCE_DATE, RUN_MENU, Company, PrefectServer

NOTE = "Customer phoned: pays by Friday, no reminder this month."
HOLD_UNTIL, HOLD_REASON = "2026-12-15", "promised to pay by 15.12."


def _awaiting_manifest(output: Path, run: Service, timeout: float = 120) -> dict[str, Any]:
    """The run's record once it waits for approval (it names the flow run)."""

    def waiting() -> dict[str, Any] | None:
        if not run.alive():
            raise AssertionError(f"`dunning run` exited early:\n{run.log()[-3000:]}")
        for path in output.glob("*/manifest.json"):
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if manifest["status"] == "awaiting_approval":
                return manifest
        return None

    return wait_until(waiting, timeout, "the run waiting for approval")  # type: ignore[return-value]


def _pdf_text(page: Page, url: str) -> str:
    """Follow a link as the browser would; it must be a PDF. Its text."""
    response = page.request.get(url)
    assert response.ok, f"{url} answered {response.status}"
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)


def _open_artifact(page: Page, ui: str, flow_run_id: str, key: str) -> None:
    page.goto(f"{ui}/v2/runs/flow-run/{flow_run_id}?tab=Artifacts")
    page.get_by_text(key, exact=True).click()
    page.wait_for_url(re.compile(r"/artifacts/"))


def _printed_link(run: Service) -> str:
    """The address `dunning run --approval` prints for the approver, once it waits."""

    def printed() -> str | None:
        found = re.search(r"open (https?://\S+/runs/flow-run/[0-9a-f-]{36})", run.log())
        return found.group(1) if found else None

    return wait_until(printed, 60, "the run printing where to approve")  # type: ignore[return-value]


def _open_resume_dialog(page: Page, link: str) -> Any:
    page.goto(link)
    expect(page.get_by_text("Paused", exact=True).first).to_be_visible()
    page.locator(RUN_MENU).first.click()
    page.get_by_role("menuitem", name="Resume").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Resume Flow Run")).to_be_visible()
    return dialog


def _hold(page: Page, dialog: Any, label: str) -> None:
    """Hold one invoice in the form: pick it, pick the date (typed into the date picker's
    own field), write the reason."""
    dialog.get_by_role("button", name="Select Hold until a date").click()
    page.get_by_role("option", name=label, exact=True).click()
    page.keyboard.press("Escape")  # closes the list, not the form
    expect(dialog.get_by_title(label, exact=True)).to_have_count(2)  # selected, and held
    # Prefect's date picker sometimes renders its field anew while it opens, and a fill
    # then waits on a field that is gone: open it again (the answer is checked below).
    for _ in range(3):
        dialog.locator("button:has-text('Pick a date')").click()
        day = page.get_by_placeholder("yyyy-MM-dd")
        try:
            day.fill(HOLD_UNTIL, timeout=5_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    else:
        raise AssertionError("the hold date could not be typed into Prefect's date picker")
    day.press("Enter")
    if day.is_visible():
        page.keyboard.press("Escape")
    reason = dialog.get_by_label("Reason for the hold (Optional)")
    reason.fill(HOLD_REASON)
    reason.scroll_into_view_if_needed()


def test_approver_removes_one_invoice_in_the_prefect_ui(
    prefect: PrefectServer, company: Company, page: Page, images: Path, tmp_path: Path
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
        proposed = {
            ln["invoice_id"]: ln for ln in waiting["lines"] if ln["reason"] in ("ESCALATE", "FINAL")
        }
        escalations = [ln for ln in proposed.values() if ln["reason"] == "ESCALATE"]
        assert len(labels) == len(proposed) and len(escalations) >= 2

        # The proposal, as a table artifact of the paused run.
        _open_artifact(page, prefect.ui, flow_run_id, "dunning-proposal")
        expect(page.get_by_text(f"Proposal of run {run_id}")).to_be_visible()
        expect(page.get_by_role("cell", name="ESCALATE", exact=True).first).to_be_visible()
        page.locator("main").screenshot(path=images / "approval-proposal.png")
        search = page.get_by_role("textbox", name="Search")
        for line in proposed.values():  # the table shows ten rows a page: search instead
            search.fill(line["document_nr"])
            expect(page.get_by_role("cell", name=line["document_nr"], exact=True)).to_be_visible()

        # The form: description with the draft letters, every proposed invoice pre-selected.
        # The approver follows the link the run printed.
        link = _printed_link(run)
        assert link == f"{prefect.ui}/v2/runs/flow-run/{flow_run_id}"
        dialog = _open_resume_dialog(page, link)
        expect(dialog.get_by_text(f"Dunning run {run_id}")).to_be_visible()
        draft = dialog.get_by_role("link", name="Draft letters (merged PDF)").get_attribute("href")
        assert draft and draft.startswith(company.files_url)
        draft_text = _pdf_text(page, draft)
        for line in escalations:
            assert line["document_nr"] in draft_text
        for label in labels:
            expect(dialog.get_by_title(label, exact=True)).to_be_visible()
        dialog.screenshot(path=images / "approval-form.png")

        removed = next(label for label in labels if f"#{escalations[0]['invoice_id']} " in label)
        dialog.get_by_role("button", name=f"Remove {removed} tag").click()
        expect(dialog.get_by_title(removed, exact=True)).to_have_count(0)
        dialog.get_by_label("Note (Optional)").fill(NOTE)
        held = next(label for label in labels if f"#{escalations[1]['invoice_id']} " in label)
        _hold(page, dialog, held)
        dialog.screenshot(path=images / "approval-answer.png")
        dialog.get_by_role("button", name="Resume", exact=True).click()

        assert run.process.wait(timeout=120) == 0, run.log()[-3000:]
    finally:
        run.stop()

    manifest = json.loads((company.output / run_id / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "completed"
    outcomes = {ln["invoice_id"]: ln for ln in manifest["lines"]}
    deselected_id = escalations[0]["invoice_id"]
    assert outcomes[deselected_id]["outcome"] == "DESELECTED"
    assert outcomes[deselected_id]["note"] == NOTE
    held_id = escalations[1]["invoice_id"]
    assert outcomes[held_id]["outcome"] == "DESELECTED"
    assert outcomes[held_id]["note"].startswith("held until 15.12.2026 (hold 1, invoice ")
    assert HOLD_REASON in outcomes[held_id]["note"]
    holds = json.loads((company.output / "holds.json").read_text(encoding="utf-8"))["holds"]
    assert [(h["invoice_id"], h["until"], h["reason"]) for h in holds] == [
        (held_id, HOLD_UNTIL, HOLD_REASON)
    ]

    # bexio: one new reminder for each approved escalation, none elsewhere; finals unpaid.
    levels_after = company.reminder_levels()
    approved = {i: ln for i, ln in proposed.items() if i not in (deselected_id, held_id)}
    grown = {
        i: lv[len(levels_before.get(i, [])) :]
        for i, lv in levels_after.items()
        if len(lv) > len(levels_before.get(i, []))
    }
    assert grown == {
        i: [ln["to_level"]] for i, ln in approved.items() if ln["reason"] == "ESCALATE"
    }
    for i, ln in approved.items():
        assert outcomes[i]["outcome"] == (
            "ESCALATED" if ln["reason"] == "ESCALATE" else "MARKED_UNPAID"
        )
        if ln["reason"] == "FINAL":
            assert company.invoice_status(i) == 31

    # The summary, as the approver finds it afterwards; the letters link opens the PDF.
    _open_artifact(page, prefect.ui, flow_run_id, "dunning-summary")
    expect(page.get_by_role("heading", name=f"Dunning run {run_id}")).to_be_visible()
    expect(page.get_by_role("cell", name="DESELECTED", exact=True)).to_be_visible()
    page.locator("main").screenshot(path=images / "run-summary.png")
    link = prefect.api.artifact(flow_run_id, "dunning-letters")["data"]  # "[text](url)"
    letters_text = _pdf_text(page, re.search(r"\((https?://[^)]+)\)", link).group(1))
    assert escalations[0]["document_nr"] not in letters_text
    for line in approved.values():
        if line["reason"] == "ESCALATE":
            assert line["document_nr"] in letters_text
