"""The invoice's own QR-bill, read back from a PDF, and carried on to our letter's QR-bill."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from dunning.letter_plan import letter_input
from dunning.letters import render_letter
from dunning.letters.invoice_qr import QrBillUnreadable, parse_qr_payload, read_invoice_qr
from dunning.letters.qrpay import make_qrr, make_scor, qr_runs
from dunning.letters.samples import SAMPLE_CREDITOR, sample_letter
from dunning.letters.types import PaymentRef
from dunning.model import Address, Contact, Invoice
from dunning.outcome import Outcome, Result
from dunning.policy_file import example_policy_path, load_policy
from dunning.rules import propose
from tests.dunning.letters.letter_helpers import page_texts, payload_of, qr_fields, read_qr

PLAIN_IBAN = "CH5800791123000889012"
OTHER_QR_IBAN = "CH6630808001234567890"  # another bank's QR-IBAN than the policy's


def _rendered(tmp_path: Path, **changes: object) -> tuple[bytes, str]:
    letter = sample_letter(42, **changes)  # type: ignore[arg-type]
    result = render_letter(letter, tmp_path / "invoice.pdf")
    assert result.qr_payload is not None, result.warning
    return result.path.read_bytes(), result.qr_payload


def test_a_qr_reference_and_its_qr_iban_are_read_from_the_pdf(tmp_path: Path) -> None:
    pdf, _ = _rendered(tmp_path)
    assert read_invoice_qr(pdf) == PaymentRef(SAMPLE_CREDITOR.iban, "QRR", make_qrr("42"))


def test_a_creditor_reference_on_an_ordinary_iban_is_read_from_the_pdf(tmp_path: Path) -> None:
    creditor = dataclasses.replace(SAMPLE_CREDITOR, iban=PLAIN_IBAN)
    pdf, _ = _rendered(tmp_path, creditor=creditor, currency="EUR")
    assert read_invoice_qr(pdf) == PaymentRef(PLAIN_IBAN, "SCOR", make_scor("RE00042"))


def test_the_qr_bill_is_found_on_the_last_of_several_pages(tmp_path: Path) -> None:
    pdf, _ = _rendered(tmp_path, body="Lange Rechnung. " * 400)
    assert read_invoice_qr(pdf).reference == make_qrr("42")


def _qr_at_the_top(path: Path, payload: str) -> bytes:
    """An A4 invoice whose QR-bill code is drawn near the top, not where the guidelines put it."""
    size, runs = qr_runs(payload)
    canvas = Canvas(str(path), pagesize=A4)
    canvas.transform(46 * mm / size, 0, 0, -46 * mm / size, 20 * mm, 280 * mm)
    for row, column, length in runs:
        canvas.rect(column, row, length, 1, stroke=0, fill=1)
    canvas.showPage()
    canvas.save()
    return path.read_bytes()


def test_a_qr_bill_off_its_standard_place_is_still_found(tmp_path: Path) -> None:
    payload = _payload({})
    pdf = _qr_at_the_top(tmp_path / "top.pdf", payload)
    assert read_invoice_qr(pdf) == parse_qr_payload(payload)


def _plain_pdf(path: Path) -> bytes:
    canvas = Canvas(str(path))
    canvas.drawString(72, 720, "Rechnung RE-00042, Total CHF 120.00")
    canvas.showPage()
    canvas.save()
    return path.read_bytes()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_plain_pdf, "has no QR-bill"),
        (lambda path: b"<html>not a PDF</html>", "cannot be opened"),
    ],
    ids=["invoice without QR-bill", "not a PDF"],
)
def test_a_pdf_without_a_usable_qr_bill_says_why(make, reason: str, tmp_path: Path) -> None:  # noqa: ANN001
    with pytest.raises(QrBillUnreadable, match=reason):
        read_invoice_qr(make(tmp_path / "plain.pdf"))


def _payload(lines: dict[int, str]) -> str:
    """A valid payload (QR reference on a QR-IBAN) with some lines replaced."""
    fields = ["SPC", "0200", "1", "CH4431999123000889012", "S", "Muster AG", "Bahnhofstrasse"]
    fields += ["1", "8001", "Zürich", "CH", *[""] * 7, "120.00", "CHF", *[""] * 7]
    fields += ["QRR", make_qrr("4711"), "Rechnung RE-1", "EPD"]
    for number, text in lines.items():
        fields[number] = text
    return "\r\n".join(fields)


def test_a_valid_payload_gives_account_and_reference_with_either_line_break() -> None:
    expected = PaymentRef("CH4431999123000889012", "QRR", make_qrr("4711"))
    assert parse_qr_payload(_payload({})) == expected
    assert parse_qr_payload(_payload({}).replace("\r\n", "\n") + "\n") == expected
    non = _payload({3: "CH58 0079 1123 0008 8901 2", 27: "NON", 28: ""})
    assert parse_qr_payload(non) == PaymentRef(PLAIN_IBAN, "NON", "")


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ({0: "BCD"}, "not a complete Swiss QR-bill"),
        ({1: "0100"}, "version '0100'"),
        ({30: "END"}, "EPD"),
        ({3: "DE89370400440532013000"}, "not a CH or LI IBAN"),
        ({3: "CH4531999123000889012"}, "not a valid IBAN"),
        ({28: make_qrr("4711")[:-1] + "0"}, "QR reference"),
        ({28: "4711"}, "not 27 digits"),
        ({3: PLAIN_IBAN}, "which is no QR-IBAN"),
        ({27: "SCOR", 28: make_scor("RE1")}, "creditor reference on the QR-IBAN"),
        ({3: PLAIN_IBAN, 27: "SCOR", 28: "RF00RE1"}, "creditor reference 'RF00RE1' is wrong"),
        ({27: "NON", 28: ""}, "no reference type but a reference or a QR-IBAN"),
        ({27: "ESR"}, "unknown reference type 'ESR'"),
    ],
    ids=[
        "not SPC",
        "old version",
        "no trailer",
        "German IBAN",
        "IBAN check digits",
        "QR reference check digit",
        "short QR reference",
        "QR reference on an ordinary IBAN",
        "creditor reference on a QR-IBAN",
        "creditor reference check digits",
        "QR-IBAN without reference",
        "unknown reference type",
    ],
)
def test_a_payload_against_the_guidelines_says_what_is_wrong(
    lines: dict[int, str], reason: str
) -> None:
    with pytest.raises(QrBillUnreadable, match=reason.replace("(", r"\(")):
        parse_qr_payload(_payload(lines))


DEBTOR = Contact(
    id=3,
    address=Address(
        name="Beispiel GmbH", street="Marktgasse", house_num="28", pcode="9400", city="Rorschach"
    ),
)


def _letter_for(found: PaymentRef | str, currency: str = "CHF"):  # noqa: ANN202
    """The example policy's first letter for an overdue invoice RE-00007, with what its
    own QR-bill gave (`found`)."""
    policy = load_policy(example_policy_path())
    overdue = Invoice(
        id=7,
        document_nr="RE-00007",
        contact_id=3,
        status=8,
        currency=currency,
        total=Decimal("120.00"),
        remaining=Decimal("120.00"),
        valid_from=date(2026, 9, 1),
        valid_to=date(2026, 10, 1),
    )
    reference_date = date(2026, 11, 30)
    (decision,) = propose([overdue], policy, (), reference_date, {}).decisions
    result = Result(7, Outcome.ESCALATED, reminder_id=1)
    return policy, letter_input(policy, decision, result, DEBTOR, reference_date, invoice_ref=found)


def test_our_qr_bill_pays_into_the_invoices_account_with_its_reference(tmp_path: Path) -> None:
    own = PaymentRef(OTHER_QR_IBAN, "QRR", make_qrr("210000000000600000000757"))
    _, letter = _letter_for(own)
    result = render_letter(letter, tmp_path / "letter.pdf")
    fields = qr_fields(payload_of(read_qr(result.path)[0]))
    assert (fields["iban"], fields["ref_type"], fields["reference"]) == (
        OTHER_QR_IBAN,
        "QRR",
        own.reference,
    )
    assert result.payment_ref == own and result.warning is None


def test_without_the_invoices_qr_bill_the_letter_carries_our_creditor_reference(
    tmp_path: Path,
) -> None:
    policy, letter = _letter_for("the invoice's PDF has no QR-bill")
    result = render_letter(letter, tmp_path / "letter.pdf")
    fields = qr_fields(payload_of(read_qr(result.path)[0]))
    built = make_scor(letter.invoice.document_nr.replace("-", ""))
    assert policy.creditor.transfer_iban is not None
    assert (fields["iban"], fields["ref_type"], fields["reference"]) == (
        policy.creditor.transfer_iban,
        "SCOR",
        built,
    )
    assert result.payment_ref is not None and not result.payment_ref.from_invoice
    assert result.warning is not None
    assert (
        "the invoice's PDF has no QR-bill" in result.warning
        and "creditor reference" in result.warning
    )


def test_a_letter_without_qr_bill_names_the_ordinary_iban_never_the_qr_iban(
    tmp_path: Path,
) -> None:
    policy, letter = _letter_for("a QR-bill takes CHF or EUR, not USD", currency="USD")
    result = render_letter(letter, tmp_path / "letter.pdf")
    text = " ".join(page_texts(result.path)).replace("\xa0", " ")
    assert result.qr_payload is None
    assert "CH93 0076 2011 6238 5295 7" in text
    assert "3199" not in text  # the QR-IBAN's bank number, in any grouping
    assert policy.creditor.iban == "CH4431999123000889012"


_FOUR_THREADS = """
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from dunning.letters.invoice_qr import read_invoice_qr
pdf = Path(sys.argv[1]).read_bytes()
with ThreadPoolExecutor(4) as pool:
    refs = set(pool.map(lambda _: read_invoice_qr(pdf), range(400)))
print(len(refs), next(iter(refs)).reference)
"""


def test_references_read_from_several_threads_at_once_are_all_read(tmp_path: Path) -> None:
    """PDFium crashes a process that calls it from two threads at once; a run reads invoice
    PDFs beside its commit. In a process of its own, so that a crash fails only this test."""
    pdf, _ = _rendered(tmp_path)
    (tmp_path / "invoice.pdf").write_bytes(pdf)
    done = subprocess.run(
        [sys.executable, "-c", _FOUR_THREADS, str(tmp_path / "invoice.pdf")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", make_qrr("42")]
