"""A fiduciary office's set-up, for real: three bexio companies (three sandboxes, three
tokens in three Prefect Secret blocks, three policies), `dunning deploy` on a server backed
by PostgreSQL, two process workers. A run per company suspends for its approver; resumed in
another order, each completes with its own letters, pushed to its own account, and no token
is in any parameter, log or artifact the server holds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from dunning.policy_file import example_policy_path
from tests.e2e.conftest import clean_environ
from tests.e2e.processes import Service, bin_path, free_port, run_cli
from tests.e2e.stack import REFERENCE_DATE, REPO, Company, PrefectServer

NAMES = {"alpha": "Alpha Treuhand AG", "beta": "Beta Garage GmbH", "gamma": "Gamma Café SA"}
TOKENS = {name: f"tok-{name}-e2e-do-not-print" for name in NAMES}


@pytest.fixture
def companies(logs: Path, tmp_path: Path) -> Iterator[dict[str, Company]]:
    """Three sandboxes, each its own account with its own token and invoices."""
    started: dict[str, Company] = {}
    services = []
    try:
        for seed, name in enumerate(NAMES, 3):
            port = free_port()
            sandbox = Service(
                f"sandbox-{name}",
                [
                    bin_path("dunning"), "sandbox", "--port", str(port), "--today",
                    REFERENCE_DATE, "--token", TOKENS[name], "--invoices", "15", "--seed",
                    str(seed),
                ],
                clean_environ(),
                logs,
            )  # fmt: skip
            services.append(sandbox)
            sandbox.wait_http(f"http://127.0.0.1:{port}/2.0/language", timeout=60)
            started[name] = Company(
                f"http://127.0.0.1:{port}", tmp_path / "output" / name, "http://127.0.0.1:1"
            )
        yield started
    finally:
        for service in services:
            service.stop()


def _levels(company: Company, token: str) -> dict[int, list[int]]:
    import httpx

    answer = httpx.get(
        f"{company.url}/_sandbox/reminders",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    answer.raise_for_status()
    levels: dict[int, list[int]] = {}
    for reminder in sorted(answer.json(), key=lambda r: r["id"]):
        levels.setdefault(reminder["kb_invoice_id"], []).append(reminder["reminder_level"])
    return levels


def _office(tmp_path: Path, companies: dict[str, Company]) -> Path:
    """Each company's policy in its folder, and the companies file naming them."""
    example = example_policy_path().read_text(encoding="utf-8")
    entries = []
    for name, company in companies.items():
        folder = tmp_path / "office" / name
        folder.mkdir(parents=True)
        (folder / "policy.toml").write_text(
            example.replace('name = "Muster AG"', f'name = "{NAMES[name]}"', 1), encoding="utf-8"
        )
        entries.append(
            f'[[company]]\nname = "{name}"\ntoken_block = "bexio-{name}"\n'
            f'policy = "{name}/policy.toml"\nbase_url = "{company.url}"\n'
        )
    path = tmp_path / "office" / "companies.toml"
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def test_three_companies_run_on_two_workers_each_with_its_own_token_and_letters(
    prefect: PrefectServer, companies: dict[str, Company], tmp_path: Path, logs: Path
) -> None:
    env = {
        **prefect.env,
        "DUNNING_COMPANIES": str(_office(tmp_path, companies)),
        "DUNNING_OUTPUT": str(tmp_path / "output"),
        "BEXIO_UNPAID_EXTENSION": "true",
        "PWD": str(REPO),
    }
    for name, token in TOKENS.items():
        run_cli(
            [
                bin_path("python"),
                "-c",
                "import os; from prefect.blocks.system import Secret; "
                f"Secret(value=os.environ['SECRET_VALUE']).save('bexio-{name}', overwrite=True)",
            ],
            {**env, "SECRET_VALUE": token},
            REPO,
        )
    # A pool of its own: the session's server is shared with the `monthly` deployment's test.
    deployed = run_cli([bin_path("dunning"), "deploy", "--pool", "office-pool"], env, REPO)
    assert "3 deployments on the work pool office-pool" in deployed, deployed
    before = {name: _levels(c, TOKENS[name]) for name, c in companies.items()}

    workers = [
        Service(
            f"worker-{n}",
            [bin_path("prefect"), "worker", "start", "--pool", "office-pool"],
            {**env, "PREFECT_WORKER_QUERY_SECONDS": "1"},
            logs,
        )
        for n in (1, 2)
    ]
    runs: dict[str, str] = {}
    try:
        for name in NAMES:
            started = run_cli(
                [
                    bin_path("prefect"), "deployment", "run", f"dunning-run/{name}", "-p",
                    f"reference_date={REFERENCE_DATE}", "-p", "confirm_reference_date=true",
                ],
                env,
                REPO,
            )  # fmt: skip
            runs[name] = re.search(r"UUID: ([0-9a-f-]{36})", started).group(1)  # type: ignore[union-attr]
        forms = {name: prefect.api.wait_for_form(run, timeout=240) for name, run in runs.items()}
        for name, run in runs.items():
            assert prefect.api.state(run) == ("PAUSED", "Suspended")
            assert f"**Company {name}**" in prefect.api.form_description(run)
        # The approvers answer in their own order.
        for name in ("gamma", "alpha", "beta"):
            labels = forms[name]["properties"]["selected"]["default"]
            prefect.api.resume(runs[name], {"selected": labels, "note": f"ok for {name}"})
        for run in runs.values():
            assert prefect.api.wait_for_final_state(run, timeout=300) == (
                "COMPLETED",
                "Completed",
            ), "\n".join(w.log()[-3000:] for w in workers)
    finally:
        for worker in workers:
            worker.stop()

    everything = []
    for name, company in companies.items():
        (folder,) = [p for p in company.output.iterdir() if p.is_dir()]  # runs
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["status"] == "completed" and manifest["flow_run_id"] == runs[name]
        escalated = {
            ln["invoice_id"]: ln["to_level"]
            for ln in manifest["lines"]
            if ln["outcome"] == "ESCALATED"
        }
        assert escalated, name
        after = _levels(company, TOKENS[name])
        added = {
            i: lv[len(before[name].get(i, [])) :]
            for i, lv in after.items()
            if len(lv) > len(before[name].get(i, []))
        }
        assert added == {i: [level] for i, level in escalated.items()}, name
        letters = PdfReader(folder / "letters.pdf")
        assert NAMES[name] in letters.pages[0].extract_text(), name  # its own letterhead
        run = prefect.api.flow_run(runs[name])
        assert run["parameters"] == {"company": name, "approval": True, **_given()}
        assert f"company:{name}" in run["tags"]
        everything.append(json.dumps(run))
        everything += [
            json.dumps(log)
            for log in prefect.api.post(
                "/logs/filter", {"logs": {"flow_run_id": {"any_": [runs[name]]}}}
            )
        ]
        everything += [
            json.dumps(a)
            for a in prefect.api.post(
                "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [runs[name]]}}}
            )
        ]
        everything.append(json.dumps(prefect.api.get(f"/deployments/name/dunning-run/{name}")))
    text = "\n".join(everything)
    assert "Summary of run" in text and "of company gamma" in text
    for token in TOKENS.values():
        assert token not in text


def _given() -> dict[str, object]:
    """The parameters the test gave `prefect deployment run`."""
    return {"reference_date": REFERENCE_DATE, "confirm_reference_date": True}
