"""run.xlsx from a literal manifest, read back with openpyxl: blanks stay blank, each
amount has its own currency's format, and the warnings sheet lists what to look at."""

from __future__ import annotations

from openpyxl import load_workbook

from dunning.run_sheet import write_run_sheet


def _line(invoice_id, currency, open_amount, reason, outcome=None, **fields):
    line = {
        "invoice_id": invoice_id,
        "document_nr": f"RE-{invoice_id}",
        "contact_id": 3,
        "currency": currency,
        "reason": reason,
        "outcome": outcome,
        "from_level": 0,
        "to_level": None,
        "open_amount": open_amount,
        "fees": None,
        "interest": None,
        "total_due": None,
        "deadline": None,
        "api_deadline": None,
        "reminder_id": None,
        "letter": None,
        "note": None,
        "error": None,
        "warning": None,
    }
    return {**line, **fields}


MANIFEST = {
    "run_id": "2026-11-30-0000000a",
    "status": "completed",
    "lines": [
        _line(
            1,
            "EUR",
            "100.10",
            "ESCALATE",
            "ESCALATED",
            to_level=1,
            fees="0.00",
            interest="0.35",
            total_due="100.45",
            invoice_separately="0.35",
            deadline="2026-12-14",
            letter="letters/RE-1-1-L1.pdf",
            warning="no QR-bill: EUR to a CH IBAN is printed without payment part",
        ),
        _line(2, "CHF", "12.35", "FINAL", "MANUAL_ACTION", note="mark it unpaid in bexio"),
        _line(3, "CHF", "0.05", "BELOW_MINIMUM"),
    ],
}


def test_the_run_sheet_keeps_blanks_blank_and_each_currency_in_its_format(tmp_path):
    book = load_workbook(write_run_sheet(MANIFEST, tmp_path / "run.xlsx"))

    rows = list(book["Invoices"].iter_rows(min_row=2))
    head = [c.value for c in next(book["Invoices"].iter_rows(max_row=1))]
    col = {name: i for i, name in enumerate(head)}
    assert [r[col["open amount"]].value for r in rows] == [100.1, 12.35, 0.05]
    assert [r[col["open amount"]].number_format for r in rows] == [
        '"EUR" #,##0.00',
        '"CHF" #,##0.00',
        '"CHF" #,##0.00',
    ]
    assert rows[0][col["total due"]].value == 100.45
    assert rows[1][col["total due"]].value is None and rows[1][col["outcome"]].value == (
        "MANUAL_ACTION"
    )
    assert rows[2][col["outcome"]].value is None

    totals = [[c.value for c in r] for r in book["Totals"].iter_rows(min_row=2)]
    assert totals == [["CHF", 2, 12.4, 0, 0, 0], ["EUR", 1, 100.1, 1, 100.45, 0.35]]
    assert rows[0][col["to invoice separately"]].value == 0.35

    warnings = [[c.value for c in r] for r in book["Warnings"].iter_rows(min_row=2)]
    assert warnings == [
        [1, "RE-1", "warning", MANIFEST["lines"][0]["warning"]],
        [2, "RE-2", "manual step", "mark it unpaid in bexio"],
    ]


def test_an_invoice_handed_over_for_debt_enforcement_is_on_the_warnings_sheet(tmp_path):
    handed = _line(4, "CHF", "50.00", "FINAL", "MARKED_UNPAID", enforcement="enforcement/RE-4.pdf")
    book = load_workbook(write_run_sheet({**MANIFEST, "lines": [handed]}, tmp_path / "r.xlsx"))
    warnings = [[c.value for c in r] for r in book["Warnings"].iter_rows(min_row=2)]
    assert warnings == [
        [
            4,
            "RE-4",
            "debt enforcement",
            "request enforcement/RE-4.pdf and its row in enforcement.csv",
        ]
    ]
