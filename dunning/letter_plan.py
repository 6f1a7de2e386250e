"""What goes into each letter and e-mail: language, title, printed deadline, texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from dunning.letters import LetterInput, letter_file_name, resolve_language
from dunning.letters.qrpay import built_ref
from dunning.letters.types import PaymentRef
from dunning.model import Address, Contact
from dunning.outcome import Result
from dunning.policy import Policy
from dunning.proposal import Decision

__all__ = [
    "from_bexio",
    "letter_input",
    "fallback_contact",
    "EmailText",
    "MailFacts",
    "email_text",
    "mail_facts",
    "run_letter_name",
]

_SUBJECT = {
    "de": "{title} zu Rechnung {nr}",
    "fr": "{title} – facture {nr}",
    "it": "{title} – fattura {nr}",
    "en": "{title} – invoice {nr}",
}
_MESSAGE = {
    "de": "Guten Tag\n\nIm Anhang finden Sie unsere {title} zu Rechnung {nr}.\n\n"
    "[Network Link]\n\nFreundliche Grüsse\n{creditor}",
    "fr": "Bonjour,\n\nVous trouverez ci-joint notre {title} concernant la facture {nr}.\n\n"
    "[Network Link]\n\nMeilleures salutations\n{creditor}",
    "it": "Buongiorno\n\nIn allegato trova il nostro {title} relativo alla fattura {nr}.\n\n"
    "[Network Link]\n\nCordiali saluti\n{creditor}",
    "en": "Hello\n\nPlease find our {title} for invoice {nr} attached.\n\n"
    "[Network Link]\n\nKind regards\n{creditor}",
}


def fallback_contact(decision: Decision) -> Contact:
    """A contact when bexio has none for the invoice: the name from the invoice alone."""
    invoice = decision.invoice
    name = invoice.contact_name or invoice.document_nr
    return Contact(id=invoice.contact_id or 0, address=Address(name=name))


def from_bexio(policy: Policy, result: Result) -> bool:
    """Whether the invoice's letter is bexio's PDF of its reminder: with `[letters] source =
    "bexio"`, once bexio made the reminder. Drafts and dry runs, with no reminder yet, show
    our own letter."""
    return policy.letters.source == "bexio" and result.reminder_id is not None


def run_letter_name(document_nr: str, invoice_id: int, level: int) -> str:
    """The letter's file name in a run's folder: `<safe nr>-<invoice id>-L<level>.pdf`.

    The invoice id makes the name the invoice's own: two invoices with the same number,
    or one without a number (shown by its id) and one numbered like that id, never share
    a file. The number is made safe as `letter_file_name` does.
    """
    suffix = f"-L{int(level)}.pdf"
    stem = letter_file_name(document_nr, level).removesuffix(suffix)
    return f"{stem}-{int(invoice_id)}{suffix}"


def letter_input(
    policy: Policy,
    decision: Decision,
    result: Result,
    contact: Contact,
    reference_date: date,
    *,
    created: datetime | None = None,
    draft: bool = False,
    invoice_ref: PaymentRef | str | None = None,
) -> LetterInput:
    """The letter for an escalation. Once bexio made the reminder, the letter carries the
    reminder's own date and deadline (bexio dates it the day it is created, whatever the
    run's reference date); before that (a dry run, a draft), the reference date and the
    proposed deadline. `created` is the run's start, the PDF's creation date; a `draft`
    is marked as one for the approver. `invoice_ref` is what the invoice's QR-bill gave:
    its account and reference, or why it has none, and then the letter carries a creditor
    reference of ours."""
    if decision.amounts is None or decision.to_level is None:
        raise ValueError(
            f"invoice {decision.invoice.document_nr} is no escalation: it has no letter"
        )
    language = resolve_language(contact.language, policy.default_language)
    level = policy.level(decision.to_level)
    return LetterInput(
        creditor=policy.creditor,
        debtor=contact,
        invoice=decision.invoice,
        amounts=decision.amounts,
        level=decision.to_level,
        level_count=policy.level_count,
        title=level.title_for(language, policy.default_language),
        language=language,
        reference_date=result.api_date or reference_date,
        deadline=result.api_deadline or decision.amounts.deadline,
        body=level.texts.get(language),
        level_titles=tuple(lv.title_for(language, policy.default_language) for lv in policy.levels),
        logo=policy.letters.logo,
        letterhead_paper=policy.letters.letterhead_paper,
        created=created,
        draft=draft,
        payment_ref=(
            invoice_ref
            if isinstance(invoice_ref, PaymentRef) or invoice_ref is None
            else built_ref(policy.creditor, decision.invoice, why=invoice_ref)
        ),
    )


@dataclass(frozen=True, slots=True)
class MailFacts:
    """What the e-mail that carries a letter says, kept with the letter once it is made
    instead of the letter's whole input (a large run holds one per letter)."""

    language: str
    title: str  # the level's title in the letter's language
    document_nr: str
    currency: str
    total_due: Decimal
    deadline: date
    creditor: str


def mail_facts(letter: LetterInput) -> MailFacts:
    return MailFacts(
        language=letter.language,
        title=letter.title,
        document_nr=letter.invoice.document_nr,
        currency=letter.amounts.currency,
        total_due=letter.amounts.total_due,
        deadline=letter.deadline,
        creditor=letter.creditor.name,
    )


@dataclass(frozen=True)
class EmailText:
    subject: str
    message: str


def email_text(letter: MailFacts) -> EmailText:
    """The e-mail that carries a reminder; bexio requires the [Network Link] placeholder."""
    lang = letter.language if letter.language in _MESSAGE else "en"
    values = {"title": letter.title, "nr": letter.document_nr, "creditor": letter.creditor}
    return EmailText(_SUBJECT[lang].format(**values), _MESSAGE[lang].format(**values))
