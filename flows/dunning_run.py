"""The `dunning-run` flow: fetch, propose, approve, commit, letters, deliver, record.

A run lives in its own folder under the output directory. Running the flow again with the
same `run_id` (a retry) reuses the stored proposal and approval and redoes only what is
not done, so no reminder and no letter is ever made twice.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from dunning.manifest import build_manifest
from dunning.outcome import Result
from dunning.proposal import Decision
from dunning.report import approval_description, proposal_rows, summary_markdown
from dunning.run_plan import RunStatus, draft_results, dry_run_results, final_status
from dunning.runs import RunFolder
from flows.approval import Approval, ask_for_approval
from flows.run_inputs import BadInput, RunSetup, make_client, prepare, zurich_now
from flows.stages import FolderJournal, Letter, commit, deliver, load_or_propose, make_letters

__all__ = ["dunning_run", "new_run_id", "RUN_POLICY", "RUN_BLOCKS"]

RUN_POLICY, RUN_BLOCKS = "policy.toml", "blocks.toml"  # copies kept in the run folder


def _flow_run_suffix() -> str | None:
    current = flow_run.get_id()
    return str(current).replace("-", "")[:8] if current else None


def new_run_id(reference_date: date) -> str:
    """`<reference date>-<8 hex>`: the hex is the flow run's id where there is one."""
    return f"{reference_date.isoformat()}-{_flow_run_suffix() or uuid.uuid4().hex[:8]}"


def _earlier_attempt(output: Path) -> str | None:
    """The folder this flow run already made: a resumed suspend or a retry from the UI
    runs the flow again from the top, maybe days later, under the same flow run id."""
    suffix = _flow_run_suffix()
    found = sorted(output.glob(f"????-??-??-{suffix}")) if suffix and output.is_dir() else []
    return found[0].name if found else None


@flow(name="dunning-run", log_prints=False, persist_result=True)
def dunning_run(
    reference_date: date | None = None,
    policy: str | None = None,
    blocks: str | None = None,
    output: str | None = None,
    approval: bool = False,
    dry_run: bool = False,
    send: bool = False,
    run_id: str | None = None,
    poll_interval: int = 10,
    approval_timeout_hours: int = 168,
) -> State:
    """One dunning run against bexio; `run_id` names an earlier run to retry."""
    setup = prepare(reference_date, policy, blocks, output)
    folder, meta = _open_folder(setup, run_id, approval=approval, dry_run=dry_run, send=send)
    setup = replace(setup, reference_date=date.fromisoformat(meta["reference_date"]))
    with make_client(setup.settings) as client:
        decisions = load_or_propose(client, setup, folder)
        create_table_artifact(
            proposal_rows(decisions),
            key="dunning-proposal",
            description=f"Proposal of run {folder.run_id}",
        )
        answer = _approval(
            client, setup, folder, meta, decisions, poll_interval, approval_timeout_hours * 3600
        )
        if meta["dry_run"]:
            results: dict[int, Result] = {}  # pushes nothing; writes letters as if it did
            letters = make_letters(
                client,
                folder,
                setup.policy,
                setup.reference_date,
                decisions,
                dry_run_results(decisions),
            )
        else:
            journal = FolderJournal(folder)
            results, ahead = commit(client, folder, decisions, answer, setup)
            letters = make_letters(
                client, folder, setup.policy, setup.reference_date, decisions, results, ahead=ahead
            )
            deliver(client, folder, letters, results, meta["send"], journal.record)
        status = final_status(results.values(), dry_run=meta["dry_run"])
        manifest = _write_manifest(folder, meta, decisions, results, letters, status)
    _publish(setup, folder, manifest)
    summary = _summary(folder, manifest)
    if status is RunStatus.FAILED:
        failed = manifest["counts"]["outcomes"].get("FAILED", 0)
        return Failed(
            message=f"{failed} invoices failed; retry with: dunning retry {folder.run_id}",
            data=summary,
        )
    return Completed(message=f"run {folder.run_id} {manifest['status']}", data=summary)


def _open_folder(
    setup: RunSetup, run_id: str | None, **flags: bool
) -> tuple[RunFolder, dict[str, Any]]:
    """A new run's folder, or the folder of the run being retried (its settings win)."""
    run_id = run_id or _earlier_attempt(setup.output)
    if run_id and (setup.output / run_id).is_dir():
        folder = RunFolder.open(setup.output, run_id)
        meta = folder.load_json("run.json")
        if meta["policy"]["sha256"] != setup.policy.sha256:
            raise BadInput(
                f"the policy file changed since run {run_id} started; a retry must use "
                f"the same policy (version {meta['policy']['version']})."
            )
        return folder, meta
    run_id = run_id or new_run_id(setup.reference_date)
    meta = {
        "run_id": run_id,
        "flow_run_id": str(flow_run.get_id() or ""),
        "reference_date": setup.reference_date.isoformat(),
        "policy": {"version": setup.policy.version, "sha256": setup.policy.sha256},
        "started_at": zurich_now(),
        **flags,
    }
    folder = RunFolder.create(setup.output, run_id, {"run.json": meta, **_input_copies(setup)})
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
    if setup.blocks_path is not None:
        copies[RUN_BLOCKS] = setup.blocks_path.read_bytes()
    return copies


def _approval(
    client: Any,
    setup: RunSetup,
    folder: RunFolder,
    meta: dict[str, Any],
    decisions: list[Decision],
    poll_interval: int,
    timeout_s: int,
) -> Approval:
    """The stored answer on a retry; else the approver's, or everything without approval."""
    stored = folder.load_json("approval.json")
    if stored is not None:
        return Approval.from_dict(stored)
    proposed = [d for d in decisions if d.proposed]
    if not meta["approval"] or not proposed or meta["dry_run"]:
        answer = Approval.everything(proposed)
    else:
        _write_manifest(folder, meta, decisions, {}, {}, RunStatus.AWAITING_APPROVAL)
        draft = _draft_letters(client, setup, folder, decisions)
        description = approval_description(folder.run_id, meta["reference_date"], decisions, draft)
        answer = ask_for_approval(
            proposed, description, poll_interval=poll_interval, timeout_s=timeout_s
        )
    folder.save_json("approval.json", answer.to_dict())
    return answer


def _draft_letters(
    client: Any, setup: RunSetup, folder: RunFolder, decisions: list[Decision]
) -> str | None:
    """Draft letters for the approver, in `<run>/draft/`; their URL for the form."""
    drafts = draft_results(decisions)
    if not drafts:
        return None
    # A suspended run starts again from the top once resumed: the drafts are there already.
    if folder.load_json("draft.json") is None:
        make_letters(
            client,
            folder,
            setup.policy,
            setup.reference_date,
            decisions,
            drafts,
            target=folder.path / "draft",
        )
        folder.save_json("draft.json", {"letters": len(drafts)})
    return _url(setup, f"{folder.run_id}/draft/letters.pdf")


def _url(setup: RunSetup, relative: str) -> str:
    return f"{setup.settings.dunning_files_url.rstrip('/')}/{relative}"


def _write_manifest(
    folder: RunFolder,
    meta: dict[str, Any],
    decisions: list[Decision],
    results: dict[int, Result],
    letters: dict[int, Letter],
    status: RunStatus,
) -> dict[str, Any]:
    manifest = build_manifest(
        meta,
        decisions,
        results,
        letters,
        status,
        run_id=folder.run_id,
        flow_run_id=str(flow_run.get_id() or ""),
        now=zurich_now(),
    )
    folder.save_json("manifest.json", manifest)
    return manifest


def _publish(setup: RunSetup, folder: RunFolder, manifest: dict[str, Any]) -> None:
    merged = _url(setup, f"{folder.run_id}/letters.pdf") if manifest["merged_pdf"] else None
    create_markdown_artifact(
        summary_markdown(manifest, merged),
        key="dunning-summary",
        description=f"Summary of run {folder.run_id}",
    )
    if merged:
        create_link_artifact(
            merged, link_text=f"Letters of run {folder.run_id} (merged PDF)", key="dunning-letters"
        )
    get_run_logger().info("run %s %s: %s", folder.run_id, manifest["status"], manifest["counts"])


def _summary(folder: RunFolder, manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": folder.run_id,
        "status": manifest["status"],
        "counts": manifest["counts"],
        "manifest": str(folder.manifest_path),
        "merged_pdf": str(folder.merged_pdf) if manifest["merged_pdf"] else None,
    }
