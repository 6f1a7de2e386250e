"""The parameters of one run: what `dunning run`, `dunning retry`, the demo and the
flow's Prefect parameters (docs/INTERFACES.md, "Prefect") all say about a run.

The flow keeps them as separate Prefect parameters, so a deployment sets them one by one
(`approval: true` in prefect.yaml, `-p reference_date=...`); the flow turns them into a
`RunParams` on its first line, and a test keeps its signature and these fields the same.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

__all__ = ["RunParams"]


@dataclass(frozen=True)
class RunParams:
    """One run's parameters; None means "from the settings" (or today, for the date)."""

    reference_date: date | None = None
    policy: str | None = None  # a policy file; DUNNING_POLICY or ./policy.toml; else none
    blocks: str | None = None  # a blocks file; DUNNING_BLOCKS
    output: str | None = None  # where runs are stored; DUNNING_OUTPUT
    approval: bool = False  # wait for a person in the Prefect UI
    dry_run: bool = False  # propose, render and record; push nothing
    send: bool = False  # e-mail reminders through bexio
    run_id: str | None = None  # the run to retry or resume; a new run when it has no folder
    poll_interval: int = 10  # seconds between looks for the approver's answer
    approval_timeout_hours: int = 168  # then the run fails and pushes nothing
    confirm_reference_date: bool = False  # a committing run more than a week from today
    company: str | None = None  # a company of the companies file; its token from a Secret block

    def as_flow_parameters(self) -> dict[str, Any]:
        """The keyword arguments of the `dunning-run` flow."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
