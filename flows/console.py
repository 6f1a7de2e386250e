"""What the command line shows: progress bars while a run works, a table when it ends."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

__all__ = ["console", "errors", "RichReporter", "summary_table", "runs_table"]

console = Console()
errors = Console(stderr=True)

_LABELS = {
    "commit": "Pushing level changes",
    "letters": "Rendering letters",
    "deliver": "Marking reminders sent",
}


class RichReporter:
    """Draws one progress bar per stage of the run."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    @classmethod
    def make_progress(cls) -> Progress:
        return Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=errors,
            transient=False,
        )

    def start(self, name: str, total: int) -> None:
        self.tasks[name] = self.progress.add_task(_LABELS.get(name, name), total=total)

    def advance(self, name: str, amount: int) -> None:
        if name in self.tasks:
            self.progress.advance(self.tasks[name], amount)

    def finish(self, name: str) -> None:
        if name in self.tasks:
            task = self.tasks.pop(name)
            self.progress.update(task, completed=self.progress.tasks[task].total)


_MEANING = {
    "BLOCKED": "left out by the blocks file",
    "NOT_OVERDUE": "deadline not passed yet",
    "BELOW_MINIMUM": "open amount below the policy's minimum",
    "FINAL": "last level reached and its deadline passed",
    "IN_GRACE": "overdue, but still within the level's grace days",
    "ESCALATE": "overdue: proposed to move up one level",
    "ESCALATED": "reminder created, letter written",
    "ALREADY_DONE": "done by an earlier attempt of this run",
    "CHANGED": "changed in bexio since the proposal: left alone",
    "MARKED_UNPAID": "marked unpaid after the last level",
    "MANUAL_ACTION": "needs a step by hand (see the run record)",
    "DESELECTED": "removed by the approver",
    "FAILED": "failed: retry the run",
}


def summary_table(summary: Mapping[str, Any]) -> Table:
    table = Table(title=escape(f"Dunning run {summary['run_id']}: {summary['status']}"))
    table.add_column("")
    table.add_column("code")
    table.add_column("invoices", justify="right")
    table.add_column("meaning")
    for kind in ("reasons", "outcomes"):
        for code, n in summary["counts"][kind].items():
            table.add_row(kind[:-1], escape(code), str(n), _MEANING.get(code, ""))
    return table


def runs_table(manifests: Iterable[Mapping[str, Any]], output: str) -> Table:
    """Past runs; a run id starts with its reference date, so the id shows both."""
    table = Table(title=escape(f"Dunning runs in {output}"))
    table.add_column("run", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for column in ("proposed", "done", "failed"):
        table.add_column(column, justify="right")
    table.add_column("merged PDF", no_wrap=True)
    for m in manifests:
        outcomes, reasons = m["counts"]["outcomes"], m["counts"]["reasons"]
        proposed = reasons.get("ESCALATE", 0) + reasons.get("FINAL", 0)
        done = outcomes.get("ESCALATED", 0) + outcomes.get("ALREADY_DONE", 0)
        table.add_row(
            escape(str(m["run_id"])),
            escape(str(m["status"])),
            str(proposed),
            str(done),
            str(outcomes.get("FAILED", 0)),
            escape(str(m.get("merged_pdf") or "–")),
        )
    return table
