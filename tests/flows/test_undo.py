"""`dunning undo RUN_ID`: the run's reminders that are still the latest of their invoice
are deleted in bexio, the others reported; a second undo deletes nothing twice."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.support.cli import run_cli
from tests.support.harness import manifest_of, run_flow
from tests.support.sandbox import REFERENCE_DATE


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")


def _held(levels):
    """Reminder levels of the invoices that have any."""
    return {invoice_id: found for invoice_id, found in levels.items() if found}


def _undo_record(output, run_id):
    return json.loads((output / run_id / "undo.json").read_text(encoding="utf-8"))


def test_undo_deletes_exactly_the_runs_reminders_and_a_second_undo_deletes_nothing(
    bexio, output, wide
):
    before = bexio.levels()
    state, summary = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True)
    record = manifest_of(summary)
    run_id = record["run_id"]
    escalated = {ln["invoice_id"]: ln for ln in record["lines"] if ln["outcome"] == "ESCALATED"}
    unpaid = [ln for ln in record["lines"] if ln["outcome"] == "MARKED_UNPAID"]
    assert escalated and unpaid
    after_run = bexio.levels()

    listed = run_cli(["undo", run_id])
    assert listed.code == 0, listed.text
    assert bexio.levels() == after_run  # without --yes nothing is deleted
    assert listed.out.count("would delete") == len(escalated)
    assert "--yes" in listed.out and not (output / run_id / "undo.json").exists()

    done = run_cli(["undo", run_id, "--yes"])
    assert done.code == 0, done.text
    assert _held(bexio.levels()) == _held(before)
    assert bexio.stats()["reminders_deleted"] == len(escalated)
    assert done.out.count("deleted") >= len(escalated)
    for line in unpaid:  # marked unpaid stays so, and says why
        assert bexio.status(line["invoice_id"]) == 31
    assert "cannot set an invoice back to open" in done.out
    undo = _undo_record(output, run_id)
    assert undo["status"] == "partly_undone"
    steps = {ln["invoice_id"]: ln["step"] for ln in undo["lines"]}
    assert {i for i, s in steps.items() if s == "deleted"} == set(escalated)
    assert all(steps[ln["invoice_id"]] == "kept" for ln in unpaid)

    again = run_cli(["undo", run_id, "--yes"])
    assert again.code == 0, again.text
    assert bexio.stats()["reminders_deleted"] == len(escalated)
    assert again.out.count("already undone") == len(escalated)
    steps = {ln["invoice_id"]: ln["step"] for ln in _undo_record(output, run_id)["lines"]}
    assert {i for i, s in steps.items() if s == "already_undone"} == set(escalated)
    listed_again = run_cli(["undo", run_id])  # the list, once nothing is left to delete
    said = " ".join(listed_again.out.split())
    assert "nothing left to delete" in said and "deletes 0" not in said, listed_again.text

    runs = run_cli(["runs"])
    assert f"{run_id}" in runs.out and "partly undone" in runs.out

    # A retry would write letters for the deleted reminders: it is refused.
    retried = run_cli(["retry", run_id])
    assert retried.code == 2, retried.text
    assert "was undone" in " ".join(retried.err.split()) and not retried.has_traceback()
    assert bexio.stats()["reminders_deleted"] == len(escalated)
    assert _held(bexio.levels()) == _held(before)


def test_an_invoice_escalated_again_by_a_later_run_is_not_undone(start_company, tmp_path, wide):
    first_day, later = date(2026, 11, 10), REFERENCE_DATE
    company = start_company(invoices=40, seed=7, today=first_day)
    _, first = run_flow(reference_date=first_day, confirm_reference_date=True)
    first_run = manifest_of(first)
    ours = {ln["invoice_id"]: ln for ln in first_run["lines"] if ln["outcome"] == "ESCALATED"}
    kept_back = min(ours)  # the later run leaves this one alone
    blocks = tmp_path / "blocks.toml"
    blocks.write_text(f'[[block]]\ninvoice_id = {kept_back}\nreason = "called"\n')
    company.state.today = later  # three weeks on: the next run escalates the others again
    _, second = run_flow(reference_date=later, confirm_reference_date=True, blocks=str(blocks))
    later_lines = manifest_of(second)["lines"]
    again = {ln["invoice_id"] for ln in later_lines if ln["outcome"] == "ESCALATED"}
    unpaid = {ln["invoice_id"] for ln in later_lines if ln["outcome"] == "MARKED_UNPAID"}
    escalated_twice, left_alone = set(ours) & again, set(ours) - again - unpaid
    assert escalated_twice and left_alone == {kept_back}
    levels = company.levels()

    done = run_cli(["undo", first_run["run_id"], "--yes"])
    assert done.code == 0, done.text
    assert "a later reminder exists" in done.out
    lines = {
        ln["invoice_id"]: ln for ln in _undo_record(tmp_path / "out", first_run["run_id"])["lines"]
    }
    after = company.levels()
    for invoice_id in escalated_twice:
        assert lines[invoice_id]["step"] == "kept"
        assert "later reminder" in lines[invoice_id]["why"]
        assert after[invoice_id] == levels[invoice_id]
    for invoice_id in set(ours) & unpaid:  # the later run wrote it off
        assert lines[invoice_id]["why"] == "the invoice was marked unpaid"
    for invoice_id in left_alone:
        assert lines[invoice_id]["step"] == "deleted"
        assert after[invoice_id] == levels[invoice_id][:-1]


def test_undo_of_an_unknown_run_is_bad_input(bexio, output):
    result = run_cli(["undo", "2026-11-30-0badc0de"])
    assert result.code == 2
    assert "there is no run '2026-11-30-0badc0de'" in result.err
    assert not result.has_traceback()


def test_an_unknown_run_in_another_folder_names_the_listing_of_that_folder(bexio, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for command in ("undo", "retry"):
        result = run_cli([command, "2026-11-30-0badc0de", "--output", str(elsewhere)])
        said = " ".join(result.err.split())
        assert result.code == 2 and not result.has_traceback(), result.text
        assert f"`dunning runs --output {elsewhere}` lists the runs there" in said
