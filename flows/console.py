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

from dunning.money import money_text
from dunning.run_totals import open_by_currency, outcome_groups

__all__ = ["console", "errors", "RichReporter", "summary_table", "runs_table"]

console = Console()
errors = Console(stderr=True)

_LABELS = {
    "commit": "Pushing level changes",
    "letters": "Rendering letters",
    "download": "Letters from bexio",
    "deliver": "Marking reminders sent",
    "mail": "E-mailing letters",
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

    def notice(self, text: str) -> None:
        self.progress.console.print(text, highlight=False, soft_wrap=True)


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
    if not table.rows:
        table.add_row("", "–", "0", "no open invoice in bexio: nothing to propose")
    return table


_APOSTROPHE = "'"  # the Swiss thousands separator


def _undone(manifest: Mapping[str, Any]) -> str:
    undo = manifest.get("undo")
    return f", {str(undo).replace('_', ' ')}" if undo else ""


def runs_table(
    manifests: Iterable[Mapping[str, Any]], title: str, companies: Iterable[str] | None = None
) -> Table:
    """Past runs; a run id starts with its reference date, so the id shows both. Every
    outcome is counted (a group with no invoice is left out); open amounts per currency.
    With `companies`, a first column names each run's company."""
    # Without outer edges, so that it fits 80 columns.
    table = Table(title=escape(title), show_edge=False, pad_edge=False)
    names = list(companies) if companies is not None else None
    if names is not None:
        table.add_column("company", no_wrap=True)
    table.add_column("run", no_wrap=True)
    table.add_column("status")
    table.add_column("proposed", justify="right")
    table.add_column("outcomes", no_wrap=True)
    table.add_column("open", justify="right", no_wrap=True)
    table.add_column("letters", justify="right")  # merged in <run id>/letters.pdf
    for n, m in enumerate(manifests):
        counts = outcome_groups(m)
        proposed = counts.pop("proposed")
        table.add_row(
            *([escape(names[n])] if names is not None else []),
            escape(str(m["run_id"])),
            escape(str(m["status"]) + _undone(m)),
            str(proposed),
            "\n".join(f"{n} {group}" for group, n in counts.items() if n) or "–",
            "\n".join(
                escape(f"{cur} {money_text(amount, group=_APOSTROPHE)}")
                for cur, amount in open_by_currency(m["lines"]).items()
            )
            or "–",
            str(sum(1 for line in m["lines"] if line.get("letter"))),
        )
    return table
