"""What the commands do: check the input, start the flow, show progress and the result."""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from pydantic import SecretStr
from rich.markup import escape

from connectors.errors import AuthError, ConnectorError, TransientError
from dunning.policy_file import example_policy_path
from dunning.run_lock import RunBusy, run_lock
from dunning.run_sheet import write_history
from dunning.runs import RunFolder, RunNotFound, list_runs
from flows import progress
from flows.cancelled_runs import record_cancelled_runs
from flows.console import RichReporter, console, errors, runs_table, summary_table
from flows.run_inputs import (
    BadInput,
    RunSetup,
    check_mail_settings,
    check_reference_date,
    make_client,
    output_folder,
    prepare,
    zurich_today,
)
from flows.run_params import RunParams
from flows.settings import SettingsError, given_settings, load_settings

__all__ = ["run_demo", "run_once", "retry_run", "list_past_runs"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
# No room left: the disk, the user's quota, or the largest file this process may write.
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _bad(message: str) -> int:
    errors.print(f"[bold red]dunning:[/] {escape(message)}", highlight=False)
    return EXIT_BAD_INPUT


def _prefect_failed(exc: Exception, folder: Path, run_id: str) -> int:
    """Prefect could not run the flow at all (e.g. its temporary server started too slowly)."""
    what = (str(exc).split(". ")[0] or type(exc).__name__)[:300]
    if folder.is_dir():
        errors.print(
            f"[bold red]dunning:[/] Prefect stopped the run ({escape(what)}). Nothing that "
            f"was done is lost; retry with: [bold]dunning retry {run_id}[/]",
            highlight=False,
        )
        return EXIT_FAILED
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as startup

    errors.print(
        f"[bold red]dunning:[/] Prefect did not start the run ({escape(what)}); nothing was "
        "pushed and no run was made. Run the command again. Without PREFECT_API_URL a "
        f"temporary Prefect server is started, which has {startup.value()} s to answer "
        "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS); on a busy machine raise it, "
        "or start a server (`prefect server start`) and set PREFECT_API_URL.",
        highlight=False,
    )
    return EXIT_FAILED


def _busy(exc: RunBusy) -> int:
    """Another process works on the run: not bad input, and nothing was done (exit 1)."""
    errors.print(f"[bold red]dunning:[/] {escape(str(exc))}", highlight=False)
    return EXIT_FAILED


def _unavailable(exc: Unavailable) -> int:
    errors.print(f"[bold red]dunning:[/] {escape(str(exc))}", highlight=False)
    return EXIT_FAILED


class Unavailable(Exception):
    """bexio answers, but with errors that may pass (429, 5xx): try again later (exit 1)."""


def _preflight(setup: RunSetup) -> None:
    """One cheap call, so a wrong URL or token is bad input before anything starts."""
    url = setup.settings.bexio_base_url
    try:
        with make_client(setup.settings) as client:
            client.currencies()
    except AuthError as exc:
        raise BadInput(
            f"bexio at {url} refused BEXIO_TOKEN: {exc}. Check the token "
            "(a personal access token lasts 6 months) and its scopes."
        ) from None
    except TransientError as exc:
        if exc.status is None:  # no answer at all: most likely a wrong URL
            raise BadInput(f"cannot use BEXIO_BASE_URL {url}: {exc}") from None
        raise Unavailable(
            f"bexio at {url} answers but cannot serve the run now ({exc}); "
            "nothing was pushed; try again in a few minutes."
        ) from None
    except ConnectorError as exc:
        raise BadInput(f"cannot use BEXIO_BASE_URL {url}: {exc}") from None


def _execute(params: RunParams, retrying: bool = False) -> int:
    """Run the flow under a run id chosen here, so the user learns it before anything can go
    wrong: a run that stops half-way is retried with that id."""
    from flows.dunning_run import dunning_run
    from flows.run_folder import new_run_id

    run_id = params.run_id or new_run_id(params.reference_date or zurich_today())
    params = replace(params, run_id=run_id)
    what = "Retrying run" if retrying else "Run"
    folder = Path(params.output or "") / run_id
    console.print(f"{what} {run_id}: output in {escape(str(folder))}", highlight=False)
    try:
        with (
            RichReporter.make_progress() as bars,
            progress.install(RichReporter(bars)),
            _no_tracebacks_on_terminal(),
        ):
            state = dunning_run(**params.as_flow_parameters(), return_state=True)
    except Exception as exc:  # noqa: BLE001 - Prefect itself failed; the flow returns states
        return _prefect_failed(exc, folder, run_id)
    if state.is_cancelled():
        errors.print(f"[bold red]dunning:[/] {escape(state.message or 'the run was cancelled')}")
        return EXIT_FAILED
    data: object = state.result(raise_on_failure=False)  # the summary, or why it stopped
    if isinstance(data, BadInput):
        return _bad(str(data))
    if isinstance(data, RunBusy):
        return _busy(data)
    if isinstance(data, OSError) and data.errno in _DISK_FULL:
        errors.print(
            f"[bold red]dunning:[/] the run stopped: {escape(str(data.filename or 'a file'))} "
            f"cannot be written ({escape(data.strerror or '')}): the disk is full, or the file "
            "is larger than this process may write. Nothing that was done is lost; make room, "
            f"then retry with: [bold]dunning retry {run_id}[/]",
            highlight=False,
        )
        return EXIT_FAILED
    if not isinstance(data, dict):
        errors.print(
            f"[bold red]dunning:[/] the run stopped: {escape(str(state.message or data))}",
            highlight=False,
        )
        errors.print(f"Nothing that was done is lost; retry with: [bold]dunning retry {run_id}[/]")
        return EXIT_FAILED
    console.print(summary_table(data))
    for warning in data.get("warnings", []):
        console.print(f"[yellow]Check:[/] {escape(warning)}", highlight=False)
    if data["merged_pdf"]:
        console.print(f"Merged PDF: [bold]{escape(data['merged_pdf'])}[/]", highlight=False)
    if data.get("print_pdf"):
        console.print(
            f"Letters to print and post: {data['letters_to_print']} in "
            f"[bold]{escape(data['print_pdf'])}[/]",
            highlight=False,
            soft_wrap=True,  # one line, so the path can be copied whole
        )
    elif data["merged_pdf"] and data["status"] != "dry_run":
        console.print("Letters to print and post: 0 (every letter was e-mailed)")
    console.print(f"Run record: {escape(data['manifest'])}", highlight=False)
    console.print(f"Spreadsheet: {escape(data['sheet'])}", highlight=False)
    if data.get("enforcement"):
        console.print(
            f"Debt enforcement: {escape(data['enforcement']['csv'])} "
            f"({data['enforcement']['requests']} requests, their PDFs in enforcement/)",
            highlight=False,
            soft_wrap=True,  # one line, so the path can be copied whole
        )
    for stop in data.get("stopped", ()):
        errors.print(f"[bold red]dunning:[/] {escape(stop)}", highlight=False)
    if data["status"] == "failed" and data.get("retry", True):
        errors.print(f"Some invoices failed; retry with: [bold]dunning retry {data['run_id']}[/]")
    if data.get("errors_log"):
        errors.print(
            "[bold red]dunning:[/] an internal error happened (a bug in dunning); its "
            f"traceback is in {escape(data['errors_log'])}",
            highlight=False,
            soft_wrap=True,  # one line, so the path can be copied whole
        )
    return EXIT_FAILED if data["status"] == "failed" else EXIT_OK


def run_once(params: RunParams) -> int:
    """`dunning run`: check the input and bexio, then run."""
    try:
        setup = prepare(
            params.reference_date,
            params.policy,
            params.blocks,
            params.output,
            company=params.company,
        )
        check_reference_date(
            setup.reference_date, dry_run=params.dry_run, confirmed=params.confirm_reference_date
        )
        check_mail_settings(setup.settings, setup.policy, send=params.send and not params.dry_run)
        if params.approval and not _prefect_server():
            raise BadInput(
                "--approval waits for a person in the Prefect UI, so it needs a Prefect "
                "server: start one (`prefect server start`) and set PREFECT_API_URL."
            )
        _preflight(setup)
    except BadInput as exc:
        return _bad(str(exc))
    except Unavailable as exc:
        return _unavailable(exc)
    return _execute(replace(params, reference_date=setup.reference_date, output=str(setup.output)))


def runs_listed(output: Path | None) -> str:
    """Which `dunning runs` lists the runs of this output folder (a company's, or --output)."""
    if output is None:
        return "`dunning runs` lists the runs."
    return f"`dunning runs --output {output}` lists the runs there."


def retry_run(run_id: str, output: Path | None, company: str | None = None) -> int:
    """`dunning retry`: reopen the run as it started, check bexio, then run it again."""
    try:
        if output is None and company is not None:
            from flows.companies import company_named

            output = company_named(load_settings(), company).output
        out = output_folder(output)
        # Held until the flow ends (the flow takes it again, in this same process): a
        # second process on this run is turned away before it reads or pushes anything.
        with run_lock(RunFolder.open(out, run_id).path, run_id):
            return _retry_locked(out, run_id)
    except RunNotFound as exc:
        return _bad(f"{exc}; {runs_listed(output)}")
    except BadInput as exc:
        return _bad(str(exc))
    except RunBusy as exc:
        return _busy(exc)


def _retry_locked(out: Path, run_id: str) -> int:
    from flows.run_folder import reopen

    params = reopen(out, run_id).params
    try:
        setup = prepare(
            params.reference_date,
            params.policy,
            params.blocks,
            params.output,
            company=params.company,
        )
        check_mail_settings(setup.settings, setup.policy, send=params.send and not params.dry_run)
        _preflight(setup)
    except Unavailable as exc:
        return _unavailable(exc)
    return _execute(params, retrying=True)


def list_past_runs(output: Path | None, export: Path | None = None) -> int:
    try:
        out = output_folder(output)
    except BadInput as exc:
        return _bad(str(exc))
    if export is not None and export.suffix.lower() != ".xlsx":
        return _bad(
            f"--export {escape(str(export))}: the history is a spreadsheet; name it *.xlsx."
        )
    manifests = list_runs(out)
    record_cancelled_runs(out, manifests)
    if not manifests:
        console.print(escape(f"No runs in {out} yet."), highlight=False)
    else:
        console.print(runs_table(manifests, f"Dunning runs in {out}"))
    if export is not None:
        try:
            write_history(manifests, export)
        except OSError as exc:
            return _bad(
                f"--export {escape(str(export))}: the file cannot be written "
                f"({escape(exc.strerror or str(exc))})."
            )
        console.print(escape(f"Wrote {len(manifests)} runs to {export}"), highlight=False)
    return EXIT_OK


def run_demo(
    invoices: int, reference_date: date | None, output: Path, letters: str | None = None
) -> int:
    """A full run against a sandbox of its own; `letters` ("own" or "bexio") picks the
    example policy's letters."""
    from connectors.sandbox import SandboxConfig, running_sandbox

    day = reference_date or zurich_today()
    if day > zurich_today():
        return _bad(
            f"--reference-date {day.isoformat()} is after today ({zurich_today().isoformat()}): "
            "the demo pushes its reminders, and bexio dates a reminder on the day it is "
            "created, so a run that pushes cannot be dated in the future. Give today or an "
            "earlier date."
        )
    config = SandboxConfig(invoices=invoices, seed=1, today=day)
    console.print(f"Starting the bexio sandbox with {invoices} invoices (reference date {day})…")
    with running_sandbox(config) as sandbox:
        try:
            # The run talks to this sandbox whatever the environment says, and the
            # environment is left as it was.
            settings = load_settings().model_copy(
                update={
                    "bexio_base_url": str(sandbox.url),
                    "bexio_token": SecretStr(config.token),
                    "bexio_unpaid_extension": True,
                }
            )
        except SettingsError as exc:
            return _bad(str(exc))
        # The one command that runs with the example policy, when the user has none.
        policy = settings.policy_path() or example_policy_path()
        if letters is not None and policy != example_policy_path():
            return _bad(
                f"--letters {letters}: the demo runs with your policy {escape(str(policy))}, "
                "whose [letters] table says which letters it makes; set `source` there, or "
                "run the demo without a policy of yours (no DUNNING_POLICY, no ./policy.toml)."
            )
        with given_settings(settings), TemporaryDirectory() as folder:
            if letters is not None:
                policy = _example_with_letters(letters, Path(folder))
            # The sandbox's today is the reference date, so no date is far from today.
            return run_once(
                RunParams(
                    reference_date=day,
                    policy=str(policy),
                    output=str(output),
                    confirm_reference_date=True,
                )
            )


def _example_with_letters(source: str, folder: Path) -> Path:
    """The example policy with `[letters] source = <source>`, written into `folder`."""
    text = example_policy_path().read_text(encoding="utf-8")
    text, found = re.subn(r'(?m)^source = "\w+"', f'source = "{source}"', text, count=1)
    if not found:
        raise RuntimeError("the example policy has no [letters] source line")
    policy = folder / "policy.toml"
    policy.write_text(text, encoding="utf-8")
    return policy


class _NoTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.exc_info is None and not record.exc_text


@contextmanager
def _no_tracebacks_on_terminal() -> Iterator[None]:
    """A run that stops says why in one line; the traceback stays in the run's Prefect logs
    (their handler is not a stream handler, so it keeps every record)."""
    quiet = _NoTraceback()
    handlers = {
        h
        for name in ("", "prefect")
        for h in logging.getLogger(name).handlers
        if isinstance(h, logging.StreamHandler)
    }
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)


def _prefect_server() -> bool:
    """Whether a Prefect server is configured (an approver needs its UI)."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())
