"""The letters' contacts and references, read ahead of the commit batch by batch."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from dunning.letters.types import PaymentRef
from dunning.proposal import Reason
from dunning.reference_book import ReferenceBook
from flows.read_ahead import LetterData, ReadAhead
from tests.support.sandbox import Company

PDF_ROUTE = "GET /2.0/kb_invoice/{invoice_id}/pdf"


def test_each_commit_batch_gets_its_own_contacts_and_references_read_once(
    bexio: Company, tmp_path: Path
) -> None:
    escalated = bexio.decisions(Reason.ESCALATE)
    unpaid = bexio.decisions(Reason.FINAL)  # marked unpaid: no letter
    assert len(escalated) >= 4 and unpaid
    # The commit's batches: one with no letter at all, then two with letters.
    batches = [unpaid[:1], escalated[:2] + unpaid[1:], escalated[2:4]]
    lettered = [[d.invoice for d in batch if d in escalated] for batch in batches]

    @flow
    def commit() -> list[LetterData | None]:  # as the run's commit takes them
        reading = ReadAhead(bexio.client, ReferenceBook(tmp_path), batches)
        try:
            assert reading.take(batches[1]) is None  # not the next batch: the caller reads
            taken = [reading.take(batch) for batch in batches]
            assert reading.take(escalated) is None  # every batch was taken
        finally:
            reading.close()
        return taken

    taken = commit()
    assert taken[0] is not None and not taken[0].refs and not taken[0].contacts
    for data, batch in zip(taken[1:], lettered[1:], strict=True):
        assert data is not None
        assert set(data.refs) == {i.id for i in batch}
        for invoice in batch:
            ref = data.refs[invoice.id]
            assert isinstance(ref, PaymentRef)
            assert ref.reference == bexio.state.qr_reference(invoice.id)
        assert set(data.contacts) == {i.contact_id for i in batch if i.contact_id}
    assert sum(bexio.stats()["requests"].get(PDF_ROUTE, {}).values()) == 4
