"""A policy whose levels disagree with bexio's reminder settings: the run stops before it
pushes where the account shows it, and stops pushing the level where only a push shows it
(docs/RULES.md, "Levels against bexio"). The sandbox's levels run 14, 10, 10 days."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dunning.policy_file import example_policy_path
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE, Company

ARGV = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]


def _policy(tmp_path: Path, edit: Callable[[str], str]) -> Path:
    policy = tmp_path / "policy.toml"
    policy.write_text(edit(example_policy_path().read_text(encoding="utf-8")), encoding="utf-8")
    return policy


def _two_levels(text: str) -> str:
    return text[: text.index("# Level 3:")]


def _said(text: str) -> str:
    return " ".join(text.split())


def test_a_policy_with_fewer_levels_than_bexio_stops_before_any_push(
    bexio: Company, output: Path, tmp_path: Path
):
    """The account holds level 3 reminders; a policy of two levels would ask for level 3
    letters bexio would number otherwise."""
    before = bexio.admin("GET", "/reminders")

    result = run_cli([*ARGV, "--policy", str(_policy(tmp_path, _two_levels))])

    assert result.code == 2, result.text
    said = _said(result.err)
    assert "policy.toml has 2 levels, but bexio holds 2 reminders above level 2" in said, said
    assert "Nothing was pushed" in said and not result.has_traceback()
    assert bexio.admin("GET", "/reminders") == before
    # No proposal is left behind (a retry would take it), nor a part of one.
    runs = new_runs(output)
    assert len(runs) == 1 and [p.name for p in (output / runs[0]).glob("proposal*")] == []


def test_a_level_bexio_held_no_reminder_of_stops_at_the_first_wrong_period(
    start_company: Callable[..., Company], tmp_path: Path
):
    """No invoice has a reminder yet, so the first one the run creates shows bexio's 14
    days against the policy's 10: that reminder stays (its letter prints bexio's
    deadline), no other level 1 reminder is made, and the others say what to fix."""
    company = start_company(invoices=12, seed=7, scenario="all_overdue")
    policy = _policy(tmp_path, lambda t: t.replace("payment_days = 14", "payment_days = 10", 1))
    output = tmp_path / "out"

    result = run_cli([*ARGV, "--policy", str(policy)])

    assert result.code == 1, result.text
    (run_id,) = new_runs(output)
    lines = load_manifest(output, run_id)["lines"]
    created = [ln for ln in lines if ln["outcome"] == "ESCALATED"]
    failed = [ln for ln in lines if ln["outcome"] == "FAILED"]
    made = company.admin("GET", "/reminders")
    # Two invoices are pushed at a time: the one beside the first may be created as well.
    assert 1 <= len(created) <= 2 and len(made) == len(created), (created, made)
    assert len(created) + len(failed) == 12
    for line in created:
        assert line["api_deadline"] == "2026-12-13" and line["letter"], line
    wanted = "bexio gave the first level 1 reminder of this run"
    for line in failed:
        assert wanted in line["error"] and "retry" not in line["error"].replace("a retry", "")
        assert "Set level 1's payment_days to 14 in the policy" in line["error"], line
    said = _said(result.err)
    assert said.count(wanted) == 1 and "retry with" not in said, said
    assert not result.has_traceback()


def test_a_level_past_bexios_last_is_refused_once_and_not_tried_again(
    start_company: Callable[..., Company], tmp_path: Path
):
    """bexio's settings end at level 2, the policy has 3: bexio refuses the first level 3
    reminder, the run tries no other and says what to fix; level 1 is pushed as usual. A
    retry tries level 3 no more."""
    company = start_company(invoices=40, seed=7, levels=2)
    output = tmp_path / "out"

    result = run_cli(ARGV)

    assert result.code == 1, result.text
    (run_id,) = new_runs(output)
    lines = load_manifest(output, run_id)["lines"]
    to_three = [ln for ln in lines if ln["to_level"] == 3]
    assert len(to_three) == 6, to_three
    wanted = "bexio refused a level 3 reminder for invoice"
    for line in to_three:
        assert line["outcome"] == "FAILED" and wanted in line["error"], line
        assert "Remove the levels above 2 from the policy" in line["error"], line
    # Two invoices are pushed at a time: the one beside the first may be refused as well.
    refused = company.stats()["reminders_refused_last_level"]
    assert 1 <= refused <= 2
    escalated = [ln for ln in lines if ln["outcome"] == "ESCALATED"]
    assert len(escalated) == 7 and {ln["to_level"] for ln in escalated} == {1}
    said = _said(result.err)
    assert said.count(wanted) == 1 and "retry with" not in said, said
    assert not result.has_traceback()

    # A retry keeps the run's policy: it tries nothing at level 3 and says the same.
    again = run_cli(["retry", run_id])
    assert again.code == 1 and _said(again.err).count(wanted) == 1, again.text
    assert company.stats()["reminders_refused_last_level"] == refused
