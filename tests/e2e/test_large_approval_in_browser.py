"""A large run approved in a real browser: more than 2,000 proposed invoices, the form of a
large run (no chip per invoice), two invoices typed in to hold back, the approving tick,
Resume; every other proposed invoice moves up a level in bexio, the two do not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import clean_environ
from tests.e2e.processes import Service, bin_path, free_port
from tests.e2e.stack import REFERENCE_DATE, RUN_MENU, TOKEN, Company, PrefectServer
from tests.e2e.test_approval_in_browser import _awaiting_manifest

NOTE = "Two disputed invoices wait for the credit notes."


@pytest.fixture
def large_company(logs: Path, tmp_path: Path) -> Iterator[Company]:
    port = free_port()
    sandbox = Service(
        "large-sandbox",
        [
            bin_path("dunning"), "sandbox", "--port", str(port), "--today", REFERENCE_DATE,
            "--token", TOKEN, "--invoices", "7500", "--seed", "5",
        ],
        clean_environ(),
        logs,
    )  # fmt: skip
    try:
        sandbox.wait_http(f"http://127.0.0.1:{port}/2.0/language", timeout=120)
        yield Company(f"http://127.0.0.1:{port}", tmp_path / "output", "http://127.0.0.1:1")
    finally:
        sandbox.stop()


@pytest.mark.timeout(1200)  # thousands of draft letters, reminders and final letters
def test_approver_holds_back_two_of_thousands_in_the_prefect_ui(
    prefect: PrefectServer, large_company: Company, page: Page, tmp_path: Path, images: Path
) -> None:
    company = large_company
    before = company.reminder_levels()
    run = Service(
        "large-run",
        [
            bin_path("dunning"), "run", "--approval", "--reference-date", REFERENCE_DATE,
            "--confirm-reference-date",
        ],
        company.env(prefect),
        tmp_path,
        cwd=tmp_path,
    )  # fmt: skip
    try:
        waiting = _awaiting_manifest(company.output, run, timeout=400)
        flow_run_id = waiting["flow_run_id"]
        prefect.api.wait_for_form(flow_run_id, timeout=600)  # drafts of every letter first
        proposed = [ln for ln in waiting["lines"] if ln["reason"] in ("ESCALATE", "FINAL")]
        assert len(proposed) >= 2000
        first, second = [ln for ln in proposed if ln["reason"] == "ESCALATE"][:2]

        page.goto(f"{prefect.ui}/v2/runs/flow-run/{flow_run_id}")
        expect(page.get_by_text("Paused", exact=True).first).to_be_visible()
        page.locator(RUN_MENU).first.click()
        page.get_by_role("menuitem", name="Resume").click()
        dialog = page.get_by_role("dialog")
        expect(
            dialog.get_by_text(f"{len(proposed):,} invoices the form does not list")
        ).to_be_visible()
        typed = dialog.get_by_label("Hold back these invoices or customers")
        typed.fill(f"{first['document_nr']}, #{second['invoice_id']}")
        dialog.get_by_label("Note").fill(NOTE)
        dialog.get_by_label(f"Approve the {len(proposed):,} proposed invoices").check()
        typed.scroll_into_view_if_needed()  # the screenshot shows the typed numbers
        dialog.screenshot(path=images / "approval-large.png")
        dialog.get_by_role("button", name="Resume", exact=True).click()
        assert run.process.wait(timeout=600) == 0, run.log()[-3000:]
    finally:
        run.stop()

    manifest = json.loads(
        (company.output / waiting["run_id"] / "manifest.json").read_text(encoding="utf-8")
    )
    assert manifest["status"] == "completed"
    outcomes = {ln["invoice_id"]: ln for ln in manifest["lines"]}
    held = {first["invoice_id"], second["invoice_id"]}
    for invoice_id in held:
        assert (outcomes[invoice_id]["outcome"], outcomes[invoice_id]["note"]) == (
            "DESELECTED",
            NOTE,
        )
    after = company.reminder_levels()
    grown = {i for i, lv in after.items() if len(lv) > len(before.get(i, []))}
    assert grown == {ln["invoice_id"] for ln in proposed if ln["reason"] == "ESCALATE"} - held
