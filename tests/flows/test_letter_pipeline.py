"""The background letter pipeline: the letters the commit rendered are taken as they are,
without reading their debtors again; its processes (render and merge) are stopped when
the letters stage is left, also when planning the letters raises half-way."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect import flow
from pypdf import PdfReader

from connectors import BexioClient
from connectors import client as client_module
from dunning.letters.batch import LetterPool
from dunning.made_letter import Letter
from dunning.outcome import Outcome, Result
from dunning.runs import RunFolder
from dunning.stored_decisions import select
from flows.approval_answer import Approval
from flows.letter_stage import letters_ahead, make_letters
from flows.run_inputs import make_client, prepare
from flows.stages import commit, load_or_propose
from tests.support.sandbox import REFERENCE_DATE


def descendants() -> set[int]:
    """Every living process below this one (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def left_after(before: set[int], timeout: float = 5) -> set[int]:
    deadline = time.monotonic() + timeout
    while (extra := descendants() - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    return extra


class UnreadWhileCommitting(httpx.BaseTransport):
    """The sandbox, except that while `on` no contact and no invoice PDF can be read (bexio
    answers 404): the read-ahead during the commit gets neither."""

    def __init__(self, on: bool) -> None:
        self.on = on
        self.refused = 0
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.on and (path.startswith("/2.0/contact") or path.endswith("/pdf")):
            self.refused += 1
            return httpx.Response(404, json={"error_code": 404, "message": "not now"})
        return self._real.handle_request(request)

    def close(self) -> None:  # with the client: its connections to the sandbox
        self._real.close()


@flow
def commit_then_letters(
    output: Path, run_id: str, *, unread_while_committing: bool = False
) -> tuple[int, int, Mapping[int, Letter], Mapping[int, Letter], bool]:
    """Commit a run with its letters rendered ahead (with `unread_while_committing`, no
    debtor and no invoice PDF can be read until the commit is done), then make its
    letters: the requests refused, the requests to bexio the letters stage made, its
    letters, the same letters planned from scratch, and whether the letters stage handed
    on the commit's own letters as they were."""
    setup = prepare(REFERENCE_DATE)
    folder = RunFolder.create(output, run_id)
    transport = UnreadWhileCommitting(on=unread_while_committing)
    settings = setup.settings
    with BexioClient(
        settings.bexio_base_url, settings.bexio_token or "", transport=transport
    ) as client:
        decisions = load_or_propose(client, setup, folder)
        approval = Approval.everything(select(decisions, lambda _, proposed: proposed))

        def letters(**where: Any) -> Mapping[int, Letter]:
            return make_letters(
                client,
                folder,
                setup.policy,
                setup.reference_date,
                decisions,
                results,
                mails=True,
                **where,
            )

        with letters_ahead(client, folder, setup, mails=True) as ahead:
            results = commit(client, folder, decisions, approval, setup, ahead)
            transport.on = False
            before = client.request_count
            made = letters(ahead=ahead)
            requests = client.request_count - before
            handed_on = made is ahead.letters
        again = letters(target=output / "again")
    return transport.refused, requests, made, again, handed_on


def test_letters_rendered_during_the_commit_are_not_planned_again(
    bexio, output, monkeypatch
) -> None:
    # A client that keeps 2 contacts: after the commit, planning the letters again would
    # have to read most debtors again (a run with more debtors than the client keeps).
    monkeypatch.setattr(client_module, "CONTACTS_KEPT", 2)
    _, requests, letters, again, handed_on = commit_then_letters(output, "2026-11-30-0000cafe")
    assert len(letters) >= 5
    assert requests == 0, "the letters stage read bexio again for letters made ahead"
    assert handed_on, "the letters made ahead were copied, not handed on"
    # What was kept of each letter is what planning it from scratch gives.
    assert list(letters) == list(again)
    assert all(a.mail is not None for a in letters.values())
    assert [(a.warning, a.email, a.mail, a.bookmark, a.payment_ref) for a in letters.values()] == [
        (b.warning, b.email, b.mail, b.bookmark, b.payment_ref) for b in again.values()
    ]
    assert all((output / "2026-11-30-0000cafe" / a.relative).is_file() for a in letters.values())


def test_a_letter_whose_debtor_or_reference_could_not_be_read_is_made_again_after_the_commit(
    bexio, output
) -> None:
    refused, _, letters, again, _ = commit_then_letters(
        output, "2026-11-30-0000d00d", unread_while_committing=True
    )
    assert refused > 0 and len(letters) >= 5
    # Each letter has its debtor's address and e-mail and the invoice's own reference, as
    # planned from scratch once bexio answers: not only the name the invoice carries.
    assert [(a.warning, a.email, a.bookmark, a.payment_ref) for a in letters.values()] == [
        (b.warning, b.email, b.bookmark, b.payment_ref) for b in again.values()
    ]
    assert all(a.payment_ref and a.payment_ref.from_invoice for a in letters.values())
    merged = PdfReader(output / "2026-11-30-0000d00d" / "letters.pdf")
    page = merged.pages[0].extract_text()
    first = next(iter(letters.values()))
    assert first.payment_ref is not None
    assert first.payment_ref.reference[-6:] in page.replace(" ", "")


@flow
def letters_stage_whose_planning_raises(output: Path, before: set[int]) -> None:
    setup = prepare(REFERENCE_DATE)
    folder = RunFolder.create(output, "2026-11-30-0000beef")
    with make_client(setup.settings) as client:
        decisions = load_or_propose(client, setup, folder)
        escalations = [d for d in decisions if d.proposed and d.amounts]
        results = {d.invoice.id: Result(d.invoice.id, Outcome.ESCALATED) for d in escalations}
        # A bug of ours: a result that wants a letter for an invoice that is no escalation.
        wrong = next(d for d in decisions if d.amounts is None)
        results[wrong.invoice.id] = Result(wrong.invoice.id, Outcome.ESCALATED)
        with letters_ahead(client, folder, setup) as ahead:
            ahead.start([escalations])
            ahead.submit(escalations, results)
            assert descendants() - before, "the letters render in the background"
            make_letters(
                client, folder, setup.policy, setup.reference_date, decisions, results, ahead=ahead
            )


def test_no_letter_process_outlives_a_letters_stage_whose_planning_raised(bexio, output):
    # What every run keeps once it has made letters: the fork server and its helpers.
    with LetterPool(processes=1):
        LetterPool.merge_in_background(output / "warm-up.pdf").cancel()
    before = descendants()
    with pytest.raises(ValueError, match="no escalation"):
        letters_stage_whose_planning_raises(output, before)
    assert left_after(before) == set()
