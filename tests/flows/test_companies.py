"""Many companies on one installation: each run reads its company's token from a Prefect
Secret block, uses its policy and output, pushes to its account only, and never waits for
another company's commit; `dunning deploy` makes one deployment per company."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client

from dunning.policy_file import example_policy_path
from dunning.proposal import Reason
from flows.commit_lock import commit_lock
from flows.run_inputs import zurich_today
from tests.support.cli import new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE, Company

DAY = REFERENCE_DATE.isoformat()
TOKENS = {"alpha": "tok-alpha-SECRET-1111", "beta": "tok-beta-SECRET-2222"}


@pytest.fixture
def companies(start_company, tmp_path: Path, monkeypatch) -> dict[str, Company]:
    """Two sandbox accounts with their own tokens, a companies file naming them, and their
    tokens in Secret blocks; the environment has no token at all."""
    started = {
        name: start_company(invoices=25, seed=seed, token=TOKENS[name])
        for name, seed in (("alpha", 3), ("beta", 4))
    }
    entries = []
    for name, company in started.items():
        Secret(value=TOKENS[name]).save(f"bexio-{name}", overwrite=True)
        entries.append(
            f'[[company]]\nname = "{name}"\ntoken_block = "bexio-{name}"\n'
            f'policy = "{example_policy_path()}"\nbase_url = "{company.url}"\n'
            f'schedule = "0 6 1 * *"\napproval = {"true" if name == "alpha" else "false"}\n'
        )
    (tmp_path / "companies.toml").write_text("\n".join(entries), encoding="utf-8")
    for name in ("BEXIO_TOKEN", "BEXIO_BASE_URL", "DUNNING_POLICY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DUNNING_COMPANIES", str(tmp_path / "companies.toml"))
    return started


def _flow_run_parameters(flow_run_id: str) -> dict[str, object]:
    with get_client(sync_client=True) as client:
        return dict(client.read_flow_run(flow_run_id).parameters)


def test_a_company_run_pushes_to_its_own_account_with_the_token_of_its_secret_block(
    companies: dict[str, Company], tmp_path: Path
) -> None:
    alpha, beta = companies["alpha"], companies["beta"]
    beta_before = beta.levels()

    result = run_cli(["run", "--company", "alpha", "--reference-date", DAY])

    assert result.code == 0, result.text
    (run_id,) = new_runs(tmp_path / "out" / "alpha")
    run = tmp_path / "out" / "alpha" / run_id
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    escalated = [ln for ln in manifest["lines"] if ln["outcome"] == "ESCALATED"]
    assert escalated and len(alpha.levels()) > len(alpha.before)
    assert beta.levels() == beta_before  # the other account was not touched
    # The token is nowhere a person or the Prefect UI can read it.
    parameters = _flow_run_parameters(manifest["flow_run_id"])
    assert parameters["company"] == "alpha"
    assert TOKENS["alpha"] not in json.dumps(parameters, default=str)
    assert TOKENS["alpha"] not in result.text
    for path in run.rglob("*"):
        if path.is_file():
            assert TOKENS["alpha"].encode() not in path.read_bytes(), path


def test_companies_do_not_wait_for_each_others_commit(
    companies: dict[str, Company], tmp_path: Path
) -> None:
    alpha_before = companies["alpha"].levels()
    # Company alpha is committing (its lock is held here) while beta's run pushes.
    with commit_lock("alpha"):
        result = run_cli(["run", "--company", "beta", "--reference-date", DAY])
    assert result.code == 0, result.text
    assert len(new_runs(tmp_path / "out" / "beta")) == 1
    assert len(companies["beta"].levels()) > len(companies["beta"].before)
    assert companies["alpha"].levels() == alpha_before
    listing = run_cli(["runs", "--all-companies"])
    assert listing.code == 0, listing.text
    assert "beta" in listing.out and "No runs yet: alpha" in listing.out


def test_a_missing_secret_block_or_unknown_company_stops_before_anything_is_pushed(
    companies: dict[str, Company], tmp_path: Path
) -> None:
    unknown = run_cli(["run", "--company", "gamma", "--reference-date", DAY])
    said = " ".join(unknown.err.split())  # as one paragraph, whatever the terminal's width
    assert unknown.code == 2 and 'no company is named "gamma"' in said, unknown.text
    assert "the file names alpha, beta" in said

    text = (tmp_path / "companies.toml").read_text(encoding="utf-8")
    (tmp_path / "companies.toml").write_text(text.replace("bexio-beta", "bexio-nobody"))
    before = companies["beta"].levels()
    missing = run_cli(["run", "--company", "beta", "--reference-date", DAY])
    assert missing.code == 2, missing.text
    said = " ".join(missing.err.split())
    assert 'Secret block "bexio-nobody"' in said and "does not exist" in said
    assert not missing.has_traceback()
    assert companies["beta"].levels() == before


def test_company_options_without_a_companies_file_say_what_the_file_is_for(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DUNNING_COMPANIES", raising=False)
    for args in (["run", "--company", "muster-ag"], ["runs", "--all-companies"]):
        result = run_cli(args)
        said = " ".join(result.err.split())
        assert result.code == 2 and not result.has_traceback(), result.text
        assert "companies.toml: the companies file does not exist" in said
        assert "leave out --company: the run uses BEXIO_TOKEN" in said


def test_deploy_makes_one_deployment_per_company_with_its_schedule_and_tag(
    companies: dict[str, Company],
) -> None:
    result = run_cli(["deploy", "--pool", "companies-test-pool"])
    assert result.code == 0, result.text
    with get_client(sync_client=True) as client:
        for name, approval in (("alpha", True), ("beta", False)):
            deployment = client.read_deployment_by_name(f"dunning-run/{name}")
            assert deployment.parameters == {"company": name, "approval": approval}
            assert set(deployment.tags) == {"dunning", f"company:{name}"}
            assert deployment.work_pool_name == "companies-test-pool"
            ((schedule),) = deployment.schedules
            assert (schedule.schedule.cron, schedule.schedule.timezone) == (  # type: ignore[union-attr]
                "0 6 1 * *",
                "Europe/Zurich",
            )
            assert deployment.global_concurrency_limit is not None
            assert deployment.global_concurrency_limit.limit == 1
            assert TOKENS[name] not in deployment.model_dump_json()


def test_undo_of_a_company_run_deletes_in_that_companys_account(
    companies: dict[str, Company], tmp_path: Path
) -> None:
    alpha, beta = companies["alpha"], companies["beta"]
    assert run_cli(["run", "--company", "alpha", "--reference-date", DAY]).code == 0
    (run_id,) = new_runs(tmp_path / "out" / "alpha")
    beta_levels = beta.levels()

    result = run_cli(["undo", run_id, "--company", "alpha", "--yes"])

    assert result.code == 0, result.text
    held = {i: levels for i, levels in alpha.levels().items() if levels}
    assert held == {i: [r["reminder_level"] for r in rs] for i, rs in alpha.before.items() if rs}
    assert beta.levels() == beta_levels
    assert TOKENS["alpha"] not in result.text


def test_a_companys_holds_are_kept_in_its_folder_and_checked_with_its_token(
    companies: dict[str, Company], tmp_path: Path
) -> None:
    invoice = companies["alpha"].decisions(Reason.ESCALATE)[0].invoice
    until = (zurich_today() + timedelta(days=20)).isoformat()
    added = run_cli(
        ["holds", "add", "--company", "alpha", "--invoice", str(invoice.id), "--until", until,
         "--reason", "promised to pay"]
    )  # fmt: skip
    assert added.code == 0, added.text
    assert (tmp_path / "out" / "alpha" / "holds.json").is_file()
    assert not (tmp_path / "out" / "beta" / "holds.json").exists()
    listed = run_cli(["holds", "list", "--company", "alpha"])
    assert f"invoice {invoice.id}" in listed.out and "promised to pay" in listed.out
