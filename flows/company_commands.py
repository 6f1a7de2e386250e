"""The commands for many companies: one deployment each, and the latest run of each.

`dunning deploy` makes (or updates) the deployment `dunning-run/<company>` for every
company of the companies file, on a process work pool: its schedule in Europe/Zurich, its
approval setting, the parameter `company` (never the token: a run reads that from the
company's Secret block on the worker), the tags `dunning` and `company:<name>`, and a
concurrency limit of one, so that runs of one company never overlap while runs of different
companies proceed on as many workers as are started.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from dunning.companies import Company
from dunning.runs import list_runs
from flows.cancelled_runs import record_cancelled_runs
from flows.console import console, errors, runs_table
from flows.run_inputs import BadInput
from flows.settings import SettingsError, load_settings

__all__ = ["deploy_companies", "list_company_runs", "PROJECT", "ENTRYPOINT", "ZURICH_TZ"]

PROJECT = Path(__file__).resolve().parent.parent  # the folder a worker runs the flow from
ENTRYPOINT = "flows/dunning_run.py:dunning_run"
ZURICH_TZ = "Europe/Zurich"
EXIT_OK, EXIT_BAD_INPUT = 0, 2


def _companies() -> tuple[Company, ...]:
    from flows.companies import all_companies

    try:
        return all_companies(load_settings())
    except SettingsError as exc:
        raise BadInput(str(exc)) from None


def deploy_companies(pool: str) -> int:
    """`dunning deploy`: a deployment per company on the process work pool `pool`."""
    try:
        companies = _companies()
        _check_policies(companies)
    except BadInput as exc:
        errors.print(f"[bold red]dunning:[/] {escape(str(exc))}", highlight=False)
        return EXIT_BAD_INPUT
    from flows.company_deployments import deploy_one, ensure_pool

    ensure_pool(pool)
    for company in companies:
        deploy_one(company, pool)
        when = f"schedule {company.schedule} ({ZURICH_TZ})" if company.schedule else "no schedule"
        approval = "with approval" if company.approval else "without approval"
        console.print(
            escape(f"dunning-run/{company.name}: {when}, {approval}, tag {company.tag}"),
            highlight=False,
        )
    console.print(
        escape(
            f"{len(companies)} deployments on the work pool {pool}. Start workers with: "
            f"prefect worker start --pool {pool}"
        ),
        highlight=False,
    )
    return EXIT_OK


def _check_policies(companies: tuple[Company, ...]) -> None:
    """A deployment whose policy cannot load would fail every month: refuse it now."""
    from dunning.policy_file import PolicyError, load_policy

    for company in companies:
        try:
            load_policy(company.policy)
        except PolicyError as exc:
            raise BadInput(f'company "{company.name}": {exc}') from None


def list_company_runs() -> int:
    """`dunning runs --all-companies`: the latest run of every company."""
    try:
        companies = _companies()
    except BadInput as exc:
        errors.print(f"[bold red]dunning:[/] {escape(str(exc))}", highlight=False)
        return EXIT_BAD_INPUT
    latest, names, without = [], [], []
    for company in companies:
        manifests = list_runs(company.output)
        record_cancelled_runs(company.output, manifests)
        if manifests:
            latest.append(manifests[0])
            names.append(company.name)
        else:
            without.append(company.name)
    if latest:
        console.print(runs_table(latest, "Latest run of each company", names))
    for name, manifest in zip(names, latest, strict=True):
        if manifest["status"] == "failed":
            errors.print(
                escape(
                    f"{name}: run {manifest['run_id']} failed; retry it with: dunning retry "
                    f"{manifest['run_id']} --company {name}"
                ),
                highlight=False,
            )
    if without:
        console.print(escape(f"No runs yet: {', '.join(without)}"), highlight=False)
    return EXIT_OK
