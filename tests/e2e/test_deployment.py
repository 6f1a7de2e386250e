"""The production set-up, for real: the `monthly` deployment of prefect.yaml on a Prefect
server backed by PostgreSQL, a process worker, a run that suspends while it waits for the
approver (no process waits with it), and the worker finishing it after the resume.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.processes import Service, bin_path, descendants, run_cli, wait_until
from tests.e2e.stack import REFERENCE_DATE, REPO, RUN_MENU, Company, PrefectServer

NOTE = "Disputed by phone; waits for the credit note."


def test_monthly_deployment_suspends_for_approval_and_a_worker_finishes_it(
    prefect: PrefectServer, company: Company, page: Page, logs: Path
) -> None:
    # The set-up a person follows from the README, in the project folder.
    env = {**company.env(prefect), "PWD": str(REPO)}  # prefect.yaml pulls from "{{ $PWD }}"
    run_cli(
        [bin_path("prefect"), "work-pool", "create", "dunning-pool", "--type", "process"], env, REPO
    )
    run_cli([bin_path("prefect"), "--no-prompt", "deploy", "--all"], env, REPO)
    deployment = prefect.api.get("/deployments/name/dunning-run/monthly")
    assert deployment["parameters"] == {"approval": True}
    assert [
        (s["schedule"]["cron"], s["schedule"]["timezone"], s["active"])
        for s in deployment["schedules"]
    ] == [("0 6 1 * *", "Europe/Zurich", True)]
    assert deployment["global_concurrency_limit"]["limit"] == 1

    levels_before = company.reminder_levels()
    # The worker's environment (bexio, output) is what its flow runs see.
    worker = Service(
        "worker",
        [bin_path("prefect"), "worker", "start", "--pool", "dunning-pool"],
        {**env, "PREFECT_WORKER_QUERY_SECONDS": "1"},
        logs,
    )
    try:
        started = run_cli(
            [
                bin_path("prefect"),
                "deployment",
                "run",
                "dunning-run/monthly",
                "-p",
                f"reference_date={REFERENCE_DATE}",
                "-p",
                "confirm_reference_date=true",
            ],
            env,
            REPO,
        )
        flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", started).group(1)  # type: ignore[union-attr]

        schema = prefect.api.wait_for_form(flow_run_id, timeout=120)
        assert prefect.api.state(flow_run_id) == ("PAUSED", "Suspended")
        # Suspended, not paused: the flow process has exited; nothing waits for the approver.
        wait_until(lambda: not descendants(worker.process.pid), 30, "the flow process exiting")
        (folder,) = [p for p in company.output.iterdir() if p.is_dir()]  # runs
        waiting = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert waiting["status"] == "awaiting_approval" and waiting["flow_run_id"] == flow_run_id

        # The approver finds it in the UI as for a local run, and can open the form.
        page.goto(f"{prefect.ui}/v2/runs/flow-run/{flow_run_id}")
        expect(page.get_by_text("Suspended", exact=True).first).to_be_visible()
        page.locator(RUN_MENU).first.click()
        expect(page.get_by_role("menuitem", name="Resume")).to_be_visible()
        page.screenshot(path=logs / "deployment-run-v2.png")

        # `prefect deployment run` prints Prefect's older page of the run: there Resume is a
        # button in the header, beside the Cancel that cancels the whole run (README).
        printed = re.search(r"(https?://\S+/runs/flow-run/[0-9a-f-]{36})", started)
        assert printed and "/v2/" not in printed.group(1), started
        page.goto(printed.group(1))
        expect(page.get_by_role("button", name="Resume")).to_be_visible()
        expect(page.get_by_role("button", name="Cancel")).to_be_visible()
        page.screenshot(path=logs / "deployment-run-v1.png")

        labels: list[str] = schema["properties"]["selected"]["default"]
        escalations = [ln for ln in waiting["lines"] if ln["reason"] == "ESCALATE"]
        held = escalations[-1]
        prefect.api.resume(
            flow_run_id,
            {
                "selected": [
                    label for label in labels if not label.startswith(f"#{held['invoice_id']} ")
                ],
                "note": NOTE,
            },
        )
        assert prefect.api.wait_for_final_state(flow_run_id, timeout=180) == (
            "COMPLETED",
            "Completed",
        ), worker.log()[-4000:]

        # The Logs tab tells the story once: the run waited, then finished; the resumed run does
        # not claim to wait or suspend again.
        def messages() -> list[str]:
            return [
                log["message"]
                for log in prefect.api.post(
                    "/logs/filter",
                    {"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "sort": "TIMESTAMP_ASC"},
                )
            ]

        finished = f"run {folder.name} completed"
        wait_until(
            lambda: any(m.startswith(finished) for m in messages()), 30, "the run's last log"
        )
        told = messages()
        assert sum("Suspending flow run" in m for m in told) == 1, told
        assert sum(m.startswith("waiting for approval") for m in told) == 1, told
    finally:
        worker.stop()
    assert not worker.alive()

    # The resumed run found its own folder again (no second run of the same month).
    assert [p.name for p in company.output.iterdir() if p.is_dir()] == [folder.name]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "completed"
    lines = {ln["invoice_id"]: ln for ln in manifest["lines"]}
    assert (lines[held["invoice_id"]]["outcome"], lines[held["invoice_id"]]["note"]) == (
        "DESELECTED",
        NOTE,
    )
    assert (folder / "letters.pdf").read_bytes().startswith(b"%PDF")
    levels_after = company.reminder_levels()
    new = {
        i: lv[len(levels_before.get(i, [])) :]
        for i, lv in levels_after.items()
        if len(lv) > len(levels_before.get(i, []))
    }
    assert new == {ln["invoice_id"]: [ln["to_level"]] for ln in escalations if ln is not held}
    for ln in escalations:
        if ln is not held:
            assert lines[ln["invoice_id"]]["outcome"] == "ESCALATED"
