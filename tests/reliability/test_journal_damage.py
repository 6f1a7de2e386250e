"""A run whose journal was damaged can still be retried to its end.

The power went while the journal's last line was being written, or the disk filled up
during the commit: the retry reads the journal up to the cut, says plainly when there is
no room, and a retry once there is room finishes the run with nothing done twice.
"""

from __future__ import annotations

import resource
import signal
import subprocess
from pathlib import Path

from tests.support.checks import check_exactly_once
from tests.support.cli import (
    CliResult,
    cli_command,
    journal_lines,
    kill_when,
    new_runs,
    run_cli,
    start_run_process,
    subprocess_env,
)
from tests.support.sandbox import REFERENCE_DATE, Company

RUN = ("run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date")


def _killed_in_the_commit(company: Company, tmp_path: Path, prefect_url: str, lines: int) -> str:
    output = tmp_path / "out"
    env = subprocess_env(company.env(output), prefect_url)
    process = start_run_process(env, tmp_path, *RUN)
    assert kill_when(process, lambda: journal_lines(output) >= lines)
    (run_id,) = new_runs(output)
    return run_id


def _with_file_size_limit(limit: int):
    """Writes past `limit` bytes fail with EFBIG, as they fail with ENOSPC on a full disk
    (the signal that would end the process instead is ignored, as the shell lets one do)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_retry_after_a_power_cut_in_the_journal_finishes_the_run(
    slow_company, tmp_path, prefect_url
):
    run_id = _killed_in_the_commit(slow_company, tmp_path, prefect_url, lines=5)
    journal = tmp_path / "out" / run_id / "journal.jsonl"
    # The power went while the next line was written: only its start reached the disk
    # (its push never started: a push waits until its intent is on disk).
    with journal.open("ab") as fh:
        fh.write(journal.read_bytes().splitlines()[-1][:25])
    first = run_cli(["retry", run_id])
    assert first.code == 0, first.text
    assert not first.has_traceback(), first.text
    tally = check_exactly_once(slow_company, tmp_path / "out", [run_id])
    assert tally.ok, tally.problems


def test_full_disk_during_the_commit_is_said_plainly_and_a_retry_finishes(
    slow_company, tmp_path, prefect_url
):
    output = tmp_path / "out"
    run_id = _killed_in_the_commit(slow_company, tmp_path, prefect_url, lines=3)
    journal = output / run_id / "journal.jsonl"
    room = journal.stat().st_size + 100  # about half a line more, then the disk is full
    done = subprocess.run(
        cli_command("retry", run_id),
        env=subprocess_env(slow_company.env(output), prefect_url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        preexec_fn=_with_file_size_limit(room),
    )
    full = CliResult(done.returncode, done.stdout, done.stderr, "")
    said = " ".join(full.err.split())
    assert full.code == 1, full.text
    assert f"{run_id}/journal.jsonl" in "".join(said.split()), full.text  # the terminal wraps
    assert "cannot be written" in said and "the disk is full" in said, full.text
    assert f"dunning retry {run_id}" in said, full.text
    assert not full.has_traceback(), full.text
    assert journal.stat().st_size <= room

    again = run_cli(["retry", run_id])
    assert again.code == 0, again.text
    tally = check_exactly_once(slow_company, output, [run_id])
    assert tally.ok, tally.problems
