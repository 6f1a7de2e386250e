"""The invoices' own payment references, kept beside the runs so that no run downloads an
invoice's PDF twice: `<output>/invoice-references.jsonl`.

An issued invoice's QR-bill never changes, so what was read from it once holds for every
later run. Each line is one invoice, named by its identity (id, number, contact, date and
total: an entry made against another bexio account, or an invoice made anew under the same
id, does not match and is read again). A line records the account and the reference, or
why the invoice's QR-bill could not be used. Lines are appended whole, one write each; a
line cut short (a crash, a full disk) is passed over, and for an invoice the last line wins.

The book grows with every invoice ever read: in memory it keeps only where each invoice's
line starts, and reads the line again when the invoice is asked for.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dunning.letters.types import PaymentRef
from dunning.model import Invoice

__all__ = ["REFERENCE_BOOK", "ReferenceBook"]

REFERENCE_BOOK = "invoice-references.jsonl"
_guard = threading.Lock()


def _identity(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice_id": invoice.id,
        "document_nr": invoice.document_nr,
        "contact_id": invoice.contact_id,
        "invoice_date": invoice.valid_from.isoformat(),
        "total": str(invoice.total),
    }


class ReferenceBook:
    """What the output folder knows of the invoices' references: a `PaymentRef`, or the
    text of why the invoice's QR-bill could not be used."""

    def __init__(self, output: Path) -> None:
        self.path = Path(output) / REFERENCE_BOOK
        self._starts: dict[int, int] = {}  # invoice id -> where its last whole line starts
        if self.path.exists():
            with self.path.open("rb") as fh:
                start = 0
                for raw in fh:
                    line = _line(raw)
                    if line is not None:
                        self._starts[line["invoice_id"]] = start
                    start += len(raw)

    def get(self, invoice: Invoice) -> PaymentRef | str | None:
        """The invoice's reference, why it has none, or None when it was never read."""
        start = self._starts.get(invoice.id)
        line = self._line_at(start) if start is not None else None
        if line is None or any(line.get(k) != v for k, v in _identity(invoice).items()):
            return None
        if line.get("unusable"):
            return str(line["unusable"])
        # The account is the same on most invoices: one text for all.
        return PaymentRef(sys.intern(line["account"]), line["type"], line["reference"])

    def put(self, invoice: Invoice, found: PaymentRef | str) -> None:
        """Record what the invoice's PDF gave, on disk before this returns."""
        self.put_all([(invoice, found)])

    def put_all(self, found: Sequence[tuple[Invoice, PaymentRef | str]]) -> None:
        """Record what each invoice's PDF gave, in one write and one sync, on disk before
        this returns (a sync per invoice would cost more than reading its QR-bill)."""
        lines = []
        for invoice, what in found:
            line = _identity(invoice)
            if isinstance(what, PaymentRef):
                line.update(account=what.account, type=what.kind, reference=what.reference)
            else:
                line["unusable"] = what
            lines.append((invoice.id, (json.dumps(line, ensure_ascii=False) + "\n").encode()))
        if not lines:
            return
        data = b"".join(encoded for _, encoded in lines)
        with _guard:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data  # never join a line cut short
                start = size + (len(data) - sum(len(encoded) for _, encoded in lines))
                while data:
                    data = data[os.write(fd, data) :]
                os.fsync(fd)
            except OSError as exc:  # e.g. a full disk: say which file could not be written
                raise OSError(exc.errno, exc.strerror, str(self.path)) from exc
            finally:
                os.close(fd)
        # Another process appending meanwhile may have moved the lines: `get` then finds
        # another invoice's line there, and the invoice is read again.
        for invoice_id, encoded in lines:
            self._starts[invoice_id] = start
            start += len(encoded)

    def _line_at(self, start: int) -> dict[str, Any] | None:
        try:
            with self.path.open("rb") as fh:
                fh.seek(start)
                return _line(fh.readline())
        except OSError:
            return None


def _line(raw: bytes) -> dict[str, Any] | None:
    if not raw.endswith(b"\n"):
        return None
    try:
        line = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(line, dict) or not isinstance(line.get("invoice_id"), int):
        return None
    if line.get("unusable"):
        return line
    fields = (line.get("account"), line.get("reference"))
    if line.get("type") not in ("QRR", "SCOR", "NON") or not all(
        isinstance(f, str) for f in fields
    ):
        return None
    return line
