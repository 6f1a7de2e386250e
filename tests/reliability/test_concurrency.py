"""Runs and retries at the same time never push anything twice.

Two runs for the same reference date, started together, escalate no invoice twice.

The commit holds the `dunning-commit` concurrency limit; here the test holds it first, so
that both runs have stored their proposals (the same invoices) before either may commit.
The run that commits second re-checks each invoice, sees the new level: CHANGED.
Two processes on the same run (two retries, or a retry while the run commits) never work
at once: the second is told which process is busy with the run, and stops.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

from flows.commit_lock import commit_lock
from tests.support.checks import check_exactly_once
from tests.support.cli import (
    cli_command,
    journal_lines,
    kill,
    kill_when,
    load_manifest,
    new_runs,
    run_cli_process,
    start_run_process,
    subprocess_env,
)
from tests.support.mailbox import Mailbox
from tests.support.sandbox import REFERENCE_DATE

RUN = ("run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date")


def _proposals_stored(output, count: int, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum((output / r / "proposal.json").exists() for r in new_runs(output)) >= count:
            return True
        time.sleep(0.05)
    return False


def test_two_runs_started_together_escalate_each_invoice_once(company, tmp_path, prefect_url):
    output = tmp_path / "out"
    env = subprocess_env(company.env(output), prefect_url)
    with commit_lock():
        runs = [start_run_process(env, tmp_path, *RUN) for _ in range(2)]
        both_proposed = _proposals_stored(output, 2)
    codes = [p.wait(timeout=120) for p in runs]
    for process in runs:
        kill(process)
    assert both_proposed and codes == [0, 0], codes
    first, second = (load_manifest(output, r) for r in new_runs(output))
    proposed = {ln["invoice_id"] for ln in first["lines"] if ln["reason"] == "ESCALATE"}
    assert proposed and proposed == {
        ln["invoice_id"] for ln in second["lines"] if ln["reason"] == "ESCALATE"
    }
    outcomes = sorted(
        ln["outcome"] for ln in first["lines"] + second["lines"] if ln["invoice_id"] in proposed
    )
    assert outcomes == sorted(["ESCALATED"] * len(proposed) + ["CHANGED"] * len(proposed))
    changed = [
        ln
        for ln in first["lines"] + second["lines"]
        if ln["outcome"] == "CHANGED" and ln["invoice_id"] in proposed
    ]
    assert all("level changed" in ln["note"] for ln in changed), changed
    tally = check_exactly_once(company, output, new_runs(output))
    assert tally.ok, tally.problems


def _start(env: dict[str, str], cwd: Path, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli_command(*argv),
        env=env,
        cwd=cwd,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _while_running(process: subprocess.Popen[str], ready, timeout: float = 120) -> bool:
    """Whether `ready()` came true while the process still ran."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            return True
        time.sleep(0.003)
    return False


def _reminder_of(message: EmailMessage) -> int:
    """The reminder id in a letter's Message-ID, `<dunning.RUN.INVOICE.REMINDER@domain>`."""
    return int(str(message["Message-ID"]).strip("<>").split("@")[0].split(".")[3])


def test_two_retries_at_once_email_each_reminder_once(slow_company, tmp_path, prefect_url):
    output = tmp_path / "out"
    with Mailbox.started() as mailbox:
        env = subprocess_env({**slow_company.env(output), **mailbox.env()}, prefect_url)
        process = start_run_process(env, tmp_path, *RUN, "--send")
        mailbox.on_accepted = lambda message: kill(process)  # before the run hears "accepted"
        assert kill_when(process, lambda: bool(mailbox.received))
        mailbox.on_accepted = None
        (run_id,) = new_runs(output)
        slow_company.faults(latency_ms=100)  # both retries are still at work when they meet
        retries = [_start(env, tmp_path, "retry", run_id) for _ in range(2)]
        ended = [(p.wait(timeout=240), *p.communicate()) for p in retries]
        slow_company.faults(latency_ms=0)
    emails = Counter(_reminder_of(m) for m in mailbox.received)
    assert {r: n for r, n in emails.items() if n > 1} == {}
    assert sorted(code for code, _, _ in ended) == [0, 1], ended
    ((_, _, busy),) = [e for e in ended if e[0] == 1]
    (other,) = [p for p in retries if p.returncode == 0]
    assert f"run {run_id} is busy" in " ".join(busy.split()), busy
    assert f"process {other.pid}" in busy, busy
    assert "Traceback" not in busy
    record = load_manifest(output, run_id)
    mailed = {
        ln["reminder_id"]
        for ln in record["lines"]
        if ln["outcome"] in ("ESCALATED", "ALREADY_DONE")
        and slow_company.state.contacts[ln["contact_id"]]["mail"]
    }
    assert mailed and set(emails) == mailed
    tally = check_exactly_once(slow_company, output, [run_id])
    assert tally.ok, tally.problems


def test_retry_started_while_the_run_commits_is_turned_away(start_company, tmp_path, prefect_url):
    # Every invoice overdue and slow answers: the commit lasts many seconds, far longer
    # than a retry needs to start.
    slow_company = start_company(invoices=30, seed=3, latency_ms=15, scenario="all_overdue")
    output = tmp_path / "out"
    env = subprocess_env(slow_company.env(output), prefect_url)
    slow_company.faults(latency_ms=200)
    process = start_run_process(env, tmp_path, *RUN)
    try:
        assert _while_running(process, lambda: journal_lines(output) >= 1)
        (run_id,) = new_runs(output)
        retry = run_cli_process(["retry", run_id], env, tmp_path)
        code = process.wait(timeout=240)
    finally:
        kill(process)
    slow_company.faults(latency_ms=0)
    assert (code, retry.code) == (0, 1), retry.text
    assert f"run {run_id} is busy" in " ".join(retry.err.split()), retry.text
    assert f"process {process.pid}" in retry.err and not retry.has_traceback()
    record = load_manifest(output, run_id)
    assert record["status"] == "completed"
    assert "CHANGED" not in record["counts"]["outcomes"], record["counts"]
    tally = check_exactly_once(slow_company, output, [run_id])
    assert tally.ok, tally.problems
