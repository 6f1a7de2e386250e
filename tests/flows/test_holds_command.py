"""`dunning holds`: add, list and end holds beside the runs; a hold added here leaves its
invoice out of the next run; bad input is one paragraph, exit 2, and nothing is kept."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from dunning.proposal import Reason
from flows.run_inputs import zurich_today
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE


def _open_invoice(company) -> dict:
    return next(i for i in company.state.invoice_list if i["kb_item_status_id"] in (8, 16))


def _holds(output) -> list[dict]:
    return json.loads((output / "holds.json").read_text(encoding="utf-8"))["holds"]


def test_holds_are_added_listed_and_ended(bexio, output):
    invoice = _open_invoice(bexio)
    until = (zurich_today() + timedelta(days=20)).isoformat()
    added = run_cli(
        [
            "holds",
            "add",
            "--invoice",
            str(invoice["id"]),
            "--until",
            until,
            "--reason",
            "promised to pay by 24.12.",
        ]
    )
    assert added.code == 0, added.text
    shown = " ".join(added.out.split())
    assert f"Hold 1: invoice {invoice['id']} (invoice {invoice['document_nr']})" in shown
    assert f"until {until}" in shown and "promised to pay by 24.12." in shown
    contact = run_cli(
        [
            "holds",
            "add",
            "--contact",
            str(invoice["contact_id"]),
            "--until",
            until,
            "--reason",
            "payment plan",
        ]
    )
    assert contact.code == 0, contact.text
    assert [(h["id"], h["invoice_id"], h["contact_id"]) for h in _holds(output)] == [
        (1, invoice["id"], None),
        (2, None, invoice["contact_id"]),
    ]

    listed = run_cli(["holds"])
    assert listed.code == 0 and run_cli(["holds", "list"]).out == listed.out
    rows = [[cell.strip() for cell in line.split("│")] for line in listed.out.splitlines()]
    assert rows_starting(rows, "1")[:4] == ["1", f"invoice {invoice['id']}", until, "holds"]
    held_contact = f"contact {invoice['contact_id']}"
    assert rows_starting(rows, "2")[:4] == ["2", held_contact, until, "holds"]

    twice = run_cli(
        ["holds", "add", "--invoice", str(invoice["id"]), "--until", until, "--reason", "again"]
    )
    assert twice.code == 2 and "already held by hold 1" in " ".join(twice.err.split())

    ended = run_cli(["holds", "end", "1"])
    assert ended.code == 0 and "Ended hold 1" in ended.out
    assert [h["id"] for h in _holds(output)] == [2]
    again = run_cli(["holds", "end", "1"])
    assert again.code == 2 and "there is no hold 1" in " ".join(again.err.split())
    assert not again.has_traceback()


def rows_starting(rows: list[list[str]], first: str) -> list[str]:
    return next(row for row in rows if row and row[0] == first)


def test_a_hold_added_on_the_command_line_leaves_its_invoice_out_of_the_next_run(bexio, output):
    escalate = bexio.decisions(Reason.ESCALATE)[0]
    invoice_id = escalate.invoice.id
    until = (zurich_today() + timedelta(days=10)).isoformat()
    added = run_cli(
        [
            "holds",
            "add",
            "--invoice",
            str(invoice_id),
            "--until",
            until,
            "--reason",
            "disputed on the phone",
        ]
    )
    assert added.code == 0, added.text
    run = run_cli(["run", "--reference-date", REFERENCE_DATE.isoformat(), "--dry-run"])
    assert run.code == 0, run.text
    (run_id,) = new_runs(output)
    line = next(
        ln for ln in load_manifest(output, run_id)["lines"] if ln["invoice_id"] == invoice_id
    )
    assert line["reason"] == "BLOCKED" and "disputed on the phone" in line["note"]
    assert "hold 1" in line["note"]


BAD = [
    (["--invoice", "999999", "--until", "+20", "--reason", "x"], "bexio has no such invoice"),
    (["--contact", "999999", "--until", "+20", "--reason", "x"], "bexio has no such contact"),
    (["--invoice", "ID", "--until", "-1", "--reason", "x"], "is not after"),
    (["--invoice", "ID", "--until", "+0", "--reason", "x"], "is not after"),
    (["--invoice", "ID", "--until", "+181", "--reason", "x"], "more than 180 days"),
    (["--invoice", "ID", "--until", "15.12.2026", "--reason", "x"], "is not a date"),
    (["--invoice", "ID", "--until", "+20", "--reason", "  "], "needs a reason"),
    (["--until", "+20", "--reason", "x"], "exactly one of --invoice ID or --contact ID"),
    (
        ["--invoice", "ID", "--contact", "1", "--until", "+20", "--reason", "x"],
        "exactly one of --invoice ID or --contact ID",
    ),
]


@pytest.mark.parametrize(("args", "said"), BAD)
def test_a_bad_hold_is_refused_in_one_paragraph_and_nothing_is_kept(bexio, output, args, said):
    invoice = _open_invoice(bexio)
    args = [str(invoice["id"]) if a == "ID" else a for a in args]
    args = [
        (zurich_today() + timedelta(days=int(a))).isoformat()
        if a[:1] in "+-" and a[1:].isdigit()
        else a
        for a in args
    ]
    refused = run_cli(["holds", "add", *args])
    assert refused.code == 2, refused.text
    assert said in " ".join(refused.err.split())
    assert not refused.has_traceback() and len(refused.err.strip().split("\n\n")) == 1
    assert not (output / "holds.json").exists()


def test_a_damaged_holds_file_is_named_and_the_run_stops_before_its_proposal(bexio, output):
    output.mkdir(parents=True)
    (output / "holds.json").write_text('{"schema": "dunning-holds/1", "holds": [{"id": 1}]}')
    listed = run_cli(["holds"])
    assert listed.code == 2 and "holds.json" in listed.err and "holds[1]" in listed.err
    run = run_cli(["run", "--reference-date", REFERENCE_DATE.isoformat(), "--dry-run"])
    assert run.code == 2 and "holds.json" in run.err, run.text
    assert not run.has_traceback()
