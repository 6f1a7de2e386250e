"""The e-mail that carries one of our letters, and what the journal says about it: tables
of literal input and expected output."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dunning.letter_plan import mail_facts
from dunning.letters.samples import sample_letter
from dunning.mail import MailState, compose, mail_states, mail_text, message_id, unsure_warnings


@pytest.mark.parametrize(
    ("language", "subject", "sentence"),
    [
        (
            "de",
            "1. Mahnung zu Rechnung RE-00042",
            "Im Anhang finden Sie unsere 1. Mahnung zu Rechnung RE-00042: offen sind "
            "CHF 1'226.90, zahlbar bis 10.12.2026.",
        ),
        (
            "fr",
            "1re relance – facture RE-00042",
            "Vous trouverez ci-joint notre 1re relance concernant la facture RE-00042 : "
            "CHF 1'226.90 sont dus d'ici au 10 décembre 2026.",
        ),
        (
            "it",
            "1° sollecito – fattura RE-00042",
            "In allegato trova il nostro 1° sollecito relativo alla fattura RE-00042: "
            "CHF 1'226.90 da pagare entro il 10 dicembre 2026.",
        ),
        (
            "en",
            "First reminder – invoice RE-00042",
            "Please find attached our first reminder for invoice RE-00042: CHF 1'226.90 "
            "is due by 10 December 2026.",
        ),
    ],
)
def test_the_email_speaks_the_letters_language_and_names_the_invoice(
    language: str, subject: str, sentence: str
) -> None:
    text = mail_text(mail_facts(sample_letter(language=language)))
    assert text.subject == subject
    assert sentence in " ".join(text.body.split())
    assert text.body.rstrip().endswith("Muster AG")


def test_the_message_carries_the_letter_and_proper_headers() -> None:
    sender = "Muster AG <buchhaltung@example.ch>"
    msg_id = message_id("2026-11-30-6f1c2a9b", 42, 7, sender)
    message = compose(
        mail_facts(sample_letter()),
        sender=sender,
        recipient="kunde@example.ch",
        pdf=b"%PDF-1.7 letter",
        filename="RE-00042-42-L2.pdf",
        msg_id=msg_id,
        when=datetime(2026, 11, 30, 6, 0, tzinfo=UTC),
    )
    assert msg_id == "<dunning.2026-11-30-6f1c2a9b.42.7@example.ch>"
    assert (message["From"], message["To"], message["Message-ID"]) == (
        sender,
        "kunde@example.ch",
        msg_id,
    )
    assert message["Date"] == "Mon, 30 Nov 2026 06:00:00 +0000"
    (pdf,) = message.iter_attachments()
    assert (pdf.get_content_type(), pdf.get_filename()) == ("application/pdf", "RE-00042-42-L2.pdf")
    assert pdf.get_content() == b"%PDF-1.7 letter"


SENDING = {"event": "mail_sending", "invoice_id": 1, "to": "a@x.ch", "message_id": "<m1@x>"}
REFUSED = {"event": "mail_refused", "invoice_id": 1, "error": "451"}
MAILED = {"event": "mailed", "invoice_id": 1, "to": "a@x.ch", "message_id": "<m1@x>"}


@pytest.mark.parametrize(
    ("events", "state", "warned"),
    [
        ([], None, False),
        ([SENDING], MailState.SENDING, False),  # a retry takes it as gone out, unconfirmed
        ([SENDING, REFUSED], MailState.REFUSED, False),  # did not go out: sent again
        ([SENDING, {**MAILED, "confirmed": True}], MailState.SENT, False),
        ([SENDING, {**MAILED, "confirmed": False}], MailState.UNSURE, True),
        ([SENDING, REFUSED, SENDING, {**MAILED, "confirmed": True}], MailState.SENT, False),
    ],
)
def test_the_journal_tells_where_each_email_stands(events, state, warned) -> None:
    assert mail_states(events).get(1) == state
    warnings = unsure_warnings(events)
    assert (1 in warnings) == warned
    if warned:
        assert "<m1@x>" in warnings[1] and "a@x.ch" in warnings[1]
