"""The `dunning-run` flow: fetch, propose, approve, commit, letters, deliver, record.

A run lives in its own folder under the output directory. Running the flow again with the
same `run_id` (a retry), or resuming it after it suspended, reopens that folder
(`flows/run_folder.py`) and redoes only what is not done, so no reminder and no letter is
ever made twice.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from contextlib import ExitStack
from datetime import date
from typing import Any

from prefect import State, flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run
from prefect.states import Cancelled, Completed, Failed

from connectors.client import BexioClient
from dunning.manifest import manifest_head, manifest_lines
from dunning.outcome import Result, is_internal_error
from dunning.periods import is_settings_stop
from dunning.proposal import Decision
from dunning.report import (
    PROPOSAL_TABLE_ROWS,
    approval_description,
    proposal_rows,
    proposal_table_description,
    summary_markdown,
)
from dunning.run_plan import (
    RunStatus,
    asks_approver,
    draft_results,
    dry_run_results,
    final_status,
)
from dunning.run_sheet import RUN_SHEET, write_run_sheet
from dunning.run_warnings import group_warnings
from dunning.runs import RunFolder, StoredItems
from dunning.stored_decisions import select
from flows.approval import Approval, ApprovalCancelled, ask_for_approval, keep_holds
from flows.approval_large import LARGE_PROPOSAL
from flows.enforcement_stage import hand_over
from flows.letter_stage import Letter, letters_ahead, make_letters
from flows.mail_stage import deliver_own_letters, to_print, write_letters_to_print
from flows.run_folder import OpenRun, open_run
from flows.run_inputs import RunSetup, make_client, zurich_now
from flows.run_params import RunParams
from flows.stages import FolderJournal, commit, deliver, load_or_propose

__all__ = ["dunning_run"]


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
    confirm_reference_date: bool = False,
    company: str | None = None,
) -> State[Any]:
    """One dunning run against bexio; `run_id` names an earlier run to retry (the
    parameters are those of `RunParams`)."""
    params = RunParams(
        reference_date=reference_date,
        policy=policy,
        blocks=blocks,
        output=output,
        approval=approval,
        dry_run=dry_run,
        send=send,
        run_id=run_id,
        poll_interval=poll_interval,
        approval_timeout_hours=approval_timeout_hours,
        confirm_reference_date=confirm_reference_date,
        company=company,
    )
    with ExitStack() as held:  # the run's lock, until the last push is done
        return _work(open_run(params, held))


def _work(run: OpenRun) -> State[Any]:
    setup, folder, meta = run.setup, run.folder, run.meta
    with make_client(setup.settings) as client:
        decisions = load_or_propose(client, setup, folder, pushes=not run.params.dry_run)
        _proposal_table(setup, folder, decisions)
        try:
            answer = _approval(client, run, decisions)
        except ApprovalCancelled as exc:
            _write_manifest(folder, meta, decisions, {}, {}, RunStatus.CANCELLED)
            get_run_logger().warning("run %s: %s", folder.run_id, exc)
            return Cancelled(message=f"run {folder.run_id}: {exc}")
        if run.params.dry_run:
            results: MutableMapping[int, Result] = {}  # pushes nothing; writes letters as if it did
            printed: list[int] = []  # and posts nothing
            letters: Mapping[int, Letter] = make_letters(
                client,
                folder,
                setup.policy,
                setup.reference_date,
                decisions,
                dry_run_results(decisions),
            )
        else:
            results, letters = _commit_and_deliver(client, run, decisions, answer)
            printed = to_print(letters, send=run.params.send)
            write_letters_to_print(folder, letters, printed, setup.policy)
        requests = hand_over(client, folder, setup.policy, setup.reference_date, decisions, results)
        status = final_status(results.values(), dry_run=run.params.dry_run)
        manifest = _write_manifest(
            folder, meta, decisions, results, letters, status, enforcement=requests, printed=printed
        )
    warnings = _warnings(folder, manifest["lines"])
    _publish(setup, folder, manifest, warnings)
    summary = _summary(folder, manifest, warnings)
    if status is RunStatus.FAILED:
        failed = manifest["counts"]["outcomes"].get("FAILED", 0)
        if summary["stopped"]:
            return Failed(
                message=f"{failed} invoices failed: {summary['stopped'][0]}", data=summary
            )
        return Failed(
            message=f"{failed} invoices failed; retry with: dunning retry {folder.run_id}",
            data=summary,
        )
    return Completed(message=f"run {folder.run_id} {manifest['status']}", data=summary)


def _commit_and_deliver(
    client: BexioClient, run: OpenRun, decisions: Sequence[Decision], answer: Approval
) -> tuple[MutableMapping[int, Result], Mapping[int, Letter]]:
    """Push the approved changes, write their letters (rendered meanwhile), deliver them."""
    setup, folder = run.setup, run.folder
    record = FolderJournal(folder).record
    with letters_ahead(client, folder, setup, mails=run.params.send) as ahead:
        results = commit(client, folder, decisions, answer, setup, ahead)
        letters: MutableMapping[int, Letter] = make_letters(
            client,
            folder,
            setup.policy,
            setup.reference_date,
            decisions,
            results,
            ahead=ahead,
            mails=run.params.send,
            record=record,
        )
    if run.params.send and setup.policy.letters.source == "own":
        letters = deliver_own_letters(
            client, folder, setup.settings, setup.policy, letters, results, record
        )
    else:
        deliver(client, folder, letters, results, run.params.send, record)
    return results, letters


def _proposal_table(setup: RunSetup, folder: RunFolder, decisions: Sequence[Decision]) -> None:
    """The proposal as a table in Prefect (its first rows; the rest in the spreadsheet)."""
    rows = proposal_rows(
        decisions,
        setup.reference_date,
        unpaid_extension=setup.settings.bexio_unpaid_extension,
        limit=PROPOSAL_TABLE_ROWS,
    )
    create_table_artifact(
        rows,
        key="dunning-proposal",
        description=proposal_table_description(
            _run_name(setup, folder),
            len(rows),
            len(decisions),
            _url(setup, f"{folder.run_id}/{RUN_SHEET}"),
        ),
    )


def _approval(client: BexioClient, run: OpenRun, decisions: Sequence[Decision]) -> Approval:
    """The stored answer on a retry; else the approver's, or everything without approval."""
    folder, meta, params = run.folder, run.meta, run.params
    stored = folder.load_json("approval.json")
    if stored is not None:
        return Approval.from_dict(stored)
    proposed = select(decisions, lambda _, proposed: proposed)
    if not asks_approver(proposed, approval=params.approval, dry_run=params.dry_run):
        answer = Approval.everything(proposed)
    else:
        _write_manifest(folder, meta, decisions, {}, {}, RunStatus.AWAITING_APPROVAL)
        draft = _draft_letters(client, run.setup, folder, decisions)
        drafted = (folder.load_json("draft.json") or {}).get("warnings", {})
        lines = [
            {
                "invoice_id": d.invoice.id,
                "warning": _joined(d.invoice.warning, drafted.get(str(d.invoice.id))),
            }
            for d in decisions
        ]
        description = approval_description(
            folder.run_id,
            meta["reference_date"],
            decisions,
            draft,
            unpaid_extension=run.setup.settings.bexio_unpaid_extension,
            warnings=_warnings(folder, lines),
            letters_from_bexio=run.setup.policy.letters.source == "bexio",
            sheet_url=_url(run.setup, f"{folder.run_id}/{RUN_SHEET}"),
            large_form=len(proposed) > LARGE_PROPOSAL,
        )
        if run.setup.company is not None:  # an approver of many companies sees whose it is
            description = f"**Company {run.setup.company}**\n\n{description}"
        answer = ask_for_approval(
            proposed,
            description,
            poll_interval=params.poll_interval,
            timeout_s=params.approval_timeout_hours * 3600,
            unpaid_extension=run.setup.settings.bexio_unpaid_extension,
            reference_date=run.setup.reference_date,
        )
        # Kept before the answer is stored: a run that stops in between is asked again
        # (or replays the answer), and a hold kept already is not kept twice.
        answer = keep_holds(
            answer,
            proposed,
            run.setup.output,
            folder.run_id,
            run.setup.reference_date,
            zurich_now(),
        )
    folder.save_json("approval.json", answer.to_dict())
    return answer


def _draft_letters(
    client: BexioClient, setup: RunSetup, folder: RunFolder, decisions: Sequence[Decision]
) -> str | None:
    """Draft letters for the approver, in `<run>/draft/`; their URL for the form."""
    drafts = draft_results(decisions)
    if not drafts:
        return None
    # A suspended run starts again from the top once resumed: the drafts are there already.
    if folder.load_json("draft.json") is None:
        made = make_letters(
            client,
            folder,
            setup.policy,
            setup.reference_date,
            decisions,
            drafts,
            target=folder.path / "draft",
            draft=True,
        )
        warnings = {str(i): letter.warning for i, letter in made.items() if letter.warning}
        folder.save_json("draft.json", {"letters": len(drafts), "warnings": warnings})
    return _url(setup, f"{folder.run_id}/draft/letters.pdf")


def _run_name(setup: RunSetup, folder: RunFolder) -> str:
    """ "run <id>", and its company where the companies file names one."""
    if setup.company is None:
        return f"run {folder.run_id}"
    return f"run {folder.run_id} of company {setup.company}"


def _url(setup: RunSetup, relative: str) -> str:
    """The file's link under DUNNING_FILES_URL, which publishes the output folder; a
    company's runs are in its own folder there."""
    base = setup.settings.dunning_files_url.rstrip("/")
    if setup.company is not None and setup.output.name == setup.company:
        return f"{base}/{setup.company}/{relative}"
    return f"{base}/{relative}"


def _write_manifest(
    folder: RunFolder,
    meta: dict[str, Any],
    decisions: Sequence[Decision],
    results: MutableMapping[int, Result],
    letters: Mapping[int, Letter],
    status: RunStatus,
    *,
    enforcement: dict[int, str] | None = None,
    printed: Sequence[int] = (),
) -> dict[str, Any]:
    head = manifest_head(
        meta,
        decisions,
        results,
        status,
        run_id=folder.run_id,
        flow_run_id=str(flow_run.get_id() or ""),
        now=zurich_now(),
        letters=bool(letters),
        enforcement=bool(enforcement),
        to_print=len({letters[i].relative for i in printed}),  # a customer's letter once
    )
    lines = manifest_lines(decisions, results, letters, enforcement)
    folder.save_json_items("manifest.json", head, "lines", lines)
    # The lines are read back from the file at each pass: a large run never holds them all.
    manifest = {**head, "lines": StoredItems(folder, "manifest.json", "lines")}
    write_run_sheet(manifest, folder.path / RUN_SHEET)
    return manifest


def _joined(*warnings: str | None) -> str | None:
    return "; ".join(w for w in warnings if w) or None


def _warnings(folder: RunFolder, lines: list[dict[str, Any]]) -> list[str]:
    """The run's warnings, counted by kind: ended holds and blocks, letters without a
    QR-bill, shortened addresses, others (docs/INTERFACES.md "Warnings")."""
    expired = (folder.json_head("proposal.json", "decisions") or {}).get("expired_blocks", [])
    return [group.text() for group in group_warnings(lines, expired)]


def _publish(
    setup: RunSetup, folder: RunFolder, manifest: dict[str, Any], warnings: list[str]
) -> None:
    merged = _url(setup, f"{folder.run_id}/letters.pdf") if manifest["merged_pdf"] else None
    create_markdown_artifact(
        summary_markdown(
            manifest,
            merged,
            _url(setup, f"{folder.run_id}/{RUN_SHEET}"),
            files_url=_url(setup, folder.run_id),
            warnings=warnings,
        ),
        key="dunning-summary",
        description=f"Summary of {_run_name(setup, folder)}",
    )
    if merged:
        create_link_artifact(
            merged,
            link_text=f"Letters of {_run_name(setup, folder)} (merged PDF)",
            key="dunning-letters",
        )
    get_run_logger().info("run %s %s: %s", folder.run_id, manifest["status"], manifest["counts"])


def _summary(folder: RunFolder, manifest: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    failed = [line["error"] for line in manifest["lines"] if line["outcome"] == "FAILED"]
    stops = [error for error in failed if is_settings_stop(error)]
    return {
        "run_id": folder.run_id,
        "warnings": warnings,
        "status": manifest["status"],
        "counts": manifest["counts"],
        "manifest": str(folder.manifest_path),
        "sheet": str(folder.path / RUN_SHEET),
        "merged_pdf": str(folder.merged_pdf) if manifest["merged_pdf"] else None,
        # Why pushes of a level stopped (one each); `retry` is whether a retry can help.
        "stopped": sorted(set(stops)),
        "retry": len(stops) < len(failed),
        "enforcement": (
            {
                "csv": str(folder.path / manifest["enforcement_csv"]),
                "requests": sum(1 for line in manifest["lines"] if line.get("enforcement")),
            }
            if manifest.get("enforcement_csv")
            else None
        ),
        "letters_to_print": manifest["letters_to_print"],
        "print_pdf": str(folder.path / manifest["print_pdf"]) if manifest["print_pdf"] else None,
        "errors_log": (
            str(folder.errors_log)
            if any(is_internal_error(line["error"]) for line in manifest["lines"])
            else None
        ),
    }
