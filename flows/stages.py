"""The stages of a run (propose, commit, letters, delivery), each wiring tasks to the run's folder.

Every stage first looks at what the run's folder already holds, so a retry of the same run
redoes only what is not done: the proposal and the approval are reused, committed
invoices are skipped, delivered reminders are not delivered again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from connectors.client import BexioClient
from connectors.deliver import Delivery, SendJournal
from dunning.letter_plan import email_text, fallback_contact, letter_input, run_letter_name
from dunning.letters import LetterInput, LetterResult, bookmark_title
from dunning.letters.batch import LetterPool
from dunning.letters.merge import BackgroundMerge
from dunning.model import Contact
from dunning.outcome import Outcome, Result
from dunning.policy import Policy
from dunning.proposal import Decision, one_per_invoice
from dunning.record import decision_from_dict, decision_to_dict
from dunning.run_plan import deselected, still_to_commit
from dunning.runs import RunFolder, result_to_event
from flows import progress
from flows.approval import Approval
from flows.commit_lock import commit_lock
from flows.prefect_tasks import (
    collect_letter_files,
    commit_invoices,
    deliver_reminders,
    fetch_contacts,
    fetch_open_invoices,
    finish_merged_letters,
    merge_letter_files,
    propose_invoices,
    render_letter_files,
)
from flows.run_inputs import RunSetup

__all__ = ["FolderJournal", "load_or_propose", "commit", "make_letters", "deliver", "Letter"]

BATCH = 200
T = TypeVar("T")
Planned = tuple[int, LetterInput, Path, Contact]


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


def load_or_propose(client: BexioClient, setup: RunSetup, folder: RunFolder) -> list[Decision]:
    """The run's proposal: the stored one on a retry, else a fresh one (then stored)."""
    stored = folder.load_json("proposal.json")
    if stored is not None:
        return one_per_invoice(decision_from_dict(d) for d in stored["decisions"])
    invoices = fetch_open_invoices(client)
    proposal = propose_invoices(
        invoices, setup.policy, setup.blocks, setup.reference_date, client.rounding()
    )
    folder.save_json(
        "proposal.json",
        {
            "decisions": [decision_to_dict(d) for d in proposal.decisions],
            "expired_blocks": [
                {
                    "invoice_id": b.invoice_id,
                    "contact_id": b.contact_id,
                    "reason": b.reason,
                    "until": b.until.isoformat() if b.until else None,
                }
                for b in proposal.expired_blocks
            ],
        },
    )
    return list(proposal.decisions)


def commit(
    client: BexioClient,
    folder: RunFolder,
    decisions: Sequence[Decision],
    approval: Approval,
    setup: RunSetup,
) -> tuple[dict[int, Result], _LettersAhead | None]:
    """Push what was approved and is not yet done: the result per invoice, and the letters
    of the committed batches, which render on the other cores while the commit waits on
    bexio (hand them to `make_letters`)."""
    journal = FolderJournal(folder)
    results = folder.results()
    for result in deselected(decisions, approval.approved_ids, approval.note, results):
        journal.record(result)
        results[result.invoice_id] = result
    todo = still_to_commit(decisions, approval.approved_ids, results)
    if not todo:
        return results, None
    tracker = create_progress_artifact(
        0.0, key="dunning-commit-progress", description=f"Commit of run {folder.run_id}"
    )
    done = 0
    ahead = _LettersAhead.start(client, folder, setup, todo)
    try:
        with commit_lock(), progress.stage("commit", len(todo)):
            for batch in chunks(todo):
                for result in commit_invoices(
                    client, batch, journal, setup.settings.bexio_unpaid_extension
                ):
                    journal.record(result)
                    results[result.invoice_id] = result
                ahead.submit(batch, results)
                done += len(batch)
                update_progress_artifact(tracker, 100.0 * done / len(todo))
    except BaseException:
        ahead.close()
        raise
    return results, ahead


class _LettersAhead:
    """The letters of committed batches, rendering in the background during the commit."""

    def __init__(self, client: BexioClient, folder: RunFolder, setup: RunSetup, total: int) -> None:
        self.client, self.folder, self.setup = client, folder, setup
        self.planned: dict[int, tuple[LetterInput, Path]] = {}
        self.titles: dict[Path, str] = {}
        self.streamed: list[tuple[Path, str]] = []  # what the background merge was given
        self._stack = ExitStack()
        self._stack.enter_context(progress.stage("letters", total))
        self.pool = self._stack.enter_context(
            LetterPool(on_done=lambda n: progress.advance("letters", n), in_order=self._merge)
        )
        self.merge: BackgroundMerge | None = self.pool.merge_in_background(
            folder.path / "letters.pdf"
        )

    @classmethod
    def start(
        cls, client: BexioClient, folder: RunFolder, setup: RunSetup, todo: Sequence[Decision]
    ) -> _LettersAhead:
        return cls(client, folder, setup, sum(1 for d in todo if d.amounts is not None))

    def submit(self, batch: Sequence[Decision], results: dict[int, Result]) -> None:
        wanted = [d for d in batch if results[d.invoice.id].needs_letter]
        planned = _plan(
            self.client,
            self.setup.policy,
            self.setup.reference_date,
            wanted,
            results,
            self.folder.path / "letters",
        )
        for invoice_id, text, path, _ in planned:
            self.planned[invoice_id] = (text, path)
            self.titles[path] = bookmark_title(text)
        self.pool.submit([(text, path) for _, text, path, _ in planned])

    def _merge(self, finished: list[LetterResult]) -> None:
        parts = [(r.path, self.titles[r.path]) for r in finished]
        self.streamed.extend(parts)
        if self.merge:
            self.merge.append(parts)

    def take_merge(self, parts: list[tuple[Path, str]]) -> BackgroundMerge | None:
        """The background merge, if it was given exactly `parts` in that order; else None
        (then it is stopped, and the letters must be merged again)."""
        merge, self.merge = self.merge, None
        if merge and self.streamed == parts:
            return merge
        if merge:
            merge.cancel()
        return None

    def collect(self) -> dict[Path, LetterResult]:
        return collect_letter_files(self.pool)

    @contextmanager
    def finishing(self) -> Iterator[None]:
        """Closes the pool and the progress bar when the letters step ends, however."""
        try:
            yield
        finally:
            self.close()

    def close(self) -> None:
        self._stack.close()
        if self.merge:
            self.merge.cancel()
            self.merge = None


def _plan(
    client: BexioClient,
    policy: Policy,
    setup_date: Any,
    wanted: Sequence[Decision],
    results: dict[int, Result],
    letters_dir: Path,
) -> list[Planned]:
    """Each wanted letter's input, file and contact (contacts are read once per client)."""
    ids = sorted({d.invoice.contact_id for d in wanted if d.invoice.contact_id})
    contacts = fetch_contacts(client, ids) if ids else {}
    planned: list[Planned] = []
    for d in wanted:
        found = contacts.get(d.invoice.contact_id) if d.invoice.contact_id else None
        contact = found if isinstance(found, Contact) else fallback_contact(d)
        text = letter_input(policy, d, results[d.invoice.id], contact, setup_date)
        path = letters_dir / run_letter_name(d.invoice.document_nr, d.invoice.id, text.level)
        planned.append((d.invoice.id, text, path, contact))
    return planned


class Letter:
    """A letter made for an invoice: its file inside the run folder and any warning."""

    def __init__(self, relative: str, warning: str | None, contact: Contact, text: LetterInput):
        self.relative, self.warning, self.contact, self.input = relative, warning, contact, text


def make_letters(
    client: BexioClient,
    folder: RunFolder,
    policy: Policy,
    setup_date: Any,
    decisions: Sequence[Decision],
    results: dict[int, Result],
    *,
    target: Path | None = None,
    ahead: _LettersAhead | None = None,
) -> dict[int, Letter]:
    """Render one letter per escalation that needs one, and the merged PDF, in line order;
    letters the commit rendered ahead (`ahead`) are taken as they are."""
    wanted = [
        d for d in decisions if d.invoice.id in results and results[d.invoice.id].needs_letter
    ]
    if not wanted:
        if ahead:
            ahead.close()
        return {}
    target = target or folder.path
    letters_dir = target / "letters"
    letters_dir.mkdir(parents=True, exist_ok=True)
    planned = _plan(client, policy, setup_date, wanted, results, letters_dir)
    parts = [(path, bookmark_title(text)) for _, text, path, _ in planned]
    merge = None
    with ahead.finishing() if ahead else progress.stage("letters", len(planned)):
        done = ahead.collect() if ahead else {}
        made_from = ahead.planned if ahead else {}
        # A letter rendered during the commit counts only if it was made from the same input.
        todo = [
            (text, path)
            for invoice_id, text, path, _ in planned
            if made_from.get(invoice_id) != (text, path) or path not in done
        ]
        if todo:
            done.update((out.path, out) for out in render_letter_files(todo))
        merge = ahead.take_merge(parts) if ahead else None
    rendered = [done[path] for _, _, path, _ in planned]
    letters = {}
    for (invoice_id, text, path, contact), out in zip(planned, rendered, strict=False):
        letters[invoice_id] = Letter(str(path.relative_to(target)), out.warning, contact, text)
    title = f"Dunning run {folder.run_id}"
    if merge is None or finish_merged_letters(merge, title, policy.default_language) is None:
        merge_letter_files(parts, target / "letters.pdf", title, policy.default_language)
    return letters


def deliver(
    client: BexioClient,
    folder: RunFolder,
    letters: dict[int, Letter],
    results: dict[int, Result],
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
    items = []
    for invoice_id, letter in letters.items():
        result = results[invoice_id]
        if invoice_id in already or result.reminder_id is None:
            continue
        mail = email_text(letter.input)
        items.append(
            Delivery(
                invoice_id, result.reminder_id, letter.contact.email, mail.subject, mail.message
            )
        )
    with progress.stage("deliver", len(items)):
        for batch in chunks(items):
            for invoice_id, error in deliver_reminders(client, batch, journal, send).items():
                failed = Result(
                    invoice_id,
                    Outcome.FAILED,
                    reminder_id=results[invoice_id].reminder_id,
                    api_deadline=results[invoice_id].api_deadline,
                    error=error,
                )
                record(failed)
                results[invoice_id] = failed
