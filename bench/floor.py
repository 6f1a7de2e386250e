"""The floor: the work of a dunning run without Prefect, done the cheapest honest way.

Same libraries and the same HTTP calls as the flow (the `connectors` client, the commit
of `connectors.push` with its re-check, the invoice's own payment reference read from its
PDF and kept in the reference book, `dunning.rules`, `dunning.letters`, the streaming
merge) and the same crash-safe journal in a run folder, but no orchestration: two worker
processes, each with its own keep-alive client, while the main process merges the letters
as they arrive. The flow is compared with this.

Run: `python bench/floor.py URL TOKEN OUTPUT REFERENCE_DATE` (prints its figures as JSON).
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from connectors.client import BexioClient
from connectors.contacts import fetch_contacts
from connectors.mapping import to_invoice
from connectors.push import commit_batch
from connectors.references import invoice_references
from connectors.schemas import Invoice as RawInvoice
from dunning.letter_plan import fallback_contact, letter_input
from dunning.letters import bookmark_title, letter_file_name, merge_letters, render_letter
from dunning.model import Contact, Invoice
from dunning.outcome import Outcome
from dunning.policy import Policy
from dunning.policy_file import example_policy_path, load_policy
from dunning.proposal import Decision
from dunning.reference_book import ReferenceBook
from dunning.rules import propose
from dunning.runs import RunFolder, result_to_event

WORKERS = 2
BATCH = 100
_CLIENT: BexioClient | None = None
_JOB: dict[str, Any] = {}


class _Journal:
    """The flow's journal protocol over the run folder: intents before pushes."""

    def __init__(self, folder: RunFolder) -> None:
        self.folder = folder

    def intent(self, invoice_id: int, action: str, target_level: int | None) -> None:
        self.folder.journal(
            {
                "event": "intent",
                "invoice_id": invoice_id,
                "action": action,
                "target_level": target_level,
            }
        )

    def has_intent(self, invoice_id: int) -> bool:
        return False  # a fresh run: nothing was attempted before


def _init(job: dict[str, Any]) -> None:
    global _CLIENT
    _JOB.update(job)
    _CLIENT = BexioClient(job["url"], job["token"])


def _client() -> BexioClient:
    assert _CLIENT is not None
    return _CLIENT


def _read(raws: Sequence[RawInvoice]) -> list[Invoice]:
    codes = {c.id: c.name for c in _client().currencies()}
    return [to_invoice(raw, _client().list_reminders(raw.id), codes) for raw in raws]


def _commit_and_render(batch: Sequence[Decision]) -> list[tuple[Path, str, int, int]]:
    """Commit a batch, then render its letters; (file, bookmark, invoice, reminder) each."""
    folder: RunFolder = _JOB["folder"]
    policy: Policy = _JOB["policy"]
    results = commit_batch(_client(), batch, _Journal(folder), unpaid_extension=True)
    for result in results:
        folder.journal(result_to_event(result))
    by_id = {r.invoice_id: r for r in results}
    wanted = [d for d in batch if by_id[d.invoice.id].needs_letter]
    contacts = fetch_contacts(
        _client(), [d.invoice.contact_id for d in wanted if d.invoice.contact_id]
    )
    book = _JOB.setdefault("book", ReferenceBook(folder.path.parent))  # one per worker
    refs = invoice_references(_client(), [d.invoice for d in wanted], book)
    parts = []
    for d in wanted:
        found = contacts.get(d.invoice.contact_id) if d.invoice.contact_id else None
        contact = found if isinstance(found, Contact) else fallback_contact(d)
        result = by_id[d.invoice.id]
        text = letter_input(
            policy,
            d,
            result,
            contact,
            _JOB["reference_date"],
            invoice_ref=refs.get(d.invoice.id),
        )
        path = folder.letters_dir / letter_file_name(d.invoice.document_nr, text.level)
        render_letter(text, path)
        assert result.reminder_id is not None
        parts.append((path, bookmark_title(text), d.invoice.id, result.reminder_id))
    return parts


def _mark_sent(pairs: Sequence[tuple[int, int]]) -> int:
    folder: RunFolder = _JOB["folder"]
    for invoice_id, reminder_id in pairs:
        _client().mark_reminder_sent(invoice_id, reminder_id)
        folder.journal({"event": "sent", "invoice_id": invoice_id, "how": "marked_sent"})
    return len(pairs)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run(url: str, token: str, output: Path, reference_date: date) -> dict[str, Any]:
    started = time.perf_counter()
    folder = RunFolder.create(output, f"{reference_date.isoformat()}-f1004000")
    policy = load_policy(example_policy_path())
    job = {
        "url": url,
        "token": token,
        "folder": folder,
        "policy": policy,
        "reference_date": reference_date,
    }
    _init(job)
    client = _client()
    raws = client.open_invoices()
    rounding = client.rounding()
    ctx = multiprocessing.get_context("fork")  # no threads here yet: fork is safe and cheap
    with ctx.Pool(WORKERS, initializer=_init, initargs=(job,)) as pool:
        invoices = [i for part in pool.imap(_read, list(_chunks(raws, 250))) for i in part]
        proposal = propose(invoices, policy, (), reference_date, rounding)
        folder.save_json("proposal.json", {"decisions": len(proposal.decisions)})
        todo = [d for d in proposal.decisions if d.proposed and d.amounts]
        sent: list[tuple[int, int]] = []

        def parts() -> Iterator[tuple[Path, str]]:
            for batch in pool.imap(_commit_and_render, list(_chunks(todo, BATCH))):
                for path, bookmark, invoice_id, reminder_id in batch:
                    sent.append((invoice_id, reminder_id))
                    yield path, bookmark

        pages = merge_letters(
            parts(), folder.merged_pdf, title="Floor", language="de", created=datetime.now(UTC)
        )
        marked = sum(pool.map(_mark_sent, list(_chunks(sent, (len(sent) + 1) // WORKERS or 1))))
    escalated = sum(
        1
        for e in folder.events()
        if e["event"] == "result" and e.get("outcome") == Outcome.ESCALATED.value
    )
    return {
        "seconds": time.perf_counter() - started,
        "pages": pages,
        "marked": marked,
        "escalated": escalated,
        "proposed": len(todo),
    }


def main() -> None:
    url, token, output, day = sys.argv[1:5]
    print(json.dumps(run(url, token, Path(output), date.fromisoformat(day))))


if __name__ == "__main__":
    main()
