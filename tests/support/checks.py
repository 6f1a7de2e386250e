"""The central check of the reliability tests and the soak: `check_exactly_once`.

After a run (and its retries) every escalated invoice has exactly one new reminder at its
target level and one letter, nothing else got a reminder, and the manifest agrees with what
the sandbox holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tests.support.cli import load_manifest
from tests.support.sandbox import Company, reminders_by_invoice

__all__ = ["DONE", "Tally", "check_exactly_once"]

DONE = ("ESCALATED", "ALREADY_DONE")


@dataclass
class Tally:
    """What a check found: counts for the soak, and the details for a failing test."""

    duplicates: int = 0
    missed: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.duplicates += other.duplicates
        self.missed += other.missed
        self.problems.extend(other.problems)

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.missed or self.problems)


def check_exactly_once(company: Company, output: Path, run_ids: Sequence[str]) -> Tally:
    """Every escalated invoice of these runs: one new reminder at its level, one letter."""
    tally = Tally()
    after = reminders_by_invoice(company.admin("GET", "/reminders"))
    before_ids = {r["id"] for rs in company.before.values() for r in rs}
    new = {iid: [r for r in rs if r["id"] not in before_ids] for iid, rs in after.items()}
    escalated: dict[int, int] = {}  # invoice -> target level, over all the runs
    for run_id in run_ids:
        record = load_manifest(output, run_id)
        if record["status"] != "completed":
            tally.problems.append(f"{run_id}: status {record['status']}")
        for line in record["lines"]:
            _check_line(company, output / run_id, line, new, tally)
            if line["outcome"] in DONE:
                if line["invoice_id"] in escalated:
                    tally.duplicates += 1
                    tally.problems.append(f"invoice {line['invoice_id']} escalated by two runs")
                escalated[line["invoice_id"]] = line["to_level"]
        _check_letters(output / run_id, record, tally)
    for invoice_id, reminders in new.items():
        if invoice_id not in escalated and reminders:
            tally.duplicates += len(reminders)
            tally.problems.append(
                f"invoice {invoice_id} got {len(reminders)} reminders no manifest line accounts for"
            )
    return tally


def _check_line(
    company: Company,
    folder: Path,
    line: dict[str, Any],
    new: dict[int, list[dict[str, Any]]],
    tally: Tally,
) -> None:
    invoice_id, target = line["invoice_id"], line["to_level"]
    if line["reason"] == "ESCALATE" and line["outcome"] not in (*DONE, "CHANGED"):
        tally.missed += 1
        tally.problems.append(f"invoice {invoice_id}: outcome {line['outcome']} ({line['error']})")
    if (
        line["reason"] == "FINAL"
        and line["outcome"] != "MARKED_UNPAID"
        and company.status(invoice_id) != 31
    ):
        tally.missed += 1
        tally.problems.append(f"invoice {invoice_id}: FINAL but not marked unpaid")
    if line["outcome"] not in DONE:
        return
    added = new.get(invoice_id, [])
    if len(added) > 1:
        tally.duplicates += len(added) - 1
        tally.problems.append(
            f"invoice {invoice_id}: {len(added)} new reminders "
            f"(levels {[r['reminder_level'] for r in added]})"
        )
    if not added:
        tally.missed += 1
        tally.problems.append(f"invoice {invoice_id}: {line['outcome']} but no new reminder")
        return
    reminder = added[-1]
    if (reminder["id"], reminder["reminder_level"]) != (line["reminder_id"], target):
        tally.problems.append(
            f"invoice {invoice_id}: manifest says reminder {line['reminder_id']} "
            f"at L{target}, the API has {reminder['id']} at "
            f"L{reminder['reminder_level']}"
        )
    if line["api_deadline"] != reminder["is_valid_to"]:
        tally.problems.append(
            f"invoice {invoice_id}: api_deadline {line['api_deadline']} "
            f"but the API says {reminder['is_valid_to']}"
        )
    if not reminder["is_sent"]:
        tally.problems.append(f"invoice {invoice_id}: reminder {reminder['id']} not marked sent")
    if not line["letter"] or not (folder / line["letter"]).is_file():
        tally.missed += 1
        tally.problems.append(f"invoice {invoice_id}: no letter file")


def _check_letters(folder: Path, record: dict[str, Any], tally: Tally) -> None:
    """One letter file and one bookmark in the merged PDF per escalated line, none twice."""
    lines = [ln for ln in record["lines"] if ln["outcome"] in DONE]
    files = sorted(p.name for p in (folder / "letters").glob("*.pdf"))
    named = sorted(Path(ln["letter"]).name for ln in lines if ln["letter"])
    if files != named:
        extra = len(files) - len(named)
        tally.duplicates += max(0, extra)
        tally.problems.append(f"{record['run_id']}: letter files {files} != manifest {named}")
    if not lines:
        return
    outline: list[Any] = PdfReader(folder / "letters.pdf").outline
    titles = [item.title.split(" · ")[0] for item in outline]
    expected = [ln["document_nr"] for ln in lines]
    if titles != expected:
        tally.duplicates += max(0, len(titles) - len(expected))
        tally.problems.append(f"{record['run_id']}: merged PDF bookmarks {titles} != {expected}")
