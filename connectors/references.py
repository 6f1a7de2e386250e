"""The invoices' own payment references, read from the QR-bill on bexio's invoice PDFs.

Each invoice's PDF is downloaded once for all runs: what it gave is kept in the output
folder's `ReferenceBook`. Only CHF and EUR invoices are read, the currencies a QR-bill takes.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.client import BexioClient
from connectors.errors import ConnectorError
from dunning.letters.invoice_qr import PaymentRef, QrBillUnreadable, read_invoice_qr
from dunning.model import Invoice
from dunning.reference_book import ReferenceBook

__all__ = ["QR_CURRENCIES", "NotRead", "invoice_references"]

QR_CURRENCIES = ("CHF", "EUR")


class NotRead(str):
    """Why an invoice's reference could not be read this time (its PDF did not come): not
    recorded, unlike why a QR-bill cannot be used, so a later read tries again."""

    __slots__ = ()


def invoice_references(
    client: BexioClient, invoices: Sequence[Invoice], book: ReferenceBook
) -> dict[int, PaymentRef | str]:
    """Each invoice's reference, or why its QR-bill cannot be used. PDFs are downloaded
    (two at a time) only for invoices the book does not know, and decoded one by one; a
    download that fails is not recorded, so the next run tries it again."""
    found: dict[int, PaymentRef | str] = {}
    missing = []
    for invoice in invoices:
        known = book.get(invoice)
        if invoice.currency.upper() not in QR_CURRENCIES:
            found[invoice.id] = f"a QR-bill takes CHF or EUR, not {invoice.currency}"
        elif known is not None:
            found[invoice.id] = known
        else:
            missing.append(invoice)
    pdfs = client.map_calls(lambda invoice: _download(client, invoice.id), missing)
    read: list[tuple[Invoice, PaymentRef | str]] = []
    for invoice, pdf in zip(missing, pdfs, strict=True):
        if isinstance(pdf, str):
            found[invoice.id] = pdf
            continue
        try:
            read.append((invoice, read_invoice_qr(pdf)))
        except QrBillUnreadable as exc:
            read.append((invoice, str(exc)))
        found[invoice.id] = read[-1][1]
    book.put_all(read)
    return found


def _download(client: BexioClient, invoice_id: int) -> bytes | str:
    try:
        return client.invoice_pdf(invoice_id)
    except ConnectorError as exc:
        return NotRead(f"the invoice's PDF could not be downloaded ({exc})")
