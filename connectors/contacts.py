"""Reading the debtors of a run: every contact once, a failure kept with its contact.

Contacts are read in bulk with a few searches; one the search misses is read on its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.client import BexioClient
from connectors.errors import ConnectorError
from dunning.model import Contact

__all__ = ["fetch_contacts"]

_PART = 1000  # contacts searched, then taken, together: far fewer than the client keeps


def fetch_contacts(client: BexioClient, contact_ids: Iterable[int]) -> dict[int, Contact | str]:
    """Contacts by id; one that cannot be read maps to the reason, so its letter still goes
    out with the name printed on the invoice."""
    ids = list(dict.fromkeys(contact_ids))
    found: dict[int, Contact | str] = {}
    # A part at a time, well within what the client keeps: what a search read is still
    # there when it is taken.
    for start in range(0, len(ids), _PART):
        part = ids[start : start + _PART]
        try:
            client.prefetch_contacts(part)  # a search per ~30 contacts instead of a call each
        except ConnectorError:
            pass  # each contact is then read on its own below, with its own error
        for contact_id in part:
            try:
                found[contact_id] = client.fetch_contact(contact_id)
            except ConnectorError as exc:
                found[contact_id] = str(exc)
    return found
