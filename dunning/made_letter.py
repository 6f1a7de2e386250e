"""What a run keeps of each letter it made: its file, warnings and what its delivery needs.

Not the letter's whole input (invoice, amounts, contact): a large run holds one of these
per invoice until its manifest is written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from dunning.letter_plan import MailFacts, mail_facts
from dunning.letters import LetterInput, LetterResult, bookmark_title
from dunning.letters.types import PaymentRef
from dunning.model import Contact

__all__ = ["Letter", "Planned", "letter_bookmark", "mail_of", "our_letter", "rendered"]

# A letter to make: the invoice's id, the letter's input, its file, the debtor's contact.
Planned = tuple[int, LetterInput, Path, Contact]


@dataclass(frozen=True, slots=True)
class Letter:
    """A letter made for an invoice: its file inside the run folder, any warning, and what
    its delivery needs."""

    relative: str
    warning: str | None
    email: str | None  # the debtor's e-mail address, if bexio has one
    mail: MailFacts | None  # what the e-mail that carries it says; None: the run e-mails none
    # Its bookmark in a merged file: the letter's own title; a customer's letter's
    # (`per_customer`); bexio's letter's (titled in the policy's default language).
    bookmark: str
    from_bexio: bool = False  # bexio's reminder PDF: none of our fees or interest
    payment_ref: PaymentRef | None = None  # the account and reference our letter printed


def letter_bookmark(letter: Letter) -> str:
    """The letter's bookmark in a merged file."""
    return letter.bookmark


def mail_of(letter: Letter, invoice_id: int) -> MailFacts:
    """What the letter's e-mail says; a letter made for a run that e-mails nothing has none."""
    if letter.mail is None:
        raise ValueError(f"the letter of invoice {invoice_id} was made without its e-mail")
    return letter.mail


def our_letter(planned: Planned, target: Path, *, mails: bool) -> Letter:
    """Our own letter as planned, before it is rendered: the debtor's warning alone, and
    the payment reference it was given (`rendered` adds what rendering found)."""
    _, text, path, contact = planned
    return Letter(
        str(path.relative_to(target)),
        contact.warning,
        contact.email,
        mail_facts(text) if mails else None,
        bookmark_title(text),
        payment_ref=text.payment_ref,
    )


def rendered(letter: Letter, made: LetterResult) -> Letter:
    """The letter once rendered: with the renderer's warning (an address cut to fit, no
    payment part) and the account and reference it printed. Mostly the one it was given:
    then that one object is kept."""
    warning = "; ".join(w for w in (letter.warning, made.warning) if w) or None
    printed = letter.payment_ref if made.payment_ref == letter.payment_ref else made.payment_ref
    if warning == letter.warning and printed is letter.payment_ref:
        return letter
    return replace(letter, warning=warning, payment_ref=printed)
