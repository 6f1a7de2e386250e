"""Prefect's side of `dunning deploy`: the work pool and one deployment per company."""

from __future__ import annotations

from typing import Any, cast

from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.schedules import Cron

from dunning.companies import Company
from flows.company_commands import ENTRYPOINT, PROJECT, ZURICH_TZ

__all__ = ["deploy_one", "ensure_pool"]


def ensure_pool(pool: str) -> None:
    """A process work pool named `pool`: made when missing, as the README's set-up does."""
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            try:
                client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
            except ObjectAlreadyExists:  # made a moment ago by another deploy
                pass


def deploy_one(company: Company, pool: str) -> None:
    """Create or update `dunning-run/<company>`; the worker runs it from the project folder."""
    from flows.dunning_run import dunning_run

    # Called from sync code, so the flow itself, not a coroutine.
    flow = cast(
        "Flow[..., Any]", dunning_run.from_source(source=str(PROJECT), entrypoint=ENTRYPOINT)
    )
    flow.deploy(
        name=company.name,
        work_pool_name=pool,
        parameters={"company": company.name, "approval": company.approval},
        schedules=[Cron(company.schedule, timezone=ZURICH_TZ)] if company.schedule else [],
        concurrency_limit=1,
        tags=["dunning", company.tag],
        description=(
            f"Dunning run of the company {company.name}: its policy, blocks and output from "
            f"the companies file, its bexio token from the Secret block {company.token_block}."
        ),
        build=False,
        push=False,
        print_next_steps=False,
    )
