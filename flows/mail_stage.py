"""Delivery of our own letters with `--send`: e-mailed over SMTP to contacts with an
address, the others marked sent in bexio; and the letters to post, in one PDF to print.

`connectors/mailing.py` sends each e-mail at most once, whatever happens between attempts;
this stage gives it the run's journal, the SMTP settings and the messages.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from datetime import datetime
from email.utils import formataddr
from pathlib import Path

from connectors.client import BexioClient
from connectors.mail import Mailer, SmtpConfig
from connectors.mailing import MailDelivery, MailJournal
from dunning.mail import MailState, compose, mail_states, message_id, unsure_warnings
from dunning.manifest import PRINT_PDF
from dunning.outcome import Result
from dunning.policy import Policy
from dunning.run_plan import still_to_deliver
from dunning.runs import RunFolder
from dunning.shelf import Shelf
from flows import progress
from flows.letter_stage import Letter, letter_bookmark, mail_of, run_started
from flows.prefect_tasks import MergedFile, mail_reminders, merge_letter_files
from flows.run_inputs import ZURICH
from flows.settings import Settings
from flows.stages import chunks, deliver

__all__ = [
    "PRINT_PDF",
    "deliver_own_letters",
    "to_print",
    "write_letters_to_print",
]


def _sender(settings: Settings, policy: Policy) -> str:
    if settings.dunning_smtp_from:
        return settings.dunning_smtp_from
    return formataddr((policy.creditor.name, policy.creditor.email or ""))


def _smtp(settings: Settings) -> SmtpConfig:
    password = settings.dunning_smtp_password
    return SmtpConfig(
        host=settings.dunning_smtp_host or "",
        port=settings.smtp_port(),
        starttls=settings.dunning_smtp_starttls,
        user=settings.dunning_smtp_user,
        password=password.get_secret_value() if password else None,
    )


def deliver_own_letters(
    client: BexioClient,
    folder: RunFolder,
    settings: Settings,
    policy: Policy,
    letters: MutableMapping[int, Letter],
    results: MutableMapping[int, Result],
    record: Callable[[Result], None],
) -> MutableMapping[int, Letter]:
    """E-mail the letters of contacts with an address and mark the others sent; the
    letters, with a warning on each e-mail that may not have gone out."""
    by_post = Shelf((i, letter) for i, letter in letters.items() if not letter.email)
    deliver(client, folder, by_post, results, False, record)
    by_mail = [i for i in letters if i not in by_post]
    by_post.close()
    states = mail_states(folder.events())
    todo = still_to_deliver(by_mail, results, folder.sent())
    sender, now = _sender(settings, policy), datetime.now(ZURICH)
    journal = _journal(folder, states)
    with Mailer(_smtp(settings)) as mailer, progress.stage("mail", len(todo)):
        for batch in chunks(todo):
            items = [
                _delivery(folder, letters[invoice_id], invoice_id, reminder_id, sender, now)
                for invoice_id, reminder_id in batch
            ]
            for invoice_id, why in mail_reminders(client, mailer, items, journal).items():
                failed = results[invoice_id].undelivered(why)
                record(failed)
                results[invoice_id] = failed
    return _with_warnings(letters, unsure_warnings(folder.events()))


def _delivery(
    folder: RunFolder,
    letter: Letter,
    invoice_id: int,
    reminder_id: int,
    sender: str,
    now: datetime,
) -> MailDelivery:
    path = folder.path / letter.relative
    message = compose(
        mail_of(letter, invoice_id),
        sender=sender,
        recipient=letter.email or "",
        pdf=path.read_bytes(),
        filename=path.name,
        msg_id=message_id(folder.run_id, invoice_id, reminder_id, sender),
        when=now,
    )
    return MailDelivery(invoice_id, reminder_id, message)


def _journal(folder: RunFolder, states: dict[int, MailState]) -> MailJournal:
    def note(kind: str, invoice_id: int, **more: object) -> None:
        folder.journal({"event": kind, "invoice_id": invoice_id, **more})

    def sending(item: MailDelivery) -> None:
        note("mail_sending", item.invoice_id, to=item.recipient, message_id=item.message_id)
        states[item.invoice_id] = MailState.SENDING

    def mailed(item: MailDelivery, confirmed: bool) -> None:
        note(
            "mailed",
            item.invoice_id,
            to=item.recipient,
            message_id=item.message_id,
            confirmed=confirmed,
        )

    return MailJournal(
        state=states.get,
        sending=sending,
        refused=lambda invoice_id, why: note("mail_refused", invoice_id, error=why),
        mailed=mailed,
        sent=lambda invoice_id: note("sent", invoice_id, how="emailed"),
    )


def _with_warnings(
    letters: MutableMapping[int, Letter], warnings: Mapping[int, str]
) -> MutableMapping[int, Letter]:
    """The letters, each with the warning of its e-mail added to its own."""
    for invoice_id, warning in warnings.items():
        letter = letters.get(invoice_id)
        if letter is not None:
            both = "; ".join(w for w in (letter.warning, warning) if w)
            letters[invoice_id] = replace(letter, warning=both)
    return letters


def to_print(letters: Mapping[int, Letter], *, send: bool) -> list[int]:
    """The invoices whose letter is posted, in letter order: every one without `--send`,
    else those whose contact has no e-mail address."""
    return [i for i, letter in letters.items() if not (send and letter.email)]


def write_letters_to_print(
    folder: RunFolder, letters: Mapping[int, Letter], printed: Sequence[int], policy: Policy
) -> Path | None:
    """`letters-to-print.pdf`: the letters to post, one bookmark each (a customer's letter
    once, for all its invoices); None when none. When every letter is posted it is a copy of
    the merged `letters.pdf`, made in a moment where merging anew takes a second a thousand."""
    target = folder.path / PRINT_PDF
    if not printed:
        target.unlink(missing_ok=True)  # an earlier attempt's, when every letter is e-mailed
        return None
    if len(printed) == len(letters) and folder.merged_pdf.is_file():
        shutil.copyfile(folder.merged_pdf, target)
        return target
    parts = list(
        dict.fromkeys(
            (folder.path / letters[i].relative, letter_bookmark(letters[i])) for i in printed
        )
    )
    about = MergedFile(
        title=f"Letters to print of run {folder.run_id}",
        language=policy.default_language,
        author=policy.creditor.name,
        created=run_started(folder),
    )
    merge_letter_files(parts, target, about)
    return target
