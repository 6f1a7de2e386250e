"""A run that exists is reopened one way, whoever asks: it goes on as it started."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta

from PIL import Image

from dunning.policy_file import example_policy_path
from flows.commands import run_demo
from flows.run_inputs import zurich_today
from tests.support.harness import manifest_of as manifest
from tests.support.harness import run_flow
from tests.support.sandbox import REFERENCE_DATE


def test_a_retry_from_the_prefect_ui_goes_on_with_the_runs_own_flags_and_policy(
    bexio, output, tmp_path
):
    policy = tmp_path / "policy.toml"
    shutil.copy(example_policy_path(), policy)
    state, first = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, policy=str(policy), dry_run=True
    )
    assert state.is_completed(), state.message
    before = bexio.levels()
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            'version = "example-2026-01"', 'version = "changed-since"'
        ),
        encoding="utf-8",
    )

    # The flow run again for that run, as a retry from the UI does, with other flags.
    state, again = run_flow(run_id=first["run_id"], policy=str(policy), send=True)
    assert state.is_completed(), state.message
    record = manifest(again)
    assert record["status"] == "dry_run" and record["policy"]["version"] == "example-2026-01"
    assert bexio.levels() == before


def test_a_retry_prints_the_logo_the_run_started_with(bexio, output, tmp_path):
    (tmp_path / "brand").mkdir()
    Image.new("RGB", (300, 100), (200, 30, 40)).save(tmp_path / "brand" / "logo.png")
    policy = tmp_path / "policy.toml"
    policy.write_text(
        example_policy_path()
        .read_text(encoding="utf-8")
        .replace("[letters]\n", '[letters]\nlogo = "brand/logo.png"\n', 1),
        encoding="utf-8",
    )
    state, first = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, policy=str(policy), dry_run=True
    )
    assert state.is_completed(), state.message
    shutil.rmtree(tmp_path / "brand")  # the retry reads the run's own copies

    state, again = run_flow(run_id=first["run_id"], policy=str(policy))
    assert state.is_completed(), state.message
    assert manifest(again)["status"] == "dry_run"


def test_the_demo_leaves_the_environment_as_it_was(bexio, tmp_path, monkeypatch):
    monkeypatch.setenv("BEXIO_BASE_URL", "http://127.0.0.1:9/not-the-demo")
    monkeypatch.delenv("BEXIO_TOKEN")
    monkeypatch.delenv("BEXIO_UNPAID_EXTENSION")
    before = dict(os.environ)
    assert run_demo(12, REFERENCE_DATE, tmp_path / "demo") == 0
    assert dict(os.environ) == before
    assert list((tmp_path / "demo").glob("*/letters.pdf"))


def test_the_demo_refuses_a_day_after_today_before_it_starts(tmp_path, capsys):
    tomorrow = zurich_today() + timedelta(days=1)
    assert run_demo(12, tomorrow, tmp_path / "demo") == 2
    said = capsys.readouterr()
    assert "after today" in said.out + said.err and "Traceback" not in said.out + said.err
    assert not (tmp_path / "demo").exists()
