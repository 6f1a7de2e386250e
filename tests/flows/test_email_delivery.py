"""`--send` with our own letters: each letter e-mailed once over SMTP to the contact's
address, its reminder marked sent in bexio, and the letters without an address merged
into `letters-to-print.pdf` to post."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from dunning.proposal import Reason
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.harness import manifest_of, run_flow
from tests.support.mailbox import Mailbox
from tests.support.sandbox import REFERENCE_DATE, Company

DONE = ("ESCALATED", "ALREADY_DONE")
PRINT = "letters-to-print.pdf"
RUN = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with Mailbox.started() as box:
        box.use(monkeypatch)
        yield box


def _lettered(bexio: Company, record: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The lines with a letter by the contact's e-mail address, and those without one."""
    mailed, posted = {}, []
    for line in record["lines"]:
        if line["outcome"] in DONE:
            address = bexio.state.contacts[line["contact_id"]]["mail"]
            if address:
                mailed[address] = mailed.get(address, []) + [line]
            else:
                posted.append(line)
    return mailed, posted


def _reminders_sent(bexio: Company, record: dict[str, Any]) -> list[bool]:
    return [
        bexio.client.show_reminder(line["invoice_id"], line["reminder_id"]).is_sent
        for line in record["lines"]
        if line["outcome"] in DONE
    ]


def _attachments(mailbox: Mailbox) -> Counter[tuple[str, bytes]]:
    """(recipient, attached PDF) of every message the server accepted."""
    found: Counter[tuple[str, bytes]] = Counter()
    for message in mailbox.received:
        (pdf,) = list(message.iter_attachments())
        assert pdf.get_content_type() == "application/pdf"
        found[(str(message["To"]), pdf.get_content())] += 1
    return found


def _expected(bexio: Company, folder: Path, record: dict[str, Any]) -> Counter[tuple[str, bytes]]:
    mailed, _ = _lettered(bexio, record)
    return Counter(
        (address, (folder / line["letter"]).read_bytes())
        for address, lines in mailed.items()
        for line in lines
    )


def _without_email(bexio: Company, count: int) -> None:
    """The contacts of the first `count` invoices to escalate lose their e-mail address."""
    for decision in bexio.decisions(Reason.ESCALATE)[:count]:
        bexio.state.contacts[decision.invoice.contact_id]["mail"] = ""


def test_send_emails_each_own_letter_once_and_merges_the_others_to_print(bexio, output, mailbox):
    _without_email(bexio, 2)
    result = run_cli([*RUN, "--send"])

    assert result.code == 0, result.text
    (run_id,) = new_runs(output)
    record = load_manifest(output, run_id)
    folder = output / run_id
    mailed, posted = _lettered(bexio, record)
    assert mailed and posted  # the sandbox's contacts: some with an address, some without
    assert _attachments(mailbox) == _expected(bexio, folder, record)
    assert sum(_attachments(mailbox).values()) == sum(len(v) for v in mailed.values())
    assert all(_reminders_sent(bexio, record))
    assert bexio.stats().get("reminders_sent", 0) == 0  # bexio e-mailed none of its own
    message = mailbox.received[0]
    assert message["Message-ID"] and message["Date"]
    assert str(message["From"]) == "Muster AG <buchhaltung@example.ch>"
    line = next(ln for ln in record["lines"] if str(message["To"]) in _addresses(bexio, ln))
    assert line["document_nr"] in str(message["Subject"])
    assert line["document_nr"] in message.get_body(("plain",)).get_content()
    printed = [item.title.split(" · ")[0] for item in PdfReader(folder / PRINT).outline]
    assert printed == [ln["document_nr"] for ln in posted]
    assert (record["letters_to_print"], record["print_pdf"]) == (len(posted), PRINT)
    shown = " ".join(result.out.split())
    assert f"Letters to print and post: {len(posted)} in {folder / PRINT}" in shown


def _addresses(bexio: Company, line: dict[str, Any]) -> str:
    return str(bexio.state.contacts[line["contact_id"]]["mail"] or "")


def test_an_email_whose_answer_was_lost_is_not_sent_again_and_a_refused_one_is_on_retry(
    bexio, output, mailbox
):
    mailbox.drop_after_accepting = {1}  # accepted, then the connection ends: no answer
    mailbox.refuse = {2}  # the server says "try again later"

    state, first = run_flow(reference_date=REFERENCE_DATE, confirm_reference_date=True, send=True)
    assert state.is_failed()
    record = manifest_of(first)
    (failed,) = [ln for ln in record["lines"] if ln["outcome"] == "FAILED"]
    assert "451" in failed["error"] and "was not sent" in failed["error"]

    state, again = run_flow(run_id=first["run_id"])

    assert state.is_completed(), state.message
    record = manifest_of(again)
    folder = output / record["run_id"]
    assert _attachments(mailbox) == _expected(bexio, folder, record)  # each exactly once
    assert all(_reminders_sent(bexio, record))
    lost = str(mailbox.received[0]["Message-ID"])
    (warned,) = [ln for ln in record["lines"] if lost in (ln["warning"] or "")]
    assert "may not have arrived" in warned["warning"]


def test_send_with_own_letters_and_no_smtp_host_is_bad_input_and_pushes_nothing(
    bexio, output, monkeypatch
):
    monkeypatch.delenv("DUNNING_SMTP_HOST", raising=False)
    before = bexio.levels()

    result = run_cli(
        [
            "run",
            "--reference-date",
            REFERENCE_DATE.isoformat(),
            "--confirm-reference-date",
            "--send",
        ]
    )

    assert result.code == 2, result.text
    assert "DUNNING_SMTP_HOST is not set" in " ".join(result.err.split())
    assert "Nothing was pushed" in " ".join(result.err.split())
    assert not result.has_traceback()
    assert bexio.levels() == before
    assert not output.exists() or not any(output.iterdir())  # no run was made
