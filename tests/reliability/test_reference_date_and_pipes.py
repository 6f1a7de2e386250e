"""Input that looks harmless but is not: a reference date years away, and a pipe given as
the policy file. The simple cases (exit 2, one paragraph) are in `bad_inputs.py`."""

from __future__ import annotations

import os
from datetime import date

from flows.run_inputs import BadInput
from tests.support.cli import run_cli, run_cli_process, subprocess_env
from tests.support.harness import run_flow

FAR = date(2062, 11, 30)  # 2026-11-30 with one digit mistyped


def test_a_dry_run_far_from_today_is_not_refused(company, tmp_path):
    result = run_cli(["run", "--reference-date", FAR.isoformat(), "--dry-run"])
    assert result.code == 0, result.text
    assert company.admin("GET", "/stats").get("reminders_created", 0) == 0


def test_a_flow_run_far_from_today_pushes_nothing_unless_confirmed(company, tmp_path):
    """A deployment's run is refused as the command line's is, by its parameter's name."""
    state, data = run_flow(reference_date=FAR, output=str(tmp_path / "out"))
    assert isinstance(data, BadInput), data
    assert "confirm_reference_date" in str(data) and "2062-11-30" in str(data)
    assert company.admin("GET", "/stats").get("reminders_created", 0) == 0
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


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
