"""Input that looks harmless but is not: a reference date years away, and a pipe given as
the policy file. The simple cases (exit 2, one paragraph) are in `bad_inputs.py`."""

from __future__ import annotations

import os
from datetime import date, timedelta

from flows.run_inputs import BadInput, zurich_today
from tests.support.cli import run_cli, run_cli_process, subprocess_env
from tests.support.harness import run_flow

FAR = date(2062, 11, 30)  # 2026-11-30 with one digit mistyped


def test_a_dry_run_far_from_today_is_not_refused(company, tmp_path):
    result = run_cli(["run", "--reference-date", FAR.isoformat(), "--dry-run"])
    assert result.code == 0, result.text
    assert company.admin("GET", "/stats").get("reminders_created", 0) == 0


def test_a_flow_run_long_before_today_pushes_nothing_unless_confirmed(company, tmp_path):
    """A deployment's run is refused as the command line's is, by its parameter's name."""
    long_ago = zurich_today() - timedelta(days=40)
    state, data = run_flow(reference_date=long_ago, output=str(tmp_path / "out"))
    assert isinstance(data, BadInput), data
    assert "confirm_reference_date" in str(data) and long_ago.isoformat() in str(data)
    assert company.admin("GET", "/stats").get("reminders_created", 0) == 0
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_flow_run_dated_after_today_is_refused_even_when_confirmed(company, tmp_path):
    """bexio dates a reminder on the day it is created: no run that pushes is dated later."""
    state, data = run_flow(
        reference_date=FAR, confirm_reference_date=True, output=str(tmp_path / "out")
    )
    assert isinstance(data, BadInput), data
    assert "after today" in str(data) and "2062-11-30" in str(data)
    assert company.admin("GET", "/stats").get("reminders_created", 0) == 0
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_run_dated_tomorrow_is_refused_with_one_paragraph(company, tmp_path):
    tomorrow = (zurich_today() + timedelta(days=1)).isoformat()
    result = run_cli(["run", "--reference-date", tomorrow, "--confirm-reference-date"])
    assert result.code == 2, result.text
    assert f"--reference-date {tomorrow} is 1 day after today" in " ".join(result.err.split())
    assert "bexio dates a reminder on the day it is created" in " ".join(result.err.split())
    assert "Traceback" not in result.text
    assert company.admin("GET", "/stats").get("reminders_created", 0) == 0


def test_a_pipe_given_as_the_policy_file_is_refused_without_waiting(company, tmp_path):
    pipe = tmp_path / "policy.toml"
    os.mkfifo(pipe)  # nobody ever writes to it: reading it would wait for ever
    env = subprocess_env(company.env(tmp_path / "out"), None)
    argv = ["run", "--reference-date", "2026-11-30", "--confirm-reference-date"]
    argv += ["--policy", str(pipe)]
    result = run_cli_process(argv, env, tmp_path, timeout=60)
    assert result.code == 2, result.text
    assert "not a regular file" in " ".join(result.err.split()), result.text
    assert "Traceback" not in result.text
