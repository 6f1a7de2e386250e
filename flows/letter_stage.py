"""The letters stage of a run: one letter per escalation, and the merged PDF.

During the commit the letters of committed batches already render on the other cores and
are merged as they finish (`letters_ahead`, in `flows/letters_ahead.py`); `make_letters`
then takes those letters as they were made and plans and renders the rest (those whose
debtor or reference could not be read during the commit are among them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import nullcontext
from datetime import date
from pathlib import Path

from connectors.client import BexioClient
from dunning.letter_plan import from_bexio, mail_facts
from dunning.letters import LetterInput
from dunning.letters.customer import customer_bookmark, customer_file_name
from dunning.letters.fmt import bookmark_title_text
from dunning.made_letter import Letter, Planned, letter_bookmark, mail_of, our_letter, rendered
from dunning.outcome import Result
from dunning.policy import Policy
from dunning.proposal import Decision
from dunning.reference_book import ReferenceBook
from dunning.runs import RunFolder
from dunning.shelf import Shelf
from dunning.stored_decisions import invoice_ids, select
from flows import progress
from flows.bexio_letters import fetch_bexio_letters
from flows.letters_ahead import LettersAhead, letters_ahead, plan_letters, run_started
from flows.prefect_tasks import (
    MergedFile,
    finish_merged_letters,
    merge_letter_files,
    render_customer_files,
    render_letter_files,
)

__all__ = [
    "Letter",
    "LettersAhead",
    "letter_bookmark",
    "mail_of",
    "letters_ahead",
    "make_letters",
    "run_started",
]


_PLAN_BATCH = 1000  # letters planned at a time after the commit


def make_letters(
    client: BexioClient,
    folder: RunFolder,
    policy: Policy,
    reference_date: date,
    decisions: Sequence[Decision],
    results: MutableMapping[int, Result],
    *,
    target: Path | None = None,
    ahead: LettersAhead | None = None,
    draft: bool = False,
    mails: bool = False,
    record: Callable[[Result], None] = lambda _: None,
) -> Shelf[Letter]:
    """One letter per escalation that needs one, and the merged PDF, in line order: our own,
    rendered (those the commit rendered ahead, `ahead`, are taken as they are; `draft`
    letters are marked as drafts for the approver), or bexio's PDF of the reminder. An
    invoice whose PDF bexio did not give is `FAILED` in `results` (and given to `record`),
    without a letter. With `mails`, each letter keeps what its e-mail says."""
    wanted = select(decisions, lambda i, _: i in results and results[i].needs_letter)
    if not wanted:
        return Shelf()
    target = target or folder.path
    letters_dir = target / "letters"
    letters_dir.mkdir(parents=True, exist_ok=True)
    created = run_started(folder)
    book = ahead.book if ahead else ReferenceBook(folder.path.parent)

    def plan(batch: Sequence[Decision]) -> list[Planned]:
        return plan_letters(
            client,
            policy,
            reference_date,
            batch,
            results,
            letters_dir,
            book,
            created=created,
            draft=draft,
        )

    if policy.letters.per_customer:
        letters = _customer_letters(plan(wanted), target, mails)
    elif policy.letters.source == "bexio":
        letters = _single_letters(client, policy, plan(wanted), results, target, record, mails)
    else:
        letters = _own_letters(plan, wanted, target, ahead, mails)
    merge = ahead.take_merge(_merge_parts(letters, target)) if ahead else None
    about = MergedFile(
        title=f"Dunning run {folder.run_id}" + (" (draft)" if draft else ""),
        language=policy.default_language,
        author=policy.creditor.name,
        created=created,
    )
    if merge is None or finish_merged_letters(merge, about) is None:
        merge_letter_files(list(_merge_parts(letters, target)), target / "letters.pdf", about)
    return letters


def _merge_parts(letters: Mapping[int, Letter], target: Path) -> Iterator[tuple[Path, str]]:
    """Each letter's file and bookmark in the merged file, in line order; a customer's
    letter once. Made again when asked: a large run does not hold them beside the letters."""
    given: set[str] = set()
    for letter in letters.values():
        if letter.relative not in given:
            given.add(letter.relative)
            yield target / letter.relative, letter_bookmark(letter)


def _customer_letters(planned: Sequence[Planned], target: Path, mails: bool) -> Shelf[Letter]:
    """One letter per customer for all its invoices (`per_customer`), in the order of each
    customer's first invoice; every invoice's `Letter` names the customer's file."""
    groups: dict[int, list[Planned]] = {}
    for p in planned:
        groups.setdefault(p[3].id, []).append(p)
    todo = []
    for contact_id, group in groups.items():
        texts = [text for _, text, _, _ in group]
        todo.append((texts, group[0][2].parent / customer_file_name(contact_id, texts[0])))
    for contact_id, (_, path) in zip(groups, todo, strict=True):
        # An earlier attempt whose first invoice of this customer failed named the letter
        # after another invoice: that letter lists fewer invoices, and goes.
        for stale in path.parent.glob(f"customer-{int(contact_id)}-*.pdf"):
            if stale != path:
                stale.unlink(missing_ok=True)
    with progress.stage("letters", len(todo)):
        rendered_files = render_customer_files(todo)
    letters: Shelf[Letter] = Shelf()
    for group, (texts, path), made in zip(groups.values(), todo, rendered_files, strict=True):
        title = customer_bookmark(texts)
        for (invoice_id, text, _, contact), out in zip(group, made, strict=True):
            mail = mail_facts(text) if mails else None
            planned_letter = Letter(
                str(path.relative_to(target)), contact.warning, contact.email, mail, title
            )
            letters[invoice_id] = rendered(planned_letter, out)
    return Shelf((p[0], letters[p[0]]) for p in planned)


def _own_letters(
    plan: Callable[[Sequence[Decision]], list[Planned]],
    wanted: Sequence[Decision],
    target: Path,
    ahead: LettersAhead | None,
    mails: bool,
) -> Shelf[Letter]:
    """Our own letter for each wanted invoice, in line order: those the commit planned and
    rendered are taken as they are; the rest (a dry run's and the drafts', all of them) are
    planned and rendered here a batch at a time, so that no run holds every letter's
    input."""
    if ahead:
        ahead.collect()
    made_ahead: Mapping[int, Letter] = ahead.letters if ahead else {}
    rendered_ahead = ahead.rendered if ahead else set()
    ids = invoice_ids(wanted)

    def usable(invoice_id: int) -> bool:  # made during the commit, with all it needs here
        if invoice_id not in rendered_ahead:
            return False
        return not mails or made_ahead[invoice_id].mail is not None

    rest = [k for k, invoice_id in enumerate(ids) if not usable(invoice_id)]
    if ahead and not rest and list(ahead.letters) == list(ids):  # ids: a list or an array
        return ahead.letters  # all made during the commit, in line order: nothing to copy
    made_here: Shelf[Letter] = Shelf()
    if rest:
        shown = ahead is not None and ahead.started  # the commit's progress bar counts them
        with nullcontext() if shown else progress.stage("letters", len(rest)):
            for start in range(0, len(rest), _PLAN_BATCH):
                planned = plan(_picked(wanted, rest[start : start + _PLAN_BATCH]))
                outs = render_letter_files([(text, path) for _, text, path, _ in planned])
                for p, made in zip(planned, outs, strict=True):
                    made_here[p[0]] = rendered(our_letter(p, target, mails=mails), made)
    letters: Shelf[Letter] = Shelf()
    for invoice_id in ids:
        source = made_here if invoice_id in made_here else made_ahead
        letters[invoice_id] = source[invoice_id]
    made_here.close()
    return letters


def _picked(decisions: Sequence[Decision], positions: Sequence[int]) -> Sequence[Decision]:
    """The decisions at `positions` (ascending); a run of neighbours, all of a dry run's or
    the drafts', is read in one pass over the file."""
    if positions and positions[-1] - positions[0] == len(positions) - 1:
        return decisions[positions[0] : positions[-1] + 1]
    return [decisions[k] for k in positions]


def _single_letters(
    client: BexioClient,
    policy: Policy,
    planned: list[Planned],
    results: MutableMapping[int, Result],
    target: Path,
    record: Callable[[Result], None],
    mails: bool,
) -> Shelf[Letter]:
    """One letter per invoice (`[letters] source = "bexio"`): bexio's downloaded, or ours
    rendered where bexio has no reminder to give."""
    theirs = [p for p in planned if from_bexio(policy, results[p[0]])]
    if theirs:
        _download(client, policy, theirs, results, record)
        planned = [p for p in planned if results[p[0]].needs_letter]
    ours = [(text, path) for i, text, path, _ in planned if not from_bexio(policy, results[i])]
    with nullcontext() if theirs or not ours else progress.stage("letters", len(ours)):
        done = {out.path: out for out in render_letter_files(ours)} if ours else {}
    letters: Shelf[Letter] = Shelf()
    for p in planned:
        invoice_id, text, path, contact = p
        made = done.pop(path, None)  # let go of each rendered letter's result once used
        if made is not None:
            letters[invoice_id] = rendered(our_letter(p, target, mails=mails), made)
        else:
            letters[invoice_id] = Letter(
                str(path.relative_to(target)),
                None,  # bexio's letter has none of our warnings
                contact.email,
                mail_facts(text) if mails else None,
                _bexio_bookmark(policy, text),
                from_bexio=True,
            )
    return letters


def _bexio_bookmark(policy: Policy, text: LetterInput) -> str:
    """The bookmark of bexio's letter: titled in the account's language, so its bookmark
    takes the level's title in the policy's default language."""
    title = policy.level(text.level).title_for(policy.default_language, policy.default_language)
    return bookmark_title_text(text.invoice.document_nr, text.debtor.name, title)


def _download(
    client: BexioClient,
    policy: Policy,
    planned: Sequence[Planned],
    results: MutableMapping[int, Result],
    record: Callable[[Result], None],
) -> None:
    """bexio's PDF of each planned reminder into its letter file; an invoice whose PDF could
    not be had fails (its reminder stays: a retry reuses it and downloads the PDF then)."""
    wanted = []
    for invoice_id, _, path, _ in planned:
        reminder_id = results[invoice_id].reminder_id
        if reminder_id is not None:
            wanted.append((invoice_id, reminder_id, path))
    failed = fetch_bexio_letters(client, wanted, logopaper=policy.letters.logo_paper)
    for invoice_id, why in failed.items():
        made = results[invoice_id]
        result = Result.failed(
            invoice_id,
            why,
            reminder_id=made.reminder_id,
            api_deadline=made.api_deadline,
            api_date=made.api_date,
        )
        record(result)
        results[invoice_id] = result
