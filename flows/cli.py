"""The `dunning` command line: demo, init, run, retry, undo, runs, holds, sandbox,
serve-files, letters-sample.

Exit codes: 0 the run finished and every invoice has a final outcome; 1 the run finished
with failed invoices (retry it); 2 bad input, reported as one paragraph, nothing pushed.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from cyclopts import App, CycloptsError, Parameter

__all__ = ["app", "main"]

app = App(
    name="dunning",
    help="Dunning runs (payment reminders for overdue invoices) for bexio, orchestrated by Prefect.",
    version="0.1.0",
)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class Usage(Exception):
    """A command-line argument is wrong."""


def _date(text: str | None, flag: str = "--reference-date") -> date | None:
    if text is None:
        return None
    from flows.run_inputs import BadInput, check_day

    try:
        return check_day(date.fromisoformat(text), flag)
    except ValueError:
        raise Usage(
            f"{flag}: {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-30."
        ) from None
    except BadInput as exc:
        raise Usage(str(exc)) from None


def _at_least(value: int, least: int, flag: str) -> int:
    if value < least:
        raise Usage(f"{flag}: {value} is too small; give {least} or more.")
    return value


@app.command
def demo(
    *,
    invoices: int = 200,
    reference_date: str | None = None,
    output: Path = Path("dunning-output"),
    letters: Literal["own", "bexio"] | None = None,
) -> int:
    """Run a full dunning run against an embedded sandbox: no account, token or network.

    Parameters
    ----------
    invoices
        How many invoices the sandbox company has.
    reference_date
        The day the demo plays on (YYYY-MM-DD): the sandbox's today and the date on the
        letters; today in Zurich or earlier (default: today).
    output
        Where the run's letters and record go.
    letters
        Which letters the example policy makes: "own" (ours, with fees, interest and a
        QR-bill) or "bexio" (bexio's reminder PDFs); default: what the policy says ("own").
    """
    from flows.commands import run_demo

    return run_demo(_at_least(invoices, 0, "--invoices"), _date(reference_date), output, letters)


@app.command
def init(
    *, path: Annotated[Path, Parameter(name=["--output", "--path"])] = Path("policy.toml")
) -> int:
    """Write a commented policy file to start from: the example, with what to change.

    Parameters
    ----------
    path
        The file to write; an existing file is left as it is (exit 2).
    """
    from flows.policy_init import PolicyExists, write_policy

    try:
        write_policy(path)
    except PolicyExists as exc:
        raise Usage(str(exc)) from None
    except OSError as exc:
        raise Usage(f"--output {path}: the file cannot be written ({exc.strerror}).") from None
    print(
        f"Wrote {path}. Put in your company and bank account under [creditor], check the "
        "fees, interest and periods, then try it with: dunning run --dry-run"
        + ("" if path == Path("policy.toml") else f" --policy {path}"),
        flush=True,
    )
    return EXIT_OK


@app.command
def run(
    *,
    reference_date: str | None = None,
    policy: Path | None = None,
    blocks: Path | None = None,
    output: Path | None = None,
    approval: bool = False,
    dry_run: bool = False,
    send: bool = False,
    confirm_reference_date: bool = False,
    company: str | None = None,
) -> int:
    """One dunning run against BEXIO_BASE_URL with BEXIO_TOKEN, or for one company.

    Parameters
    ----------
    reference_date
        The day the run picks overdue invoices on (YYYY-MM-DD); default: today in Zurich.
    policy
        Policy file (TOML); default: DUNNING_POLICY, else ./policy.toml; without one the
        run stops (exit 2): `dunning init` writes one.
    blocks
        Blocks file (TOML) of invoices or contacts to leave out; default: DUNNING_BLOCKS.
    output
        Where runs are stored; default: DUNNING_OUTPUT, else ./dunning-output.
    approval
        Wait for a person to approve the selection in the Prefect UI (needs PREFECT_API_URL).
    dry_run
        Propose, render and record, but push nothing to bexio.
    send
        E-mail each letter to its contact's e-mail address in bexio: our letters over SMTP
        (DUNNING_SMTP_HOST, ...), bexio's through bexio; the rest go to letters-to-print.pdf.
    confirm_reference_date
        Run although the reference date is more than 7 days before today. A date after
        today is refused for a run that pushes; a dry run takes any date.
    company
        A company of the companies file (DUNNING_COMPANIES, else ./companies.toml): its
        policy, blocks and output, and its token from its Prefect Secret block.
    """
    from flows.commands import run_once
    from flows.run_params import RunParams

    params = RunParams(
        reference_date=_date(reference_date),
        policy=None if policy is None else str(policy),
        blocks=None if blocks is None else str(blocks),
        output=None if output is None else str(output),
        approval=approval,
        dry_run=dry_run,
        send=send,
        confirm_reference_date=confirm_reference_date,
        company=company,
    )
    return run_once(params)


@app.command
def retry(run_id: str, /, *, output: Path | None = None, company: str | None = None) -> int:
    """Retry a failed run: same proposal, same approval; redo only what is not done.

    Parameters
    ----------
    run_id
        The run to retry, e.g. 2026-11-30-6f1c2a9b (see `dunning runs`).
    output
        Where runs are stored; default: the company's output, else DUNNING_OUTPUT, else
        ./dunning-output.
    company
        The company of the companies file whose run it is.
    """
    from flows.commands import retry_run

    return retry_run(run_id, output, company)


@app.command
def undo(
    run_id: str, /, *, yes: bool = False, output: Path | None = None, company: str | None = None
) -> int:
    """Delete the run's reminders that are still the latest of their invoice.

    Without --yes it only lists what it would delete and why the others stay.

    Parameters
    ----------
    run_id
        The run to undo, e.g. 2026-11-30-6f1c2a9b (see `dunning runs`).
    yes
        Delete them; without it nothing is deleted.
    output
        Where runs are stored; default: DUNNING_OUTPUT, else ./dunning-output.
    company
        The company of the companies file whose output folder holds the run.
    """
    from flows.undo import undo_run

    return undo_run(run_id, output, yes, company)


@app.command
def runs(
    *, output: Path | None = None, export: Path | None = None, all_companies: bool = False
) -> int:
    """List past runs: status, every outcome, the open amount per currency, letters.

    Parameters
    ----------
    output
        Where runs are stored; default: DUNNING_OUTPUT, else ./dunning-output.
    export
        Also write every run to this spreadsheet (.xlsx): a row per run, and its amounts
        per currency; an existing file is replaced.
    all_companies
        The latest run of every company of the companies file instead.
    """
    if all_companies:
        from flows.company_commands import list_company_runs

        return list_company_runs()
    from flows.commands import list_past_runs

    return list_past_runs(output, export)


holds_app = App(
    name="holds",
    help="The holds kept beside the runs: invoices or contacts left out of every run until "
    "a date, with a reason (also given in the approval form). Without a command: list.",
)
app.command(holds_app)


@holds_app.default
@holds_app.command(name="list")
def holds_list(*, output: Path | None = None, company: str | None = None) -> int:
    """List the holds: id, invoice or contact, the last day held, whether it still holds.

    Parameters
    ----------
    output
        Where runs (and holds.json) are stored; default: DUNNING_OUTPUT, else ./dunning-output.
    company
        A company of the companies file: its holds, in its output folder (and, for `add`,
        its token from its Secret block).
    """
    from flows.holds_command import list_holds

    return list_holds(output, company)


@holds_app.command(name="add")
def holds_add(
    *,
    invoice: int | None = None,
    contact: int | None = None,
    until: str,
    reason: str,
    output: Path | None = None,
    company: str | None = None,
) -> int:
    """Hold one invoice, or every invoice of one contact, until a date (checked in bexio).

    Parameters
    ----------
    invoice
        The invoice's id in bexio (the number after # in the approval form).
    contact
        The contact's id in bexio: holds every invoice of that customer.
    until
        The last day held (YYYY-MM-DD): after today, at most 180 days later.
    reason
        Why, e.g. "promised to pay by 15.12."; shown in every run that leaves it out.
    output
        Where runs (and holds.json) are stored; default: DUNNING_OUTPUT, else ./dunning-output.
    company
        A company of the companies file: its holds, in its output folder (and, for `add`,
        its token from its Secret block).
    """
    from flows.holds_command import add_hold

    day = _date(until, "--until")
    if day is None:  # cyclopts gives a required flag; this is for mypy
        raise Usage("--until: give the last day held, YYYY-MM-DD.")
    return add_hold(output, invoice, contact, day, reason, company)


@holds_app.command(name="end")
def holds_end(hold_id: int, /, *, output: Path | None = None, company: str | None = None) -> int:
    """End a hold now: the next run dunns its invoices again when they are due.

    Parameters
    ----------
    hold_id
        The hold's id (see `dunning holds list`).
    output
        Where runs (and holds.json) are stored; default: DUNNING_OUTPUT, else ./dunning-output.
    company
        A company of the companies file: its holds, in its output folder (and, for `add`,
        its token from its Secret block).
    """
    from flows.holds_command import end_a_hold

    return end_a_hold(output, hold_id, company)


@app.command
def deploy(*, pool: str = "dunning-pool") -> int:
    """One Prefect deployment per company of the companies file, on a process work pool.

    Each is `dunning-run/<company>` with the company's schedule (Europe/Zurich) and approval
    setting, tagged `company:<company>`, one run at a time. Needs PREFECT_API_URL; the
    companies' tokens stay in their Secret blocks.

    Parameters
    ----------
    pool
        The process work pool (made when missing); start workers with
        `prefect worker start --pool POOL` in this project folder.
    """
    from flows.company_commands import deploy_companies

    return deploy_companies(pool)


@app.command
def sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    invoices: int = 500,
    seed: int = 1,
    today: str | None = None,
    token: str = "sandbox-token",
    fail_rate: float = 0.0,
    latency_ms: int = 0,
    rate_limit: Annotated[int | None, Parameter(name="--rate-limit")] = None,
) -> int:
    """Serve the bexio-compatible sandbox until stopped (Ctrl+C).

    Parameters
    ----------
    host
        Address to listen on (keep it on loopback).
    port
        Port to listen on.
    invoices
        How many invoices the generated company has.
    seed
        Seed of the generated data; the same seed gives the same company.
    today
        The sandbox's fixed date (YYYY-MM-DD); default: today in Zurich.
    token
        The bearer token the sandbox accepts.
    fail_rate
        Share of requests (0 to 1) that fail with a server error or a dropped connection.
    latency_ms
        Delay added to every answer, in milliseconds.
    rate_limit
        Requests per minute before the sandbox answers 429, like bexio's limit.
    """
    from connectors.sandbox import SandboxConfig, serve

    if not 0 <= fail_rate <= 1:
        raise Usage(f"--fail-rate: {fail_rate} is not between 0 and 1.")
    config = SandboxConfig(
        invoices=_at_least(invoices, 0, "--invoices"),
        seed=seed,
        today=_date(today, "--today"),
        token=token,
        fail_rate=fail_rate,
        latency_ms=_at_least(latency_ms, 0, "--latency-ms"),
        rate_limit=None if rate_limit is None else _at_least(rate_limit, 1, "--rate-limit"),
    )
    _can_listen(host, port)
    print(f"bexio sandbox on http://{host}:{port} (token: {token}); Ctrl+C stops it", flush=True)
    serve(config, host=host, port=port)
    return EXIT_OK


def _can_listen(host: str, port: int) -> None:
    """Bad input when the address cannot be listened on (a port in use, a foreign host)."""
    import socket

    try:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise Usage(
            f"{host}:{port}: cannot listen there ({exc.strerror or exc}). Choose a free port "
            "with --port, and point BEXIO_BASE_URL at it."
        ) from None


@app.command(name="letters-sample")
def letters_sample(*, output: Path = Path("letters-sample")) -> int:
    """Render the sample letters: every edge case of the layout in de, fr, it and en.

    Parameters
    ----------
    output
        The folder for letters/<case>.pdf and letters.pdf (made when missing).
    """
    from dunning.letters.gallery import write_gallery

    if output.exists() and not output.is_dir():
        raise Usage(f"--output {output}: this is a file, not a folder; name a folder.")
    try:
        gallery = write_gallery(output)
    except OSError as exc:
        raise Usage(
            f"--output {output}: the sample letters cannot be written there ({exc.strerror})."
        ) from None
    print(
        f"Wrote {len(gallery.letters)} sample letters to {output / 'letters'} and all of "
        f"them, one bookmark each, to {gallery.merged}.",
        flush=True,
    )
    return EXIT_OK


@app.command(name="serve-files")
def serve_files(*, output: Path | None = None, host: str = "127.0.0.1", port: int = 8766) -> int:
    """Serve the output folder read-only over HTTP, so the run's links open in a browser.

    Parameters
    ----------
    output
        Where runs are stored; default: DUNNING_OUTPUT, else ./dunning-output.
    host
        Address to listen on.
    port
        Port to listen on (the default matches DUNNING_FILES_URL's default).
    """
    from flows.file_server import CannotServe, open_server, serve_folder
    from flows.run_inputs import BadInput, output_folder

    try:
        folder = output_folder(output)
        server = open_server(folder, host, port)
    except (BadInput, CannotServe) as exc:
        raise Usage(str(exc)) from None
    print(f"serving {folder} read-only on http://{host}:{port}/ ; Ctrl+C stops it", flush=True)
    serve_folder(server)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `dunning` script."""
    # Keep the terminal for the run's own progress: Prefect's chatter and telemetry (which
    # trips over SQLite locks on a fresh local database) stay quiet unless asked for. The
    # run's INFO lines still go to Prefect (its Logs tab); the terminal shows WARNING and up.
    for name, value in (
        ("PREFECT_LOGGING_LEVEL", "INFO"),
        ("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING"),
        ("DO_NOT_TRACK", "1"),
        ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
    ):
        os.environ.setdefault(name, value)
    try:
        code: Any = app(
            argv if argv is not None else sys.argv[1:],
            exit_on_error=False,
            print_error=True,
            result_action="return_value",
        )
    except CycloptsError:
        return EXIT_BAD_INPUT
    except Usage as exc:
        print(f"dunning: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
