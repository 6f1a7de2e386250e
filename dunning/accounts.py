"""Facts about Swiss bank accounts that the policy and the letters both need."""

from __future__ import annotations

__all__ = ["is_qr_iban"]


def is_qr_iban(iban: str) -> bool:
    """A QR-IBAN: its institution id (IID, the 5 digits after the check digits) lies in
    30000–31999. It takes payments with a QR reference only, never an ordinary transfer."""
    compact = iban.replace(" ", "").upper()
    return compact[4:9].isdigit() and 30000 <= int(compact[4:9]) <= 31999
