"""A run killed with SIGKILL at some point of its work, then `dunning retry RUN_ID`.

The killed run is a real process (`python -m flows.cli run`) that talks to the sandbox of
this test and to the session's Prefect API; the retry runs in this process. Whatever the
moment of the crash, the retry ends with exactly one new reminder and one letter per
proposed invoice.
"""

from __future__ import annotations

from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.support.checks import check_exactly_once
from tests.support.cli import (
    journal_lines,
    kill,
    kill_when,
    load_manifest,
    new_runs,
    run_cli,
    start_run_process,
    subprocess_env,
)
from tests.support.mailbox import Mailbox
from tests.support.sandbox import REFERENCE_DATE, Company

RUN = ("run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date")


def _retry_after(company: Company, output: Path) -> tuple[str, list[int]]:
    (run_id,) = new_runs(output)
    first = run_cli(["retry", run_id])
    assert first.code != 2, first.text
    codes = [first.code]
    if codes[-1] == 1:  # at most one more: a retry redoes only what is not done
        codes.append(run_cli(["retry", run_id]).code)
    return run_id, codes


@pytest.mark.parametrize("lines", [1, 5])
def test_run_killed_during_the_commit_is_finished_by_a_retry(
    slow_company, tmp_path, prefect_url, lines
):
    output = tmp_path / "out"
    env = subprocess_env(slow_company.env(output), prefect_url)
    process = start_run_process(env, tmp_path, *RUN)
    assert kill_when(process, lambda: journal_lines(output) >= lines), (
        "the run ended before the kill"
    )
    killed_at = journal_lines(output)
    run_id, codes = _retry_after(slow_company, output)
    assert codes[-1] == 0, codes
    # the killed run told its id before it was killed, so the user could retry it
    assert f"Run {run_id}: output in" in (tmp_path / "run.stdout").read_text()
    tally = check_exactly_once(slow_company, output, [run_id])
    assert tally.ok, (killed_at, tally.problems)


def test_run_killed_before_its_proposal_is_stored_starts_afresh_on_retry(
    slow_company, tmp_path, prefect_url
):
    output = tmp_path / "out"
    env = subprocess_env(slow_company.env(output), prefect_url)
    process = start_run_process(env, tmp_path, *RUN)
    assert kill_when(process, lambda: bool(new_runs(output)))
    run_id, codes = _retry_after(slow_company, output)
    assert codes[-1] == 0, codes
    assert check_exactly_once(slow_company, output, [run_id]).problems == []


def test_kill_between_the_create_and_its_answer_gives_already_done(
    slow_company, tmp_path, prefect_url
):
    """The reminder exists in bexio, the journal has only the intent: the retry must not
    create a second one."""
    output = tmp_path / "out"
    env = subprocess_env(slow_company.env(output), prefect_url)
    process = start_run_process(env, tmp_path, *RUN)
    created: list[dict] = []

    def kill_on_second_create(reminder: dict) -> None:
        created.append(reminder)
        if len(created) == 2:
            kill(process)

    slow_company.state.on_reminder_created = kill_on_second_create
    assert kill_when(process, lambda: len(created) >= 2)
    slow_company.state.on_reminder_created = None
    victim = created[-1]
    run_id, codes = _retry_after(slow_company, output)
    assert codes[-1] == 0, codes
    lines = {ln["invoice_id"]: ln for ln in load_manifest(output, run_id)["lines"]}
    line = lines[victim["kb_invoice_id"]]
    assert (line["outcome"], line["reminder_id"]) == ("ALREADY_DONE", victim["id"])
    assert check_exactly_once(slow_company, output, [run_id]).problems == []


def test_run_killed_while_marking_reminders_sent_finishes_on_retry(
    slow_company, tmp_path, prefect_url
):
    output = tmp_path / "out"
    env = subprocess_env(slow_company.env(output), prefect_url)
    process = start_run_process(env, tmp_path, *RUN)

    def sending() -> bool:
        runs = new_runs(output)
        journal = output / runs[0] / "journal.jsonl" if runs else None
        return bool(journal and journal.exists() and b'"event": "sent"' in journal.read_bytes())

    assert kill_when(process, sending)
    run_id, codes = _retry_after(slow_company, output)
    assert codes[-1] == 0, codes
    assert check_exactly_once(slow_company, output, [run_id]).problems == []


def test_run_killed_after_the_mail_server_accepted_a_letter_emails_none_twice(
    slow_company, tmp_path, prefect_url, monkeypatch
):
    """The crash lands between the server's "accepted" and the journal's `mailed`: the
    retry cannot know whether that e-mail went out, so it does not send it again (it says
    so in the line's warning); it e-mails the others and marks every reminder sent."""
    output = tmp_path / "out"
    with Mailbox.started() as mailbox:
        mailbox.use(monkeypatch)
        env = subprocess_env({**slow_company.env(output), **mailbox.env()}, prefect_url)
        process = start_run_process(env, tmp_path, *RUN, "--send")

        def kill_on_second(message: EmailMessage) -> None:
            if len(mailbox.received) == 2:
                kill(process)  # the run waits for the server's answer meanwhile

        mailbox.on_accepted = kill_on_second
        assert kill_when(process, lambda: len(mailbox.received) >= 2)
        mailbox.on_accepted = None
        run_id, codes = _retry_after(slow_company, output)
        received = Counter(str(m["Message-ID"]) for m in mailbox.received)

    assert codes[-1] == 0, codes
    record = load_manifest(output, run_id)
    addressed = [
        ln
        for ln in record["lines"]
        if ln["outcome"] in ("ESCALATED", "ALREADY_DONE")
        and slow_company.state.contacts[ln["contact_id"]]["mail"]
    ]
    assert len(addressed) > 2 and len(received) == len(addressed)
    assert set(received.values()) == {1}  # every letter once, none twice
    lost = str(mailbox.received[1]["Message-ID"])
    (warned,) = [ln for ln in record["lines"] if lost in (ln["warning"] or "")]
    assert "may not have arrived" in warned["warning"]
    assert check_exactly_once(slow_company, output, [run_id]).problems == []  # all marked sent
