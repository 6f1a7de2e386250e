"""What the letters of the next batches need from bexio, read while the commit pushes.

A letter needs its debtor's contact and its invoice's own payment reference, read from the
invoice's PDF (`connectors/references.py`). Neither depends on what the commit does, so a
thread of its own reads them a few batches ahead of the commit, and the commit hands each
committed batch to the letters without waiting for bexio's PDFs.
"""

from __future__ import annotations

import contextvars
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from connectors.client import BexioClient
from dunning.letters.types import PaymentRef
from dunning.model import Contact, Invoice
from dunning.proposal import Decision
from dunning.reference_book import ReferenceBook
from flows.prefect_tasks import fetch_contacts, read_invoice_references

__all__ = ["LetterData", "ReadAhead"]

DEPTH = 2  # batches read ahead of the commit: enough to hide bexio's answers, little held


@dataclass(frozen=True)
class LetterData:
    """Contacts by id and payment references by invoice id, read for some invoices."""

    contacts: dict[int, Contact | str] = field(default_factory=dict)
    refs: dict[int, PaymentRef | str] = field(default_factory=dict)


def read_letter_data(
    client: BexioClient,
    for_contacts: Sequence[Invoice],
    for_refs: Sequence[Invoice],
    book: ReferenceBook,
) -> LetterData:
    """The contacts of the invoices `for_contacts`, and the references of those `for_refs`."""
    ids = sorted({i.contact_id for i in for_contacts if i.contact_id})
    contacts = fetch_contacts(client, ids) if ids else {}
    refs = read_invoice_references(client, for_refs, book) if for_refs else {}
    return LetterData(contacts, refs)


class ReadAhead:
    """Reads the letter data of the commit's `batches` (of the escalations in them, the
    decisions with a letter), in order, at most `DEPTH` batches ahead of the one last
    taken; `close` stops it (what is being read finishes, nothing more starts)."""

    def __init__(
        self, client: BexioClient, book: ReferenceBook, batches: Sequence[Sequence[Decision]]
    ) -> None:
        self._client, self._book = client, book
        self._batches: Iterator[Sequence[Decision]] = iter(batches)
        self._pending: deque[tuple[frozenset[int], Future[LetterData]]] = deque()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="read-ahead")
        for _ in range(DEPTH):
            self._read_next()

    def _read_next(self) -> None:
        batch = next(self._batches, None)
        if batch is None:
            return
        lettered = [d.invoice for d in batch if d.amounts is not None]
        # The thread runs Prefect tasks: it needs the flow run's context, copied from here.
        context = contextvars.copy_context()
        future = self._pool.submit(
            context.run, read_letter_data, self._client, lettered, lettered, self._book
        )
        self._pending.append((_ids(batch), future))

    def take(self, batch: Sequence[Decision]) -> LetterData | None:
        """The data read for `batch` if it is the next one; None otherwise (the caller reads
        itself what it needs). An error of the reading is raised here."""
        if not self._pending or self._pending[0][0] != _ids(batch):
            return None
        _, future = self._pending.popleft()
        self._read_next()
        return future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _ids(batch: Sequence[Decision]) -> frozenset[int]:
    return frozenset(d.invoice.id for d in batch)
