"""The run's warnings are counted by what to do about them, never lumped together when
the kind is known."""

from __future__ import annotations

from dunning.run_warnings import group_warnings


def test_each_known_warning_is_counted_under_its_own_kind() -> None:
    lines = [
        {
            "invoice_id": 41,
            "warning": "debtor address has no city: the QR-bill leaves 'Payable by' blank",
        },
        {
            "invoice_id": 47,
            "warning": "debtor address has no postal code: the QR-bill leaves 'Payable by' blank",
        },
        {"invoice_id": 50, "warning": "no QR-bill: USD is not a QR-bill currency"},
        {"invoice_id": 51, "warning": "something new"},
    ]
    texts = [group.text() for group in group_warnings(lines)]
    assert texts == [
        "Letters without a QR-bill: 1 (invoice 50)",
        "Addresses incomplete (no name, postcode or town: the QR-bill's 'Payable by' is blank): "
        "2 (invoices 41, 47)",
        "Other warnings: 1 (invoice 51)",
    ]
