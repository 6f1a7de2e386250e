"""The command line in tests: `dunning` in this process or as a process, its run folders,
and crashing a run on purpose."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dunning.runs import RUN_ID_PATTERN

__all__ = [
    "CliResult",
    "cli_command",
    "journal_lines",
    "kill",
    "kill_when",
    "load_manifest",
    "new_runs",
    "run_cli",
    "run_cli_process",
    "run_until_done",
    "start_run_process",
    "subprocess_env",
]


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
    record: dict[str, Any] = json.loads(
        (output / run_id / "manifest.json").read_text(encoding="utf-8")
    )
    return record


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


# -- crashes -------------------------------------------------------------------------


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
    run ended first. A run killed meanwhile by a hook of the test (a mail server's, say),
    with `ready()` true, counts as killed here."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            kill(process)
            return True
        time.sleep(0.003)
    killed_by_hook = process.returncode == -signal.SIGKILL
    kill(process)
    return killed_by_hook and bool(ready())


def kill(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
