"""The letters planned for a run's invoices, and those rendered ahead, during the commit.

`plan_letters` gives each wanted letter its input, file and contact. `letters_ahead`
renders the letters of committed batches on the other cores while the commit waits on
bexio, and merges them as they finish; it is the one owner of those render processes and
of the merge process: leaving its block stops them, whatever happened in between.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from connectors.client import BexioClient
from connectors.references import NotRead
from dunning.letter_plan import fallback_contact, from_bexio, letter_input, run_letter_name
from dunning.letters import LetterResult
from dunning.letters.batch import LetterPool
from dunning.letters.merge import BackgroundMerge
from dunning.made_letter import Letter, Planned, our_letter, rendered
from dunning.model import Contact
from dunning.outcome import Result
from dunning.policy import Policy
from dunning.proposal import Decision
from dunning.reference_book import ReferenceBook
from dunning.runs import RunFolder
from dunning.shelf import Shelf
from flows import progress
from flows.prefect_tasks import collect_letter_files
from flows.read_ahead import LetterData, ReadAhead, read_letter_data
from flows.run_inputs import RunSetup

__all__ = ["LettersAhead", "letters_ahead", "plan_letters", "run_started"]


@contextmanager
def letters_ahead(
    client: BexioClient, folder: RunFolder, setup: RunSetup, *, mails: bool = False
) -> Iterator[LettersAhead]:
    """Letters made during the commit, for `make_letters` inside the same block (with
    `mails`, each keeps what its e-mail says); their processes start with `start` and are
    all stopped when the block is left."""
    with ExitStack() as stack:
        yield LettersAhead(client, folder, setup, stack, mails=mails)


class LettersAhead:
    """The letters of committed batches, rendering in the background during the commit."""

    def __init__(
        self,
        client: BexioClient,
        folder: RunFolder,
        setup: RunSetup,
        stack: ExitStack,
        *,
        mails: bool = False,
    ) -> None:
        self.client, self.folder, self.setup, self.mails = client, folder, setup, mails
        # Per invoice, its letter as planned and given to render: `make_letters` takes it
        # as it is, without reading its debtor's contact again.
        self.letters: Shelf[Letter] = Shelf()
        self.rendered: set[int] = set()  # the invoices whose letter is made and merged
        self._rendering: dict[Path, int] = {}  # letter file -> invoice, until it is made
        self.streamed = _Parts()  # what the background merge was given
        self._stack = stack
        self.book = ReferenceBook(folder.path.parent)
        self._pool: LetterPool | None = None
        self._reading: ReadAhead | None = None
        self._merge: BackgroundMerge | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def start(self, batches: Sequence[Sequence[Decision]]) -> None:
        """Start the render processes and the merge for the letters the commit of `batches`
        will need, and the reading of their contacts and references ahead of the commit;
        none when the letters come from bexio (they are downloaded after the commit)."""
        if self.setup.policy.letters.source == "bexio" or self.setup.policy.letters.per_customer:
            return  # bexio's letters, or a customer's letter that waits for all its invoices
        total = sum(1 for batch in batches for d in batch if d.amounts is not None)
        reading = ReadAhead(self.client, self.book, batches)
        self._stack.callback(reading.close)
        self._reading = reading
        self._stack.enter_context(progress.stage("letters", total))
        self._pool = self._stack.enter_context(
            LetterPool(
                on_done=lambda n: progress.advance("letters", n),
                in_order=self._merged,
                payloads=False,
                keep=False,  # each letter's result goes into its `Letter` as it comes
            )
        )
        self._merge = self._pool.merge_in_background(self.folder.merged_pdf)
        self._stack.callback(self._merge.cancel)  # harmless once the merge has finished

    def submit(self, batch: Sequence[Decision], results: MutableMapping[int, Result]) -> None:
        """Render the letters of a committed batch in the background."""
        if self._pool is None:
            return
        read = self._reading.take(batch) if self._reading else None
        wanted = [d for d in batch if results[d.invoice.id].needs_letter]
        unread: set[int] = set()
        planned = plan_letters(
            self.client,
            self.setup.policy,
            self.setup.reference_date,
            wanted,
            results,
            self.folder.letters_dir,
            self.book,
            created=run_started(self.folder),
            read=read,
            unread=unread,
        )
        # A letter whose debtor or reference could not be read now is made after the
        # commit, when they are read again: not rendered here, nor merged.
        planned = [p for p in planned if p[0] not in unread]
        for p in planned:
            letter = our_letter(p, self.folder.path, mails=self.mails)
            self.letters[p[0]] = letter
            self._rendering[p[2]] = p[0]
        self._pool.submit([(text, path) for _, text, path, _ in planned])

    def _merged(self, finished: list[LetterResult]) -> None:
        """Letters made, in the order submitted (on the pool's thread): each one's result
        goes into its `Letter`, and the letter to the merge."""
        parts = []
        for made in finished:
            invoice_id = self._rendering.pop(made.path)
            letter = rendered(self.letters[invoice_id], made)
            self.letters[invoice_id] = letter
            self.rendered.add(invoice_id)
            parts.append((made.path, letter.bookmark))
        self.streamed.add(parts)
        if self._merge:
            self._merge.append(parts)

    def collect(self) -> None:
        """Wait until every letter submitted is made (raises a rendering error)."""
        if self._pool:
            collect_letter_files(self._pool)

    def take_merge(self, parts: Iterable[tuple[Path, str]]) -> BackgroundMerge | None:
        """The background merge, if it was given exactly `parts` in that order; else None
        (then it is stopped, and the letters must be merged again)."""
        if self._merge and self.streamed == _Parts(parts):
            return self._merge
        if self._merge:
            self._merge.cancel()
        return None


class _Parts:
    """Files and bookmarks given to a merge, in order, kept as a digest of them all."""

    def __init__(self, parts: Iterable[tuple[Path, str]] = ()) -> None:
        self._digest = hashlib.sha256()
        self.add(parts)

    def add(self, parts: Iterable[tuple[Path, str]]) -> None:
        for path, title in parts:
            self._digest.update(json.dumps([str(path), title]).encode("utf-8"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Parts) and self._digest.digest() == other._digest.digest()

    __hash__ = None  # type: ignore[assignment]


def plan_letters(
    client: BexioClient,
    policy: Policy,
    reference_date: date,
    wanted: Sequence[Decision],
    results: MutableMapping[int, Result],
    letters_dir: Path,
    book: ReferenceBook,
    *,
    created: datetime | None,
    draft: bool = False,
    read: LetterData | None = None,
    unread: set[int] | None = None,
) -> list[Planned]:
    """Each wanted letter's input, file and contact (contacts are read once per client);
    our own letters with the invoice's payment reference (read once for all runs, `book`).
    What was `read` ahead is taken as it is, the rest read now. Invoices whose contact or
    reference could not be read (their letter has only what the invoice says) go into
    `unread`."""
    read = read or LetterData()
    ours = [d.invoice for d in wanted if not from_bexio(policy, results[d.invoice.id])]
    more = read_letter_data(
        client,
        [d.invoice for d in wanted if d.invoice.contact_id not in read.contacts],
        [i for i in ours if i.id not in read.refs],
        book,
    )
    contacts = {**read.contacts, **more.contacts}
    refs = {**read.refs, **more.refs}
    planned: list[Planned] = []
    for d in wanted:
        found = contacts.get(d.invoice.contact_id) if d.invoice.contact_id else None
        contact = found if isinstance(found, Contact) else fallback_contact(d)
        ref = refs.get(d.invoice.id)
        if unread is not None and (
            (d.invoice.contact_id and not isinstance(found, Contact)) or isinstance(ref, NotRead)
        ):
            unread.add(d.invoice.id)
        text = letter_input(
            policy,
            d,
            results[d.invoice.id],
            contact,
            reference_date,
            created=created,
            draft=draft,
            invoice_ref=ref,
        )
        path = letters_dir / run_letter_name(d.invoice.document_nr, d.invoice.id, text.level)
        planned.append((d.invoice.id, text, path, contact))
    return planned


def run_started(folder: RunFolder) -> datetime:
    """When the run started (its `run.json`): the creation date of its PDFs; now for a run
    of an older version that did not note its start."""
    meta = folder.load_json("run.json")
    started = meta.get("started_at") if isinstance(meta, dict) else None
    try:
        if isinstance(started, str):
            return datetime.fromisoformat(started)
    except ValueError:
        pass
    return datetime.now(UTC).replace(microsecond=0)
