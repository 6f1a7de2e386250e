"""What the reliability tests and the soak share: a sandbox company, the CLI, the checks.

The central check is `check_exactly_once`: after a run (and its retries) every escalated
invoice has exactly one new reminder at its target level and one letter, nothing else got
a reminder, and the manifest agrees with what the sandbox holds.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfReader

from connectors.sandbox import SandboxConfig, running_sandbox
from dunning.runs import RUN_ID_PATTERN

TOKEN = "tok-reliability-SECRET-0815"
REFERENCE_DATE = date(2026, 11, 30)
REPO = Path(__file__).resolve().parents[2]
DONE = ("ESCALATED", "ALREADY_DONE")


@contextlib.contextmanager
def prefect_api() -> Iterator[str]:
    """The Prefect API of the test session: the running harness, else a new one."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    running = SubprocessASGIServer._instances.get(None)
    if running is not None and running.running and PREFECT_API_URL.value() == running.api_url:
        yield running.api_url
        return
    with prefect_test_harness(server_startup_timeout=60):
        # The flow-run heartbeat costs a second per run and tells tests nothing.
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield str(PREFECT_API_URL.value())


# -- the sandbox company ---------------------------------------------------------------------


@dataclass
class Company:
    """A running sandbox with the reminders it held before the run under test."""

    url: str
    state: Any
    before: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    tampered: dict[str, Any] = field(default_factory=dict)  # the sandbox's fixed answers

    @classmethod
    @contextlib.contextmanager
    def started(cls, **config: Any) -> Iterator[Company]:
        settings = {"invoices": 30, "seed": 1, "today": REFERENCE_DATE, "token": TOKEN, **config}
        with running_sandbox(SandboxConfig(**settings)) as url:
            company = cls(str(url), url.state, tampered=url.app.state.faults.tampered)
            company.remember()
            yield company

    def env(self, output: Path) -> dict[str, str]:
        return {
            "BEXIO_BASE_URL": self.url,
            "BEXIO_TOKEN": TOKEN,
            "BEXIO_UNPAID_EXTENSION": "true",
            "DUNNING_OUTPUT": str(output),
        }

    def use(self, monkeypatch: Any, tmp_path: Path) -> None:
        """Point a run at this company from `tmp_path` (a test's own working directory)."""
        monkeypatch.chdir(tmp_path)
        for name, value in self.env(tmp_path / "out").items():
            monkeypatch.setenv(name, value)
        for name in ("DUNNING_POLICY", "DUNNING_BLOCKS"):
            monkeypatch.delenv(name, raising=False)

    def admin(self, method: str, path: str, body: object | None = None) -> Any:
        response = httpx.request(
            method,
            f"{self.url}/_sandbox{path}",
            json=body,
            timeout=10,
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        response.raise_for_status()
        return response.json()

    def remember(self) -> None:
        """Take note of every reminder now, so a check sees only what a run added."""
        self.before = reminders_by_invoice(self.admin("GET", "/reminders"))

    def status(self, invoice_id: int) -> int:
        """The invoice's status id, from the account (or over HTTP for a sandbox process)."""
        if self.state is not None:
            return int(self.state.invoices[invoice_id]["kb_item_status_id"])
        response = httpx.get(
            f"{self.url}/2.0/kb_invoice/{invoice_id}",
            timeout=10,
            headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
        )
        return int(response.json()["kb_item_status_id"])

    def faults(self, fail_rate: float = 0.0, latency_ms: int = 0) -> None:
        self.admin("POST", "/faults", {"fail_rate": fail_rate, "latency_ms": latency_ms})


@contextlib.contextmanager
def budget_burner(company: Company, window: int = 1) -> Iterator[None]:
    """Another integration on the same bexio account that spends the whole budget of every
    third rate-limit window in a burst, so the run under test meets 429s it could not see
    coming (its own count of the budget says there is plenty left)."""
    stop, started = threading.Event(), threading.Event()

    def burn() -> None:
        with httpx.Client(
            base_url=company.url,
            headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
        ) as http:
            while not stop.is_set():
                if int(time.time() // window) % 3 == 0:
                    with contextlib.suppress(httpx.HTTPError):  # the sandbox's faults hit it too
                        while http.get("/2.0/language").status_code != 429:
                            pass
                    started.set()
                stop.wait(window - time.time() % window + 0.001)

    thread = threading.Thread(target=burn, daemon=True)
    thread.start()
    started.wait(4 * window)
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


def reminders_by_invoice(reminders: Sequence[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for reminder in reminders:
        found.setdefault(reminder["kb_invoice_id"], []).append(reminder)
    return found


# -- the command line ------------------------------------------------------------------------


@dataclass
class CliResult:
    code: int
    out: str
    err: str
    logged: str  # what the loggers showed at WARNING and above, tracebacks included

    @property
    def text(self) -> str:
        return "\n".join((self.out, self.err, self.logged))

    def has_traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.text


class _Shown(logging.StreamHandler):  # type: ignore[type-arg]
    """Stands for the terminal: what a user sees of the log records, WARNING and above,
    tracebacks included (a stream handler, like the console handlers it stands for)."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.setLevel(logging.WARNING)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    @property
    def lines(self) -> list[str]:
        return [self.stream.getvalue()]


def run_cli(argv: Sequence[str]) -> CliResult:
    """`dunning <argv>` in this process: exit code, stdout, stderr, shown log records."""
    from flows.cli import main

    out, err, shown = io.StringIO(), io.StringIO(), _Shown()
    loggers = [logging.getLogger(), logging.getLogger("prefect")]
    for logger in loggers:
        logger.addHandler(shown)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        for logger in loggers:
            logger.removeHandler(shown)
    return CliResult(code, out.getvalue(), err.getvalue(), "\n".join(shown.lines))


def cli_command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", *argv]


def subprocess_env(extra: dict[str, str], prefect_url: str | None) -> dict[str, str]:
    env = {**os.environ, **extra, "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)
    if prefect_url:
        env["PREFECT_API_URL"] = prefect_url
    return env


def run_cli_process(
    argv: Sequence[str], env: dict[str, str], cwd: Path, timeout: float = 180
) -> CliResult:
    done = subprocess.run(
        cli_command(*argv),
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliResult(done.returncode, done.stdout, done.stderr, "")


def new_runs(output: Path, known: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Run folders in `output` that are not in `known`."""
    if not output.is_dir():
        return []
    return sorted(
        p.name
        for p in output.iterdir()
        if p.is_dir() and RUN_ID_PATTERN.match(p.name) and p.name not in known
    )


def load_manifest(output: Path, run_id: str) -> dict[str, Any]:
    return json.loads((output / run_id / "manifest.json").read_text(encoding="utf-8"))


def run_until_done(
    output: Path, first: Sequence[str], max_retries: int = 4
) -> tuple[str, list[int]]:
    """`dunning run …` (again, while bexio turns it away before it starts), then
    `dunning retry RUN_ID` while it exits 1; the run id and every exit code."""
    known = set(new_runs(output))
    codes = [run_cli(first).code]
    while codes[-1] == 1 and not new_runs(output, known) and len(codes) <= max_retries:
        codes.append(run_cli(first).code)
    (run_id,) = new_runs(output, known)
    while codes[-1] == 1 and len(codes) <= max_retries:
        codes.append(run_cli(["retry", run_id]).code)
    return run_id, codes


# -- the checks ------------------------------------------------------------------------------


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
    outline = PdfReader(folder / "letters.pdf").outline
    titles = [item.title.split(" · ")[0] for item in outline]
    expected = [ln["document_nr"] for ln in lines]
    if titles != expected:
        tally.duplicates += max(0, len(titles) - len(expected))
        tally.problems.append(f"{record['run_id']}: merged PDF bookmarks {titles} != {expected}")


# -- crashes ---------------------------------------------------------------------------------


def start_run_process(env: dict[str, str], cwd: Path, *argv: str) -> subprocess.Popen[str]:
    """`dunning <argv>` as its own process group; what it prints goes to files in `cwd`."""
    with (cwd / "run.stdout").open("a") as out, (cwd / "run.stderr").open("a") as err:
        return subprocess.Popen(
            cli_command(*argv),
            env=env,
            cwd=cwd,
            text=True,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


def journal_lines(output: Path) -> int:
    """Complete lines in the journal of the one run in `output` (0 before it starts)."""
    runs = new_runs(output)
    journal = output / runs[0] / "journal.jsonl" if runs else None
    if journal is None or not journal.exists():
        return 0
    return journal.read_bytes().count(b"\n")


def kill_when(process: subprocess.Popen[str], ready: Any, timeout: float = 120) -> bool:
    """SIGKILL the run and its helper processes as soon as `ready()` is true; False when the
    run ended first."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            kill(process)
            return True
        time.sleep(0.003)
    kill(process)
    return False


def kill(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


# -- approval --------------------------------------------------------------------------------


def paused_run(timeout: float = 60) -> tuple[Any, dict[str, Any]]:
    """A paused flow run whose approval form is stored, and the form's schema."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    deadline = time.monotonic() + timeout
    paused = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
    )
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            for run in client.read_flow_runs(flow_run_filter=paused):
                keys = run.state.state_details.run_input_keyset if run.state else None
                if keys:
                    with contextlib.suppress(Exception):  # the form is not stored yet
                        return run.id, json.loads(
                            client.read_flow_run_input(run.id, keys["schema"])
                        )
            time.sleep(0.2)
    raise TimeoutError("no paused run appeared")
