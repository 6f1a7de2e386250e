"""`dunning undo RUN_ID [--yes]`: delete the run's reminders that are still the latest of
their invoice, report the others, and record the undo in the run's folder.

Without `--yes` it reads bexio and lists what it would do. With it, it takes the run's lock
and the commit lock (as a run does before it pushes), reads each invoice again under them,
deletes, and notes every deletion in the run's journal as soon as bexio confirms it; a
second undo finds those notes and deletes nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from connectors.client import BexioClient
from connectors.errors import ConnectorError, NotFoundError, TransientError
from dunning.model import Invoice
from dunning.run_lock import RunBusy, run_lock
from dunning.runs import RunFolder, RunNotFound
from dunning.undo import (
    UNDO_FILE,
    UNDONE_EVENT,
    Step,
    Target,
    Verdict,
    judge,
    targets_of_run,
    undo_record,
)
from flows.console import console, errors
from flows.run_inputs import BadInput, check_token, make_client, output_folder, zurich_now
from flows.settings import Settings, SettingsError, load_settings

__all__ = ["undo_run"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def undo_run(run_id: str, output: Path | None, yes: bool, company: str | None = None) -> int:
    try:
        if output is None and company is not None:
            from flows.companies import company_named

            output = company_named(load_settings(), company).output
        folder = RunFolder.open(output_folder(output), run_id)
        settings = _settings_of(folder)
        with run_lock(folder.path, run_id), make_client(settings) as client:
            return _undo(client, folder, yes)
    except RunNotFound as exc:
        from flows.commands import runs_listed

        return _say(f"{exc}; {runs_listed(output)}", EXIT_BAD_INPUT)
    except (BadInput, SettingsError) as exc:
        return _say(str(exc), EXIT_BAD_INPUT)
    except RunBusy as exc:
        return _say(str(exc), EXIT_FAILED)
    except ConnectorError as exc:
        return _say(
            f"bexio could not be read ({exc}); nothing more was deleted. Run the undo again "
            "once bexio answers: what was deleted is recorded.",
            EXIT_FAILED,
        )


def _settings_of(folder: RunFolder) -> Settings:
    """The settings the run pushed with: a company's token and API for a company's run
    (its `run.json` names it), else BEXIO_TOKEN and BEXIO_BASE_URL."""
    settings = load_settings()
    company = (folder.load_json("run.json") or {}).get("company")
    if company:
        from flows.companies import company_named, company_settings

        return company_settings(settings, company_named(settings, company))
    if settings.bexio_token is None:
        raise BadInput(
            "BEXIO_TOKEN is not set: put the API token of your bexio account in the "
            "environment or in a .env file in this directory."
        )
    check_token(settings.bexio_token.get_secret_value())
    return settings


def _say(message: str, code: int) -> int:
    errors.print(f"[bold red]dunning:[/] {escape(message)}", highlight=False)
    return code


def _undo(client: BexioClient, folder: RunFolder, yes: bool) -> int:
    stored = folder.load_json("proposal.json") or {"decisions": []}
    decisions = {d["invoice"]["id"]: _entry(d) for d in stored["decisions"]}
    targets = targets_of_run(folder.results(), decisions)
    if not targets:
        console.print(escape(f"Run {folder.run_id} pushed nothing to bexio: nothing to undo."))
        return EXIT_OK
    failed = 0
    with _commit_lock() if yes else nullcontext():
        undone = {e["reminder_id"] for e in folder.events() if e["event"] == UNDONE_EVENT}
        verdicts = [judge(t, _invoice(client, t), undone) for t in targets]
        if yes:
            verdicts, failed = _delete(client, folder, verdicts)
    console.print(_table(folder.run_id, verdicts, yes))
    if not yes:
        todo = sum(v.step is Step.DELETE for v in verdicts)
        console.print(
            escape(
                f"Nothing was deleted. `dunning undo {folder.run_id} --yes` deletes "
                f"{todo} reminder{'' if todo == 1 else 's'}."
                if todo
                else "Nothing was deleted, and there is nothing left to delete: each reminder "
                "above is undone already or stays, for the reason given."
            ),
            highlight=False,
        )
        return EXIT_OK
    record = undo_record(folder.run_id, verdicts, zurich_now())
    folder.save_json(UNDO_FILE, record)
    console.print(
        escape(f"Run {folder.run_id}: {record['status'].replace('_', ' ')}."), highlight=False
    )
    return EXIT_FAILED if failed else EXIT_OK


def _entry(decision: dict[str, Any]) -> dict[str, Any]:
    return {"document_nr": decision["invoice"]["document_nr"], "to_level": decision["to_level"]}


def _invoice(client: BexioClient, target: Target) -> Invoice | None:
    if target.reminder_id is None:
        return None
    try:
        return client.fetch_invoice(target.invoice_id)
    except NotFoundError:
        return None


def _delete(
    client: BexioClient, folder: RunFolder, verdicts: list[Verdict]
) -> tuple[list[Verdict], int]:
    """Delete what can be deleted; each deletion is journalled once bexio confirms it."""
    done: list[Verdict] = []
    failed = 0
    for verdict in verdicts:
        target = verdict.target
        if verdict.step is not Step.DELETE or target.reminder_id is None:
            done.append(verdict)
            continue
        try:
            _delete_one(client, target.invoice_id, target.reminder_id)
        except ConnectorError as exc:
            failed += isinstance(exc, TransientError)
            done.append(Verdict(target, Step.KEPT, f"bexio refused the deletion: {exc}"))
            continue
        folder.journal(
            {
                "event": UNDONE_EVENT,
                "invoice_id": target.invoice_id,
                "reminder_id": target.reminder_id,
            }
        )
        done.append(Verdict(target, Step.DELETED))
    return done, failed


def _delete_one(client: BexioClient, invoice_id: int, reminder_id: int) -> None:
    """Delete a reminder; after a lost answer, the reminders tell whether it happened."""
    try:
        client.delete_reminder(invoice_id, reminder_id)
    except TransientError:
        if any(r.id == reminder_id for r in client.list_reminders(invoice_id)):
            raise
    except NotFoundError:
        pass  # gone already: what the undo wanted


@contextmanager
def _commit_lock() -> Iterator[None]:
    from flows.commit_lock import commit_lock

    with commit_lock():
        yield


_SHOWN = {
    Step.DELETE: "would delete",
    Step.DELETED: "deleted",
    Step.ALREADY_UNDONE: "already undone",
    Step.GONE: "already gone",
    Step.KEPT: "not undone",
}


def _table(run_id: str, verdicts: list[Verdict], yes: bool) -> Table:
    title = f"Undo of run {run_id}" + ("" if yes else " (nothing deleted yet)")
    table = Table(title=escape(title))
    table.add_column("invoice")
    table.add_column("reminder", justify="right")
    table.add_column("undo")
    table.add_column("why")
    for v in verdicts:
        t = v.target
        reminder = f"{t.reminder_id} (level {t.level})" if t.reminder_id else "–"
        table.add_row(
            escape(f"{t.document_nr} (#{t.invoice_id})"),
            reminder,
            _SHOWN[v.step],
            escape(v.why or ""),
        )
    return table
