"""Reminder letters as bexio renders them: the PDF of each reminder a run created.

A download only reads (`GET …/kb_reminder/{id}/pdf`), so the client retries it like any
read; one that still fails stays with its own invoice: the reminder exists in bexio, only
its letter is missing, and a retry of the run downloads it then.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.client import BexioClient
from connectors.errors import EXPECTED
from dunning.outcome import Failure, failure

__all__ = ["download_reminder_pdfs"]


def download_reminder_pdfs(
    client: BexioClient, reminders: Sequence[tuple[int, int]], *, logopaper: bool
) -> list[bytes | Failure]:
    """The PDF of each (invoice id, reminder id), in order, or why it could not be had.

    `logopaper` asks bexio for its letterhead (logo and company) on the page. Two downloads
    are in flight at a time; the client keeps them within the PDF routes' rate limit."""

    def one(reminder: tuple[int, int]) -> bytes | Failure:
        invoice_id, reminder_id = reminder
        try:
            content = client.reminder_pdf(invoice_id, reminder_id, logopaper=logopaper)
        except Exception as exc:  # noqa: BLE001 - a failure stays with its own invoice
            why = failure(exc, EXPECTED)
            if why.traceback is None:
                return Failure(
                    f"the reminder exists in bexio, but its PDF was not read: {why.error}"
                )
            return why
        if not content.startswith(b"%PDF-"):
            return Failure(
                f"the reminder exists in bexio, but what bexio sent for its PDF "
                f"(reminder {reminder_id}) is not a PDF"
            )
        return content

    return client.map_calls(one, list(reminders))
