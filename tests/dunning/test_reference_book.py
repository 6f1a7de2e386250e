"""The invoices' references kept beside the runs: what one run read, the next one knows."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

from dunning.letters.types import PaymentRef
from dunning.model import Invoice
from dunning.reference_book import REFERENCE_BOOK, ReferenceBook

INVOICE = Invoice(
    id=4,
    document_nr="RE-00004",
    contact_id=2,
    status=8,
    currency="CHF",
    total=Decimal("540.00"),
    remaining=Decimal("540.00"),
    valid_from=date(2026, 9, 1),
    valid_to=date(2026, 10, 1),
)
QRR = PaymentRef("CH4431999123000889012", "QRR", "210000000000200000000007608")


def test_a_reference_read_in_one_run_is_known_to_the_next(tmp_path: Path) -> None:
    ReferenceBook(tmp_path).put(INVOICE, QRR)
    other = dataclasses.replace(INVOICE, id=5, document_nr="RE-00005")
    ReferenceBook(tmp_path).put(other, "the invoice's PDF has no QR-bill")
    later = ReferenceBook(tmp_path)
    assert later.get(INVOICE) == QRR
    assert later.get(other) == "the invoice's PDF has no QR-bill"
    assert (tmp_path / REFERENCE_BOOK).read_text(encoding="utf-8").count("\n") == 2


def test_another_invoice_under_the_same_id_is_read_again(tmp_path: Path) -> None:
    ReferenceBook(tmp_path).put(INVOICE, QRR)
    book = ReferenceBook(tmp_path)
    assert book.get(dataclasses.replace(INVOICE, total=Decimal("99.00"))) is None
    assert book.get(dataclasses.replace(INVOICE, document_nr="RE-09999")) is None
    # What changes while an invoice is dunned leaves its reference as it is.
    assert book.get(dataclasses.replace(INVOICE, remaining=Decimal("40.00"), status=16)) == QRR


def test_a_line_cut_short_is_passed_over_and_never_joined(tmp_path: Path) -> None:
    ReferenceBook(tmp_path).put(INVOICE, QRR)
    path = tmp_path / REFERENCE_BOOK
    path.write_bytes(path.read_bytes() + b'{"invoice_id": 5, "document_nr": "RE-0')
    other = dataclasses.replace(INVOICE, id=6, document_nr="RE-00006")
    ReferenceBook(tmp_path).put(other, QRR)
    book = ReferenceBook(tmp_path)
    assert (book.get(INVOICE), book.get(other)) == (QRR, QRR)


def test_a_book_changed_under_a_run_never_gives_another_invoices_reference(
    tmp_path: Path,
) -> None:
    book = ReferenceBook(tmp_path)
    book.put(INVOICE, QRR)
    other = dataclasses.replace(INVOICE, id=5, document_nr="RE-00005")
    ReferenceBook(tmp_path / "elsewhere").put(other, "the invoice's PDF has no QR-bill")
    # Another process made the book anew: its first line is now another invoice's.
    (tmp_path / REFERENCE_BOOK).write_bytes((tmp_path / "elsewhere" / REFERENCE_BOOK).read_bytes())
    assert book.get(INVOICE) is None
    assert ReferenceBook(tmp_path).get(other) == "the invoice's PDF has no QR-bill"
