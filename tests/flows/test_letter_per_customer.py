"""One letter per customer (`[letters] per_customer = true`): all of a customer's escalated
invoices in one letter, each with its own QR-bill, while bexio keeps one reminder per
invoice."""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path

from prefect.flow_runs import resume_flow_run
from pypdf import PdfReader

from dunning.policy_file import example_policy_path
from dunning.proposal import Reason
from tests.support.cli import run_cli
from tests.support.harness import manifest_of, paused_run, run_flow
from tests.support.payments import pay, qr_bills
from tests.support.sandbox import REFERENCE_DATE, Company


def per_customer_policy(folder: Path) -> Path:
    text = example_policy_path().read_text(encoding="utf-8")
    policy = folder / "policy.toml"
    policy.write_text(
        text.replace('source = "own"', 'source = "own"\nper_customer = true', 1), encoding="utf-8"
    )
    return policy


def test_a_customer_gets_one_letter_with_a_qr_bill_per_invoice_and_bexio_a_reminder_per_invoice(
    bexio: Company, output: Path, tmp_path: Path
) -> None:
    escalated = [d.invoice for d in bexio.decisions(Reason.ESCALATE)]
    by_customer: dict[int, set[int]] = defaultdict(set)
    for invoice in escalated:
        by_customer[invoice.contact_id or 0].add(invoice.id)
    assert any(len(ids) >= 2 for ids in by_customer.values())
    assert any(len(ids) == 1 for ids in by_customer.values())

    _, summary = run_flow(
        reference_date=REFERENCE_DATE,
        confirm_reference_date=True,
        policy=str(per_customer_policy(tmp_path)),
    )
    record = manifest_of(summary)
    run_dir = output / record["run_id"]
    lines = {ln["invoice_id"]: ln for ln in record["lines"] if ln["letter"]}
    assert set(lines) == {i.id for i in escalated}

    # bexio: one new reminder per invoice, none for the customer as such.
    for invoice in escalated:
        before = len(bexio.before.get(invoice.id, []))
        assert len(bexio.state.reminders[invoice.id]) == before + 1, invoice.document_nr

    # Every line of a customer names the same letter; each customer has its own.
    letter_of = {c: {lines[i]["letter"] for i in ids} for c, ids in by_customer.items()}
    assert all(len(names) == 1 for names in letter_of.values()), letter_of
    names = [next(iter(n)) for n in letter_of.values()]
    assert len(set(names)) == len(by_customer)
    assert all(Path(n).name.startswith("customer-") for n in names)
    assert len(list((run_dir / "letters").glob("*.pdf"))) == len(by_customer)

    for contact_id, ids in by_customer.items():
        letter = run_dir / next(iter(letter_of[contact_id]))
        text = " ".join(page.extract_text() for page in PdfReader(letter).pages)
        for invoice_id in ids:
            assert lines[invoice_id]["document_nr"] in text, (letter.name, invoice_id)
        # One QR-bill per invoice, each paying that invoice in full.
        bills = qr_bills(letter)
        assert len(bills) == len(ids), letter.name
        paid = set()
        for bill in bills:
            credit = pay(bexio, bill)
            paid.add(credit["invoice_id"])
        assert paid == ids, letter.name
    assert bexio.admin("GET", "/bank/unmatched") == []

    merged = PdfReader(run_dir / "letters.pdf")
    assert len(merged.outline) == len(by_customer)
    # Without --send every letter is posted: each customer's letter once.
    assert record["letters_to_print"] == len(by_customer)
    assert len(PdfReader(run_dir / "letters-to-print.pdf").outline) == len(by_customer)


def test_send_with_one_letter_per_customer_is_refused_as_bad_input(
    bexio: Company, output: Path, tmp_path: Path
) -> None:
    policy = per_customer_policy(tmp_path)
    result = run_cli(
        [
            "run",
            "--reference-date",
            REFERENCE_DATE.isoformat(),
            "--confirm-reference-date",
            "--policy",
            str(policy),
            "--send",
        ]
    )
    assert result.code == 2, result.text
    assert "--send cannot e-mail letters made one per customer" in result.err
    assert "Traceback" not in result.text
    assert bexio.levels() == {
        i: [r["reminder_level"] for r in rs] for i, rs in bexio.before.items()
    }


def test_a_retry_after_failed_reminders_makes_each_customer_one_letter_of_all_its_invoices(
    bexio: Company, output: Path, tmp_path: Path
) -> None:
    escalated = [d.invoice for d in bexio.decisions(Reason.ESCALATE)]
    by_customer: dict[int, set[int]] = defaultdict(set)
    for invoice in escalated:
        by_customer[invoice.contact_id or 0].add(invoice.id)
    # The first invoice of each customer with several fails on the first attempt: bexio
    # refuses its reminder with 503 before making anything, three times running.
    failing = [min(ids) for ids in by_customer.values() if len(ids) >= 2]
    for invoice_id in failing:
        rule = {"method": "POST", "path": f"/2.0/kb_invoice/{invoice_id}/kb_reminder"}
        bexio.admin("POST", "/tamper", {**rule, "status": 503, "body": "{}", "times": 3})
    policy = str(per_customer_policy(tmp_path))
    state, first = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, policy=policy
    )
    record = manifest_of(first)
    assert state.is_failed()
    assert {ln["invoice_id"] for ln in record["lines"] if ln["outcome"] == "FAILED"} == set(failing)

    state, again = run_flow(run_id=record["run_id"])
    assert state.is_completed(), state.message
    retried = manifest_of(again)
    run_dir = output / retried["run_id"]
    lines = {ln["invoice_id"]: ln for ln in retried["lines"] if ln["letter"]}
    assert set(lines) == {i.id for i in escalated}
    for invoice in escalated:
        before = len(bexio.before.get(invoice.id, []))
        assert len(bexio.state.reminders[invoice.id]) == before + 1, invoice.document_nr
    # One letter per customer, of all its invoices; none left from the first attempt.
    assert len(list((run_dir / "letters").glob("*.pdf"))) == len(by_customer)
    for ids in by_customer.values():
        [name] = {lines[i]["letter"] for i in ids}
        assert len(qr_bills(run_dir / name)) == len(ids), name


def test_the_approver_sees_each_customers_letter_as_a_draft(
    bexio: Company, output: Path, tmp_path: Path
) -> None:
    def approver() -> None:
        run_id, schema = paused_run()
        resume_flow_run(run_id, run_input={"selected": schema["properties"]["selected"]["default"]})

    person = threading.Thread(target=approver)
    person.start()
    policy = str(per_customer_policy(tmp_path))
    state, summary = run_flow(
        reference_date=REFERENCE_DATE,
        confirm_reference_date=True,
        policy=policy,
        approval=True,
        poll_interval=1,
    )
    person.join(5)
    assert state.is_completed(), state.message
    record = manifest_of(summary)
    folder = output / record["run_id"]
    lettered = [ln for ln in record["lines"] if ln["letter"]]
    customers = {ln["contact_id"] for ln in lettered}
    assert len(list((folder / "draft" / "letters").glob("customer-*.pdf"))) == len(customers)
    assert len(PdfReader(folder / "draft" / "letters.pdf").outline) == len(customers)
    for line in lettered:
        draft = " ".join(
            p.extract_text() for p in PdfReader(folder / "draft" / line["letter"]).pages
        )
        assert line["document_nr"] in draft
        assert any(word in draft for word in ("ENTWURF", "PROJET", "BOZZA", "DRAFT"))
