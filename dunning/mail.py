"""The e-mail that carries one of our letters: text in the letter's language, the PDF
attached, and what a retry learns from the journal about e-mails already handed over.

Pure: the caller reads the PDF, gives the time and sends the message (`connectors/mail.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum
from typing import Any

from dunning.letter_plan import MailFacts
from dunning.letters.fmt import format_amount, prose_date

__all__ = [
    "MailState",
    "MailText",
    "compose",
    "mail_states",
    "mail_text",
    "message_id",
    "unsure_warning",
    "unsure_warnings",
]

_SUBJECT = {
    "de": "{title} zu Rechnung {nr}",
    "fr": "{title} – facture {nr}",
    "it": "{title} – fattura {nr}",
    "en": "{title} – invoice {nr}",
}
_BODY = {
    "de": "Guten Tag\n\nIm Anhang finden Sie unsere {title} zu Rechnung {nr}: offen sind "
    "{currency} {total}, zahlbar bis {deadline}. Falls Sie die Zahlung bereits veranlasst "
    "haben, betrachten Sie diese Nachricht bitte als gegenstandslos.\n\n"
    "Freundliche Grüsse\n{creditor}\n",
    "fr": "Bonjour,\n\nVous trouverez ci-joint notre {title} concernant la facture {nr} : "
    "{currency} {total} sont dus d'ici au {deadline}. Si vous avez déjà effectué le "
    "paiement, veuillez ne pas tenir compte de ce message.\n\n"
    "Meilleures salutations\n{creditor}\n",
    "it": "Buongiorno\n\nIn allegato trova il nostro {title} relativo alla fattura {nr}: "
    "{currency} {total} da pagare entro il {deadline}. Se ha già effettuato il pagamento, "
    "la preghiamo di non tenere conto di questo messaggio.\n\n"
    "Cordiali saluti\n{creditor}\n",
    "en": "Hello\n\nPlease find attached our {title} for invoice {nr}: {currency} {total} "
    "is due by {deadline}. If you have already paid, please disregard this message.\n\n"
    "Kind regards\n{creditor}\n",
}


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


def mail_text(letter: MailFacts) -> MailText:
    """Subject and body of the e-mail that carries `letter`, in the letter's language."""
    lang = letter.language if letter.language in _BODY else "en"
    title = letter.title
    if lang == "en" and title[:1].isupper() and title[1:2].islower():
        title = title[0].lower() + title[1:]  # "our first reminder", mid-sentence
    values = {
        "title": title,
        "nr": letter.document_nr,
        "currency": letter.currency,
        "total": format_amount(letter.total_due, lang),
        "deadline": prose_date(letter.deadline, lang).replace("\xa0", " "),
        "creditor": letter.creditor,
    }
    subject = _SUBJECT[lang].format(**{**values, "title": letter.title})
    return MailText(subject, _BODY[lang].format(**values))


def message_id(run_id: str, invoice_id: int, reminder_id: int, sender: str) -> str:
    """The same Message-ID for the same reminder in every attempt of a run, so that a mail
    server's log (and a mail client) can tell a copy of it."""
    domain = sender.rpartition("@")[2].strip(" >") or "dunning.invalid"
    safe = re.sub(r"[^A-Za-z0-9.-]", "", domain) or "dunning.invalid"
    return f"<dunning.{run_id}.{invoice_id}.{reminder_id}@{safe}>"


def compose(
    letter: MailFacts,
    *,
    sender: str,
    recipient: str,
    pdf: bytes,
    filename: str,
    msg_id: str,
    when: datetime,
) -> EmailMessage:
    """The message: From, To, Date, Message-ID, Subject, the text, the letter as PDF."""
    text = mail_text(letter)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = text.subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = msg_id
    message["Content-Language"] = letter.language
    message.set_content(text.body)
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return message


class MailState(StrEnum):
    """Where an invoice's e-mail stands after the journal's events (docs/RULES.md)."""

    SENDING = "sending"  # handed to the SMTP server, no answer noted: it may have gone out
    REFUSED = "refused"  # the server said no: it did not go out, a retry sends it
    SENT = "sent"  # the server accepted it
    UNSURE = "unsure"  # a SENDING one that a later attempt took as gone out, not sent again


def mail_states(events: Iterable[Mapping[str, Any]]) -> dict[int, MailState]:
    """The latest state of each invoice's e-mail, from `mail_sending`, `mail_refused` and
    `mailed` events (`mailed` with `"confirmed": false` is UNSURE)."""
    states: dict[int, MailState] = {}
    for event in events:
        kind = event.get("event")
        if kind == "mail_sending":
            states[event["invoice_id"]] = MailState.SENDING
        elif kind == "mail_refused":
            states[event["invoice_id"]] = MailState.REFUSED
        elif kind == "mailed":
            confirmed = event.get("confirmed", True)
            states[event["invoice_id"]] = MailState.SENT if confirmed else MailState.UNSURE
    return states


def unsure_warnings(events: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """The warning of each invoice whose e-mail counts as sent without the server's word
    (its latest `mailed` event has `"confirmed": false`, with `to` and `message_id`)."""
    found: dict[int, str] = {}
    for event in events:
        if event.get("event") == "mailed":
            if event.get("confirmed", True):
                found.pop(event["invoice_id"], None)
            else:
                found[event["invoice_id"]] = unsure_warning(event["to"], event["message_id"])
    return found


def unsure_warning(recipient: str, msg_id: str) -> str:
    """The line's warning for an e-mail that may or may not have gone out."""
    return (
        f"the e-mail to {recipient} may not have arrived: the run lost the mail server's "
        "answer after handing it the message, so it is not sent again (a second e-mail "
        f"would be worse); look for Message-ID {msg_id} in the mail server's log, and post "
        "the letter if it is not there"
    )
