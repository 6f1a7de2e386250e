"""Spreadsheets for the office: `run.xlsx` of one run, and the history of every run.

Both are read from manifests (docs/INTERFACES.md), never from bexio. Amounts are numbers
with a currency format, dates are dates, so a spreadsheet sums and sorts them. Every text
from bexio is written as text (never as a formula, whatever it starts with).
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from dunning.run_totals import OUTCOME_GROUPS, outcome_groups

__all__ = ["RUN_SHEET", "write_run_sheet", "write_history"]

RUN_SHEET = "run.xlsx"

# Manifest line field -> column heading, in the order of the invoice sheet.
_LINE_COLUMNS = {
    "invoice_id": "invoice id",
    "document_nr": "document nr",
    "contact_id": "contact id",
    "currency": "currency",
    "reason": "reason",
    "outcome": "outcome",
    "from_level": "from level",
    "to_level": "to level",
    "open_amount": "open amount",
    "fees": "fees",
    "interest": "interest",
    "total_due": "total due",
    "invoice_separately": "to invoice separately",
    "deadline": "deadline",
    "api_deadline": "bexio deadline",
    "reminder_id": "reminder id",
    "letter": "letter",
    "note": "note",
}
_AMOUNTS = ("open_amount", "fees", "interest", "total_due", "invoice_separately")
_DATES = ("deadline", "api_deadline")
_NUMBERS = ("invoice_id", "contact_id", "from_level", "to_level", "reminder_id")


class _Book:
    """A workbook written into memory, with one number format per currency."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        # constant_memory: each row goes to a temporary file (in the system's temporary
        # folder) once written, so a run of any size takes little memory.
        self.book: Workbook = xlsxwriter.Workbook(self.buffer, {"constant_memory": True})
        self.bold = self.book.add_format({"bold": True})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self._money: dict[str, Any] = {}

    def money(self, currency: str) -> Any:
        if currency not in self._money:
            code = "".join(c for c in currency if c.isalnum())  # a format cannot quote "
            self._money[currency] = self.book.add_format({"num_format": f'"{code}" #,##0.00'})
        return self._money[currency]

    def sheet(self, name: str, headings: Iterable[str], widths: Iterable[int]) -> Worksheet:
        sheet = self.book.add_worksheet(name)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        for col, heading in enumerate(headings):
            sheet.write_string(0, col, heading, self.bold)
        sheet.freeze_panes(1, 0)
        return sheet

    def close(self, target: Path) -> None:
        """Finish the file and give it its name only once it is complete."""
        try:
            self.book.close()
        except FileCreateError as exc:  # the library's wrapper of the OSError (a full disk)
            cause = exc.args[0] if exc.args else None
            if isinstance(cause, OSError):
                raise cause from None
            raise
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            with open(partial, "wb") as out:
                out.write(self.buffer.getvalue())
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise


def _cell(book: _Book, sheet: Worksheet, row: int, col: int, value: Any, currency: str) -> None:
    """One value: an amount, a date, a whole number or text; nothing for a null."""
    if value is None:
        return
    if isinstance(value, Decimal):
        # A spreadsheet stores a binary double; an amount to the cent reads back the same.
        sheet.write_number(row, col, float(value), book.money(currency))
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, book.date)
    elif isinstance(value, int) and not isinstance(value, bool):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))


def _line_value(line: Mapping[str, Any], field: str) -> Any:
    value = line.get(field)
    if value is None:
        return None
    if field in _AMOUNTS:
        return Decimal(value)
    if field in _DATES:
        return date.fromisoformat(value)
    if field in _NUMBERS and isinstance(value, int):
        return value
    return str(value)


def write_run_sheet(manifest: Mapping[str, Any], target: Path) -> Path:
    """`run.xlsx`: the invoices of the run, the totals per currency, and what to look at."""
    book = _Book()
    _invoices(book, manifest["lines"])
    _totals(book, manifest)
    _warnings(book, manifest["lines"])
    book.close(target)
    return target


def _invoices(book: _Book, lines: Iterable[Mapping[str, Any]]) -> None:
    widths = [10, 14, 10, 8, 14, 14, 6, 6, 14, 12, 12, 14, 16, 11, 11, 10, 30, 40]
    sheet = book.sheet("Invoices", _LINE_COLUMNS.values(), widths)
    last = 0
    for row, line in enumerate(lines, start=1):
        for col, field in enumerate(_LINE_COLUMNS):
            _cell(book, sheet, row, col, _line_value(line, field), line["currency"])
        last = row
    if last:
        sheet.autofilter(0, 0, last, len(_LINE_COLUMNS) - 1)


_TOTALS = [
    "currency",
    "open invoices",
    "open amount",
    "letters",
    "total due on letters",
    "to invoice separately",
]


def _totals(book: _Book, manifest: Mapping[str, Any]) -> None:
    sheet = book.sheet("Totals", _TOTALS, [10, 14, 16, 10, 20, 20])
    for row, (currency, figures) in enumerate(_per_currency(manifest["lines"]).items(), 1):
        _row(book, sheet, row, [currency, *figures.values()], currency)


def _row(book: _Book, sheet: Worksheet, row: int, values: list[Any], currency: str) -> None:
    for col, value in enumerate(values):
        _cell(book, sheet, row, col, value, currency)


def _per_currency(lines: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per currency, in the order of the totals sheet: invoices, open, letters, due, and
    the fees and interest of the letters, to be invoiced separately."""
    totals: dict[str, dict[str, Any]] = {}
    for line in lines:
        figures = totals.setdefault(
            line["currency"],
            {
                "invoices": 0,
                "open": Decimal(0),
                "letters": 0,
                "due": Decimal(0),
                "separately": Decimal(0),
            },
        )
        figures["invoices"] += 1
        figures["open"] += Decimal(line["open_amount"])
        if line.get("letter"):
            figures["letters"] += 1
            figures["due"] += Decimal(line["total_due"] or line["open_amount"])
            figures["separately"] += Decimal(line.get("invoice_separately") or 0)
    return dict(sorted(totals.items()))


def _warnings(book: _Book, lines: Iterable[Mapping[str, Any]]) -> None:
    """Warnings, errors of failed invoices, and the steps to take by hand."""
    headings = ["invoice id", "document nr", "kind", "text"]
    sheet = book.sheet("Warnings", headings, [10, 14, 12, 100])
    row = 0
    for line in lines:
        for kind, text in _things_to_see(line):
            row += 1
            _cell(book, sheet, row, 0, line["invoice_id"], "")
            _cell(book, sheet, row, 1, line["document_nr"], "")
            sheet.write_string(row, 2, kind)
            sheet.write_string(row, 3, text)


def _things_to_see(line: Mapping[str, Any]) -> list[tuple[str, str]]:
    seen = []
    if line.get("warning"):
        seen.append(("warning", str(line["warning"])))
    if line.get("outcome") == "FAILED" and line.get("error"):
        seen.append(("error", str(line["error"])))
    if line.get("outcome") == "MANUAL_ACTION" and line.get("note"):
        seen.append(("manual step", str(line["note"])))
    if line.get("enforcement"):
        seen.append(
            (
                "debt enforcement",
                f"request {line['enforcement']} and its row in enforcement.csv",
            )
        )
    return seen


_HISTORY = [
    "run",
    "reference date",
    "status",
    "policy version",
    "started",
    "finished",
    "open invoices",
    "proposed",
    *OUTCOME_GROUPS,
    "letters",
]


def write_history(manifests: Iterable[Mapping[str, Any]], target: Path) -> Path:
    """Every run: one row each with its outcomes, and its amounts per currency."""
    runs = list(manifests)
    book = _Book()
    sheet = book.sheet("Runs", _HISTORY, [22, 12, 18, 18, 26, 26, *[10] * 9])
    for row, m in enumerate(runs, start=1):
        _row(book, sheet, row, _history_row(m), "")
    money = book.sheet("Totals", ["run", *_TOTALS], [22, 10, 14, 16, 10, 20])
    row = 0
    for m in runs:
        for currency, figures in _per_currency(m["lines"]).items():
            row += 1
            _row(book, money, row, [m["run_id"], currency, *figures.values()], currency)
    book.close(target)
    return target


def _history_row(m: Mapping[str, Any]) -> list[Any]:
    return [
        m["run_id"],
        date.fromisoformat(m["reference_date"]),
        m["status"] + (f", {m['undo'].replace('_', ' ')}" if m.get("undo") else ""),
        m["policy"]["version"],
        m.get("started_at"),
        m.get("finished_at"),
        len(m["lines"]),
        *outcome_groups(m).values(),
        sum(1 for line in m["lines"] if line.get("letter")),
    ]
