"""The run's tasks. Each body is one call into `connectors/` or `dunning/` plus logging.

Tasks work on batches (a task run costs tens of milliseconds of server time), never cache
(their inputs are large and include the client), and never retry: the connector already
retries what is safe to retry. Prefect takes a task's arguments as they are: it would
otherwise walk every object of a batch, each time, looking for results of other tasks
inside, which costs more than a batch's own work. And a task hands Prefect its batch
wrapped as one object: Prefect remembers, for the rest of the flow run, each item of a
list or dict a task returns (to link it if passed to another task), which at 100,000
invoices would be a million entries.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TextIO, TypeVar, cast

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import opaque

from connectors.client import BexioClient
from connectors.contacts import fetch_contacts as read_contacts
from connectors.deliver import Delivery, SendJournal, deliver
from connectors.mail import Mailer
from connectors.mailing import MailDelivery, MailJournal, mail_letters
from connectors.push import Journal, commit_batch
from connectors.references import invoice_references
from connectors.reminder_pdfs import download_reminder_pdfs
from dunning.blocks import Block
from dunning.letters import LetterInput, LetterResult, merge_letters, render_letters
from dunning.letters.batch import LetterPool
from dunning.letters.customer import render_customer_letter
from dunning.letters.merge import BackgroundMerge
from dunning.letters.types import PaymentRef
from dunning.model import Contact, Invoice
from dunning.outcome import Failure, Result
from dunning.periods import LevelGuard
from dunning.policy import Policy
from dunning.proposal import Decision, Reason, reason_counts
from dunning.record import decision_to_dict
from dunning.reference_book import ReferenceBook
from dunning.rules import decide_each
from flows import progress

__all__ = [
    "fetch_open_invoices",
    "propose_invoices",
    "fetch_contacts",
    "read_invoice_references",
    "commit_invoices",
    "render_letter_files",
    "render_customer_files",
    "download_letter_files",
    "collect_letter_files",
    "merge_letter_files",
    "finish_merged_letters",
    "MergedFile",
    "deliver_reminders",
    "mail_reminders",
]

P = ParamSpec("P")
R = TypeVar("R")


class _Returned:
    """A batch task's return value as Prefect sees it: one object, not a collection, so
    Prefect links this one object to the task run instead of every item inside."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def batch_task(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A task named `name` that works on a batch: no cache, no retries, no stored result.
    Its arguments go to Prefect `opaque` and its result comes back wrapped (`_Returned`):
    Prefect neither walks a batch nor remembers each of its items."""

    def make(fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> _Returned:
            return _Returned(fn(*args, **kwargs))

        run = cast(
            Callable[..., _Returned],
            task(name=name, cache_policy=NO_CACHE, retries=0, persist_result=False)(wrapped),
        )

        @wraps(fn)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            given: dict[str, Any] = {k: opaque(v) for k, v in kwargs.items()}
            returned = run(*(opaque(a) for a in args), **given)
            # Prefect keeps the wrapper with the task run's final state for the rest of the
            # flow run: emptied, it no longer holds the batch.
            value, returned.value = returned.value, None
            return cast(R, value)

        return call

    return make


@batch_task(name="fetch-open-invoices")
def fetch_open_invoices(client: BexioClient, page: Sequence[Invoice]) -> list[Invoice]:
    """A page of the open invoices, each with its reminders."""
    invoices = client.with_reminders(page)
    get_run_logger().info("%d open invoices with their reminders", len(invoices))
    return invoices


@batch_task(name="propose")
def propose_invoices(
    invoices: Sequence[Invoice],
    policy: Policy,
    blocks: Sequence[Block],
    reference_date: date,
    rounding: dict[str, Decimal],
    seen: set[int],
    expired: set[int],
    out: TextIO,
) -> dict[str, int]:
    """Decide a page of invoices and write each decision to `out` as a line of JSON, as
    it comes (`decide_each` says what `seen` and `expired` carry); its counts per reason."""
    found: Counter[Reason] = Counter()
    for decision in decide_each(
        invoices, policy, blocks, reference_date, rounding, seen=seen, expired=expired
    ):
        found[decision.reason] += 1
        out.write(json.dumps(decision_to_dict(decision), ensure_ascii=False) + "\n")
    counts = reason_counts(found)
    get_run_logger().info("proposal of %d invoices: %s", len(invoices), counts)
    return counts


@batch_task(name="fetch-contacts")
def fetch_contacts(client: BexioClient, contact_ids: Sequence[int]) -> dict[int, Contact | str]:
    """Contacts by id; a contact that cannot be read maps to the error text."""
    contacts = read_contacts(client, contact_ids)
    missing = sum(isinstance(c, str) for c in contacts.values())
    get_run_logger().info("read %d contacts, %d could not be read", len(contacts), missing)
    return contacts


@batch_task(name="read-invoice-references")
def read_invoice_references(
    client: BexioClient, invoices: Sequence[Invoice], book: ReferenceBook
) -> dict[int, PaymentRef | str]:
    """Each invoice's own account and reference from its QR-bill, or why it has none."""
    refs = invoice_references(client, invoices, book)
    unusable = sum(isinstance(r, str) for r in refs.values())
    get_run_logger().info(
        "payment references of %d invoices, %d without a QR-bill we can use", len(refs), unusable
    )
    return refs


@batch_task(name="commit-batch")
def commit_invoices(
    client: BexioClient,
    decisions: Sequence[Decision],
    journal: Journal,
    unpaid_extension: bool,
    guard: LevelGuard,
) -> list[Result]:
    results = commit_batch(
        client,
        decisions,
        journal,
        unpaid_extension=unpaid_extension,
        guard=guard,
        on_result=lambda _: progress.advance("commit"),
    )
    failed = sum(r.outcome == "FAILED" for r in results)
    get_run_logger().info("committed %d invoices, %d failed", len(results), failed)
    return results


@batch_task(name="render-letters")
def render_letter_files(letters: Sequence[tuple[LetterInput, Path]]) -> list[LetterResult]:
    results = render_letters(letters, on_done=lambda n: progress.advance("letters", n))
    get_run_logger().info("rendered %d letters", len(results))
    return results


@batch_task(name="render-customer-letters")
def render_customer_files(
    letters: Sequence[tuple[Sequence[LetterInput], Path]],
) -> list[list[LetterResult]]:
    """Each customer's letter for all its invoices; per letter, a result per invoice."""
    results = []
    for inputs, path in letters:
        results.append(render_customer_letter(inputs, path))
        progress.advance("letters", 1)
    get_run_logger().info("rendered %d customer letters", len(results))
    return results


@batch_task(name="download-letters")
def download_letter_files(
    client: BexioClient, reminders: Sequence[tuple[int, int]], logopaper: bool
) -> list[bytes | Failure]:
    """bexio's PDF of each (invoice id, reminder id), or why it could not be had."""
    results = download_reminder_pdfs(client, reminders, logopaper=logopaper)
    failed = sum(isinstance(r, Failure) for r in results)
    get_run_logger().info("downloaded %d letters from bexio, %d failed", len(results), failed)
    return results


@batch_task(name="collect-letters")
def collect_letter_files(pool: LetterPool) -> None:
    """Wait for the letters rendered in the background during the commit."""
    pool.wait()
    get_run_logger().info("the letters rendered during the commit are done")


@dataclass(frozen=True)
class MergedFile:
    """What the merged file says about itself: title, language, creditor, run start."""

    title: str
    language: str
    author: str
    created: datetime


@batch_task(name="merge-letters")
def merge_letter_files(parts: Sequence[tuple[Path, str]], out_path: Path, about: MergedFile) -> int:
    pages = merge_letters(
        parts,
        out_path,
        title=about.title,
        language=about.language,
        author=about.author,
        created=about.created,
    )
    get_run_logger().info("merged %d letters into %s", pages, out_path.name)
    return pages


@batch_task(name="finish-merge")
def finish_merged_letters(merge: BackgroundMerge, about: MergedFile) -> int | None:
    """The end of the merge that ran during the commit; None if it failed (merge again)."""
    try:
        pages = merge.finish(
            title=about.title, language=about.language, author=about.author, created=about.created
        )
    except RuntimeError as exc:
        get_run_logger().warning("%s; merging the letters again", exc)
        return None
    get_run_logger().info("merged %d letters while they were rendered", pages)
    return pages


@batch_task(name="deliver-reminders")
def deliver_reminders(
    client: BexioClient, deliveries: Sequence[Delivery], journal: SendJournal, send: bool
) -> dict[int, Failure]:
    errors = deliver(client, deliveries, journal, send=send)
    progress.advance("deliver", len(deliveries))
    get_run_logger().info("delivered %d reminders, %d failed", len(deliveries), len(errors))
    return errors


@batch_task(name="mail-letters")
def mail_reminders(
    client: BexioClient, mailer: Mailer, deliveries: Sequence[MailDelivery], journal: MailJournal
) -> dict[int, Failure]:
    """E-mail our letters over SMTP and mark their reminders sent; the failures by invoice."""
    errors, unsure = mail_letters(client, mailer, deliveries, journal)
    progress.advance("mail", len(deliveries))
    get_run_logger().info(
        "e-mailed %d letters, %d failed, %d without the mail server's answer",
        len(deliveries) - len(errors),
        len(errors),
        len(unsure),
    )
    return errors
