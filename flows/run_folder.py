"""A run's folder: made with its first files for a new run, or reopened for a run that
exists.

A run is reopened by one function, `reopen`, in every case: the retry of a failed run
(`dunning retry`, or a retry of the flow run from the Prefect UI) and the resume of a
suspended run (a deployment run that waited for its approver starts again from the top,
maybe days later and on another worker). Either way it goes on as it started: with the
flags and reference date of its `run.json` and its own copies of the policy and blocks
files, whatever the caller or the settings say by then.
"""

from __future__ import annotations

import hashlib
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger
from prefect.runtime import flow_run

from dunning.run_lock import run_lock
from dunning.runs import RunFolder
from dunning.undo import UNDO_FILE
from flows import progress
from flows.run_inputs import (
    BadInput,
    RunSetup,
    check_mail_settings,
    check_reference_date,
    earlier_date_notice,
    output_folder,
    prepare,
    zurich_now,
)
from flows.run_params import RunParams

__all__ = ["OpenRun", "Reopened", "RUN_POLICY", "RUN_BLOCKS", "new_run_id", "open_run", "reopen"]

RUN_JSON, RUN_POLICY, RUN_BLOCKS = "run.json", "policy.toml", "blocks.toml"


@dataclass(frozen=True)
class Reopened:
    """A run that exists, and the parameters it goes on with."""

    folder: RunFolder
    meta: dict[str, Any]  # its run.json
    params: RunParams


@dataclass(frozen=True)
class OpenRun:
    """A run ready to work: its inputs read and checked, its folder, its run.json."""

    setup: RunSetup
    folder: RunFolder
    meta: dict[str, Any]
    params: RunParams


def _tell_about_the_date(day: date, *, dry_run: bool) -> None:
    notice = earlier_date_notice(day, dry_run=dry_run)
    if notice:
        get_run_logger().info(notice)
        progress.notice(notice)


def _flow_run_suffix() -> str | None:
    current = flow_run.get_id()
    return str(current).replace("-", "")[:8] if current else None


def new_run_id(reference_date: date) -> str:
    """`<reference date>-<8 hex>`: the hex is the flow run's id where there is one."""
    return f"{reference_date.isoformat()}-{_flow_run_suffix() or uuid.uuid4().hex[:8]}"


def reopen(output: Path, run_id: str, asked: RunParams | None = None) -> Reopened:
    """The run `run_id` in `output` with the parameters it started with; what it did not
    store (the approval's poll interval and timeout, a policy or blocks file it has no
    copy of) comes from `asked`. Raises RunNotFound, or BadInput without a run.json."""
    folder = RunFolder.open(output, run_id)
    meta = folder.load_json(RUN_JSON)
    if not isinstance(meta, dict):
        raise BadInput(f"run {run_id} in {output} has no run.json; it cannot be retried.")
    if isinstance(folder.load_json(UNDO_FILE), dict):
        raise BadInput(
            f"run {run_id} was undone with `dunning undo`: its reminders were deleted in "
            "bexio, so going on with it would write letters for reminders that no longer "
            "exist. Nothing was done. Start a new run for the invoices that still need a "
            "reminder."
        )
    asked = asked or RunParams()
    params = replace(
        asked,
        reference_date=date.fromisoformat(meta["reference_date"]),
        policy=_kept(folder.path / RUN_POLICY) or asked.policy,
        blocks=_kept(folder.path / RUN_BLOCKS) or asked.blocks,
        output=str(output),
        run_id=run_id,
        approval=bool(meta["approval"]),
        dry_run=bool(meta["dry_run"]),
        send=bool(meta["send"]),
        company=meta.get("company"),  # runs of older versions name none
    )
    return Reopened(folder, meta, params)


def open_run(params: RunParams, held: ExitStack) -> OpenRun:
    """The run these parameters name, reopened, or else a new run with a folder of its own.

    A run exists when `run_id` names one, or when this flow run already made one (its
    folder ends with the flow run's id): a resumed suspend or a retry from the UI. The
    run's lock is taken before anything of the run is read, and held until `held` closes:
    one process at a time works on a run (another one is told which process is busy)."""
    output = output_folder(params.output)
    run_id = params.run_id or _earlier_attempt(output)
    if run_id and (output / run_id).is_dir():
        held.enter_context(run_lock(output / run_id, run_id))
        reopened = reopen(output, run_id, params)
        setup = _prepare(reopened.params)
        if reopened.meta["policy"]["sha256"] != setup.policy.sha256:
            raise BadInput(
                f"the policy file changed since run {run_id} started; a retry must use "
                f"the same policy (version {reopened.meta['policy']['version']})."
            )
        return OpenRun(setup, reopened.folder, reopened.meta, reopened.params)
    setup = _prepare(params)
    check_reference_date(
        setup.reference_date,
        dry_run=params.dry_run,
        confirmed=params.confirm_reference_date,
        flags=("the parameter reference_date", "the parameter confirm_reference_date: true"),
    )
    params = replace(
        params, reference_date=setup.reference_date, output=str(setup.output), run_id=run_id
    )
    folder, meta = _create(setup, params, held)
    _tell_about_the_date(setup.reference_date, dry_run=params.dry_run)
    return OpenRun(setup, folder, meta, replace(params, run_id=folder.run_id))


def _prepare(params: RunParams) -> RunSetup:
    setup = prepare(
        params.reference_date, params.policy, params.blocks, params.output, company=params.company
    )
    check_mail_settings(setup.settings, setup.policy, send=params.send and not params.dry_run)
    return setup


def _earlier_attempt(output: Path) -> str | None:
    """The folder this flow run already made, if any."""
    suffix = _flow_run_suffix()
    found = sorted(output.glob(f"????-??-??-{suffix}")) if suffix and output.is_dir() else []
    return found[0].name if found else None


def _create(
    setup: RunSetup, params: RunParams, held: ExitStack
) -> tuple[RunFolder, dict[str, Any]]:
    run_id = params.run_id or new_run_id(setup.reference_date)
    meta = {
        "run_id": run_id,
        "flow_run_id": str(flow_run.get_id() or ""),
        "reference_date": setup.reference_date.isoformat(),
        "policy": {"version": setup.policy.version, "sha256": setup.policy.sha256},
        "started_at": zurich_now(),
        "approval": params.approval,
        "dry_run": params.dry_run,
        "send": params.send,
        "company": params.company,
    }
    folder = RunFolder.create(
        setup.output,
        run_id,
        {RUN_JSON: meta, **_input_copies(setup)},
        hold=lambda path: held.enter_context(run_lock(path, run_id)),
    )
    return folder, meta


def _input_copies(setup: RunSetup) -> dict[str, bytes]:
    """The run's own policy and blocks files: a retry reads these, whatever the settings
    say by then, so it proposes and writes letters by the rules the run started with."""
    copies = {}
    if setup.policy_path is not None:
        policy = setup.policy_path.read_bytes()
        if hashlib.sha256(policy).hexdigest() != setup.policy.sha256:
            raise BadInput(
                f"{setup.policy_path}: the policy file changed while the run started; "
                "start the run again."
            )
        copies[RUN_POLICY] = policy
        logo = setup.policy.letters.logo
        if logo is not None and logo.is_relative_to(setup.policy_path.parent):
            # The copy of the policy names its logo relative to itself: keep one beside it.
            copies[logo.relative_to(setup.policy_path.parent).as_posix()] = logo.read_bytes()
    if setup.blocks_path is not None:
        copies[RUN_BLOCKS] = setup.blocks_path.read_bytes()
    return copies


def _kept(path: Path) -> str | None:
    """A copy of an input file in the run's folder (runs of older versions have none)."""
    return str(path) if path.is_file() else None
