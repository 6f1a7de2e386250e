"""The stages of a run (propose, commit, delivery), each wiring tasks to the run's folder;
the letters stage is in `flows/letter_stage.py`.

Every stage first looks at what the run's folder already holds, so a retry of the same run
redoes only what is not done: the proposal and the approval are reused, committed
invoices are skipped, delivered reminders are not delivered again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, TypeVar
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from connectors.client import BexioClient
from connectors.deliver import Delivery, SendJournal
from dunning.blocks import Block
from dunning.holds import HoldsError, holds_as_blocks, load_holds
from dunning.letter_plan import email_text
from dunning.outcome import Result
from dunning.periods import LevelGuard, ReminderSurvey, is_settings_stop
from dunning.proposal import Decision, one_per_invoice
from dunning.record import decision_from_dict
from dunning.run_plan import deselected, needs_commit, still_to_deliver
from dunning.runs import RunFolder, WrittenWhole, result_to_event
from dunning.stored_decisions import StoredDecisions, select
from flows import progress
from flows.approval import Approval
from flows.commit_lock import commit_lock
from flows.letter_stage import Letter, LettersAhead, mail_of
from flows.prefect_tasks import (
    commit_invoices,
    deliver_reminders,
    fetch_open_invoices,
    propose_invoices,
)
from flows.run_inputs import BadInput, RunSetup

__all__ = ["FolderJournal", "load_or_propose", "commit", "deliver"]

BATCH = 200
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class FolderJournal:
    """The run's journal as the connector sees it: intents before pushes, then results."""

    def __init__(self, folder: RunFolder, kind: str = "intent") -> None:
        self.folder, self.kind = folder, kind
        self._seen = {e["invoice_id"] for e in folder.events() if e["event"] == kind}

    def intent(
        self, invoice_id: int, action: str = "send", target_level: int | None = None
    ) -> None:
        self.folder.journal(
            {
                "event": self.kind,
                "invoice_id": invoice_id,
                "action": action,
                "target_level": target_level,
            }
        )
        self._seen.add(invoice_id)

    def has_intent(self, invoice_id: int) -> bool:
        return invoice_id in self._seen

    def record(self, result: Result) -> None:
        self.folder.journal(result_to_event(result))
        if result.traceback:
            self.folder.log_internal_error(result)


def load_or_propose(
    client: BexioClient, setup: RunSetup, folder: RunFolder, *, pushes: bool = True
) -> Sequence[Decision]:
    """The run's proposal: the stored one on a retry, else a fresh one (then stored). A run
    that `pushes` stops, before anything is stored or pushed, when a level's payment_days
    differs from bexio's period, or when bexio holds reminders above the policy's last
    level."""
    if folder.json_head("proposal.json", "decisions") is not None:
        return _stored(folder)
    name = str(setup.policy_path or "the policy")
    try:  # the holds kept beside the runs count as blocks
        blocks = (*setup.blocks, *holds_as_blocks(load_holds(setup.output)))
    except HoldsError as exc:
        raise BadInput(str(exc)) from None
    survey, rounding = ReminderSurvey(setup.policy), client.rounding()
    seen: set[int] = set()
    expired: set[int] = set()  # positions in `blocks`
    # The listing is read whole (without reminders), then each page's reminders are read
    # and its invoices decided, each decision written as it comes: a large run never holds
    # every decision, nor bexio's record of every invoice. They go to `proposal.json` once
    # all are decided and the account's reminders agree with the policy.
    decided = folder.path / "proposal.json.part"
    try:
        with decided.open("w", encoding="utf-8") as out:
            for page in client.open_invoice_pages():
                invoices = fetch_open_invoices(client, page)
                survey.add(invoices)
                propose_invoices(
                    invoices,
                    setup.policy,
                    blocks,
                    setup.reference_date,
                    rounding,
                    seen,
                    expired,
                    out,
                )
        if pushes and (mismatch := survey.mismatch(name)):
            raise BadInput(mismatch)
        head = {"expired_blocks": [_block_record(blocks[i]) for i in sorted(expired)]}
        with decided.open(encoding="utf-8") as lines:
            folder.save_json_lines(
                "proposal.json", head, "decisions", (line.rstrip("\n") for line in lines)
            )
    finally:
        decided.unlink(missing_ok=True)
    return _stored(folder)


def _block_record(block: Block) -> dict[str, Any]:
    return {
        "invoice_id": block.invoice_id,
        "contact_id": block.contact_id,
        "reason": block.reason,
        "until": block.until.isoformat() if block.until else None,
        "hold_id": block.hold_id,
    }


def _stored(folder: RunFolder) -> Sequence[Decision]:
    """The stored proposal's decisions, each read from the file when needed: a large run
    never holds them all. A proposal of an older version, written whole, is read whole."""
    try:
        return StoredDecisions.of(folder.path / "proposal.json")
    except WrittenWhole:
        stored = (folder.load_json("proposal.json") or {})["decisions"]
        return one_per_invoice(decision_from_dict(d) for d in stored)


def commit(
    client: BexioClient,
    folder: RunFolder,
    decisions: Sequence[Decision],
    approval: Approval,
    setup: RunSetup,
    ahead: LettersAhead,
) -> MutableMapping[int, Result]:
    """Push what was approved and is not yet done: the result per invoice. The letters of
    the committed batches go to `ahead`, to render on the other cores while the commit
    waits on bexio."""
    journal = FolderJournal(folder)
    results = folder.results()
    approved = approval.approved_ids
    removed = select(decisions, lambda i, proposed: proposed and i not in approved)
    for result in deselected(removed, approved, approval.note, results, approval.held):
        journal.record(result)
        results[result.invoice_id] = result
    todo = select(decisions, lambda i, proposed: needs_commit(i, proposed, approved, results))
    if not todo:
        return results
    tracker = _progress_artifact(folder)
    done = shown = 0
    guard = LevelGuard(setup.policy, _stopped_levels(decisions, results))
    batches = list(chunks(todo))
    ahead.start(batches)
    with commit_lock(setup.company), progress.stage("commit", len(todo)):
        for stored in batches:
            batch = list(stored)  # read once for the commit and the letters
            for result in commit_invoices(
                client, batch, journal, setup.settings.bexio_unpaid_extension, guard
            ):
                journal.record(result)
                results[result.invoice_id] = result
            ahead.submit(batch, results)
            done += len(batch)
            if (now := _progress_step(done, len(todo))) > shown:
                update_progress_artifact(tracker, float(now))
                shown = now
    return results


def _stopped_levels(decisions: Sequence[Decision], results: Mapping[int, Result]) -> dict[int, str]:
    """The levels an earlier attempt stopped: a retry keeps the run's policy, so they stay."""
    stopped = {}
    for decision in select(decisions, lambda i, _: i in results and results[i].error is not None):
        error = results[decision.invoice.id].error
        if decision.to_level and error and is_settings_stop(error):
            stopped[decision.to_level] = error
    return stopped


def _progress_step(done: int, total: int) -> int:
    """The commit's progress in steps of 2 %: its bar in the Prefect UI moves at most 50
    times, whatever the size of the run (each move is a request to the Prefect server)."""
    return 100 if done >= total else 2 * (50 * done // total)


def _progress_artifact(folder: RunFolder) -> UUID:
    """The commit's progress bar in the Prefect UI."""
    tracker = create_progress_artifact(
        0.0, key="dunning-commit-progress", description=f"Commit of run {folder.run_id}"
    )
    if not isinstance(tracker, UUID):  # Prefect answers a coroutine only to async callers
        raise TypeError("the commit ran in async code; it is synchronous")
    return tracker


def deliver(
    client: BexioClient,
    folder: RunFolder,
    letters: Mapping[int, Letter],
    results: MutableMapping[int, Result],
    send: bool,
    record: Callable[[Result], None],
) -> None:
    """Mark as sent (or e-mail) every reminder whose letter is in the merged file."""
    already = folder.sent()
    intents = FolderJournal(folder, kind="send_intent")
    journal = SendJournal(
        intent=lambda i: intents.intent(i),
        has_intent=intents.has_intent,
        sent=lambda i, how: folder.journal({"event": "sent", "invoice_id": i, "how": how}),
    )
    todo = still_to_deliver(letters, results, already)
    with progress.stage("deliver", len(todo)):
        for ids in chunks(todo):
            # Each batch's e-mail texts are made when it goes: a large run never holds them all.
            batch = [
                _delivery(letters[invoice_id], invoice_id, reminder_id, send)
                for invoice_id, reminder_id in ids
            ]
            for invoice_id, why in deliver_reminders(client, batch, journal, send).items():
                failed = results[invoice_id].undelivered(why)
                record(failed)
                results[invoice_id] = failed


def _delivery(letter: Letter, invoice_id: int, reminder_id: int, send: bool) -> Delivery:
    if not (send and letter.email):  # the reminder is only marked sent: no e-mail to write
        return Delivery(invoice_id, reminder_id, letter.email, "", "")
    mail = email_text(mail_of(letter, invoice_id))
    return Delivery(invoice_id, reminder_id, letter.email, mail.subject, mail.message)
