"""The dunning-run flow against the sandbox, end to end, under Prefect's test harness."""

from __future__ import annotations

import threading

from prefect.flow_runs import resume_flow_run
from pypdf import PdfReader

from dunning.policy_file import example_policy_path
from tests.support.cli import run_cli
from tests.support.harness import manifest_of, paused_run, run_flow
from tests.support.sandbox import REFERENCE_DATE

LINE_KEYS = {
    "invoice_id",
    "document_nr",
    "contact_id",
    "currency",
    "reason",
    "outcome",
    "from_level",
    "to_level",
    "open_amount",
    "fees",
    "interest",
    "total_due",
    "deadline",
    "api_deadline",
    "reminder_id",
    "letter",
    "note",
    "error",
}
TOP_KEYS = {
    "schema",
    "run_id",
    "flow_run_id",
    "reference_date",
    "status",
    "policy",
    "started_at",
    "finished_at",
    "counts",
    "merged_pdf",
    "lines",
}


def test_run_without_approval_escalates_every_proposed_invoice_once(bexio, output):
    before = bexio.levels()
    state, summary = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    assert state.is_completed(), state.message
    record = manifest_of(summary)
    assert set(record) >= TOP_KEYS and record["schema"] == "dunning-run/1"
    assert record["status"] == "completed" and record["reference_date"] == "2026-11-30"
    assert record["run_id"].startswith("2026-11-30-") and record["flow_run_id"]
    assert all(set(line) >= LINE_KEYS for line in record["lines"])
    open_ids = {
        i["id"]
        for i in bexio.state.invoice_list
        if i["kb_item_status_id"] in (8, 16)
        and i["id"]
        not in {ln["invoice_id"] for ln in record["lines"] if ln["outcome"] == "MARKED_UNPAID"}
    }
    assert open_ids <= {line["invoice_id"] for line in record["lines"]}
    escalated = [ln for ln in record["lines"] if ln["outcome"] == "ESCALATED"]
    assert escalated, "the sandbox company should have overdue invoices"
    after = bexio.levels()
    for line in escalated:
        new = after[line["invoice_id"]][len(before.get(line["invoice_id"], [])) :]
        assert new == [line["to_level"]], line["document_nr"]
        reminder = bexio.state.reminders[line["invoice_id"]][-1]
        assert reminder["id"] == line["reminder_id"] and reminder["is_sent"]
        assert (output / record["run_id"] / line["letter"]).is_file()
    untouched = {ln["invoice_id"] for ln in record["lines"] if ln["outcome"] is None}
    assert all(after.get(i, []) == before.get(i, []) for i in untouched)
    merged = PdfReader(output / record["run_id"] / "letters.pdf")
    assert len(merged.outline) == len(escalated)
    assert [item.title.split(" · ")[0] for item in merged.outline] == [
        ln["document_nr"] for ln in escalated
    ]
    # Without --send every letter is posted: the file to print holds them all, in order.
    posted = PdfReader(output / record["run_id"] / record["print_pdf"])
    assert [item.title for item in posted.outline] == [item.title for item in merged.outline]
    assert record["letters_to_print"] == len(escalated)


def test_final_invoices_are_marked_unpaid_only_with_the_extension(bexio, output, monkeypatch):
    monkeypatch.setenv("BEXIO_UNPAID_EXTENSION", "false")
    state, summary = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    finals = [ln for ln in manifest_of(summary)["lines"] if ln["reason"] == "FINAL"]
    assert finals, "the sandbox company should have invoices past the last level"
    for line in finals:
        assert line["outcome"] == "MANUAL_ACTION"
        assert "by hand" in line["note"] and line["document_nr"] in line["note"]
        assert bexio.status(line["invoice_id"]) != 31


def test_rerun_for_the_same_date_escalates_nothing(bexio, output):
    first_state, first = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    levels = bexio.levels()
    state, second = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    assert state.is_completed()
    assert second["run_id"] != first["run_id"]
    assert manifest_of(second)["counts"]["reasons"].get("ESCALATE", 0) == 0
    assert bexio.levels() == levels


def test_dry_run_renders_and_records_but_pushes_nothing(bexio, output):
    levels = bexio.levels()
    statuses = {i: bexio.status(i) for i in bexio.state.invoices}
    state, summary = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, dry_run=True
    )
    record = manifest_of(summary)
    assert record["status"] == "dry_run"
    assert bexio.levels() == levels
    assert {i: bexio.status(i) for i in bexio.state.invoices} == statuses
    letters = [ln for ln in record["lines"] if ln["letter"]]
    assert letters and all(ln["outcome"] is None for ln in record["lines"])
    assert all((output / record["run_id"] / ln["letter"]).is_file() for ln in letters)


def test_approval_resumed_with_one_invoice_deselected(bexio, output):
    answers: dict[str, object] = {}

    def approver() -> None:
        run_id, schema = paused_run()
        choices = schema["properties"]["selected"]["default"]
        answers["kept"], answers["dropped"] = choices[1:], choices[0]
        resume_flow_run(run_id, run_input={"selected": choices[1:], "note": "customer called"})

    person = threading.Thread(target=approver)
    person.start()
    state, summary = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, approval=True, poll_interval=1
    )
    person.join(5)
    assert state.is_completed(), state.message
    lines = {ln["invoice_id"]: ln for ln in manifest_of(summary)["lines"]}
    dropped_id = int(str(answers["dropped"]).split()[0].lstrip("#"))
    assert lines[dropped_id]["outcome"] == "DESELECTED"
    assert lines[dropped_id]["note"] == "customer called"
    assert bexio.state.reminders.get(dropped_id, []) == [] or all(
        r["reminder_level"] <= lines[dropped_id]["from_level"]
        for r in bexio.state.reminders[dropped_id]
    )
    kept = [int(str(c).split()[0].lstrip("#")) for c in answers["kept"]]  # type: ignore[union-attr]
    assert all(lines[i]["outcome"] in ("ESCALATED", "MARKED_UNPAID") for i in kept)


def test_a_run_without_open_invoices_says_there_is_nothing_to_propose(start_company, tmp_path):
    start_company(invoices=0)
    result = run_cli(["run", "--dry-run", "--policy", str(example_policy_path())])
    assert result.code == 0, result.text
    assert "no open invoice in bexio: nothing to propose" in " ".join(result.out.split())
