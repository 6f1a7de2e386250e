"""A run uses a policy the user chose; the example (its creditor, its IBAN) only in the demo."""

from __future__ import annotations

import json

from dunning.policy_file import load_policy
from tests.support.cli import new_runs, run_cli
from tests.support.harness import run_flow
from tests.support.sandbox import REFERENCE_DATE

DAY = REFERENCE_DATE.isoformat()


def test_a_run_without_a_policy_of_the_users_stops_and_says_how_to_make_one(
    bexio, output, tmp_path, monkeypatch
):
    monkeypatch.delenv("DUNNING_POLICY")
    before = bexio.levels()

    result = run_cli(["run", "--reference-date", DAY])

    assert result.code == 2, result.text
    assert "no policy file" in result.err and "dunning init" in result.err
    assert "--policy" in result.err and "DUNNING_POLICY" in result.err
    assert not result.has_traceback()
    assert bexio.levels() == before and new_runs(output) == []


def test_the_flow_without_a_policy_fails_before_it_makes_a_run(bexio, output, monkeypatch):
    monkeypatch.delenv("DUNNING_POLICY")
    state, why = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True, approval=True)
    assert state.is_failed() and "dunning init" in str(why)
    assert new_runs(output) == []


def test_init_writes_a_policy_that_a_dry_run_uses(bexio, output, tmp_path, monkeypatch):
    monkeypatch.delenv("DUNNING_POLICY")
    before = bexio.levels()

    made = run_cli(["init"])
    assert made.code == 0, made.text
    written = (tmp_path / "policy.toml").read_text(encoding="utf-8")
    assert "dunning init" in written and "CHANGE" in written and "Muster AG" in written
    assert load_policy(tmp_path / "policy.toml").creditor.name == "Muster AG"

    result = run_cli(["run", "--dry-run", "--reference-date", DAY])
    assert result.code == 0, result.text
    (run_id,) = new_runs(output)
    record = json.loads((output / run_id / "manifest.json").read_text(encoding="utf-8"))
    assert record["status"] == "dry_run" and record["counts"]["reasons"]["ESCALATE"] > 0
    assert (output / run_id / "policy.toml").read_text(encoding="utf-8") == written
    assert "e-mailed" not in result.out  # a dry run sends nothing, nor says it did
    assert bexio.levels() == before


def test_init_leaves_an_existing_policy_as_it_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine.toml"
    mine.write_text("# my own\n", encoding="utf-8")

    result = run_cli(["init", "--path", str(mine)])

    assert result.code == 2 and "exists already" in result.err
    assert mine.read_text(encoding="utf-8") == "# my own\n"


def test_init_makes_the_folder_of_a_company_policy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    result = run_cli(["init", "--output", "muster-ag/policy.toml"])

    assert result.code == 0, result.text
    assert "--policy muster-ag/policy.toml" in result.out
    policy = load_policy(tmp_path / "muster-ag" / "policy.toml")
    assert policy.creditor.name == "Muster AG"
