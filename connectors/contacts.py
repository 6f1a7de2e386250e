"""Reading the debtors of a run: every contact once, a failure kept with its contact.

Contacts are read in bulk with a few searches; one the search misses is read on its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.client import BexioClient
from connectors.errors import ConnectorError
from dunning.model import Contact

__all__ = ["fetch_contacts"]


def fetch_contacts(client: BexioClient, contact_ids: Iterable[int]) -> dict[int, Contact | str]:
    """Contacts by id; one that cannot be read maps to the reason, so its letter still goes
    out with the name printed on the invoice."""
    ids = list(dict.fromkeys(contact_ids))
    try:
        client.prefetch_contacts(ids)  # a search per ~30 contacts instead of a call each
    except ConnectorError:
        pass  # each contact is then read on its own below, with its own error
    found: dict[int, Contact | str] = {}
    for contact_id in ids:
        try:
            found[contact_id] = client.fetch_contact(contact_id)
        except ConnectorError as exc:
            found[contact_id] = str(exc)
    return found
