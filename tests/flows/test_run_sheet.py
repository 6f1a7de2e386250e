"""run.xlsx in every run folder, and `dunning runs --export`: read back as a user's
spreadsheet program reads them (openpyxl), with amounts as numbers and dates as dates."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from dunning.proposal import Reason
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE

DAY = REFERENCE_DATE.isoformat()
FORMULA = '=HYPERLINK("http://example.invalid","pay here")'


def _rows(sheet):
    rows = [list(r) for r in sheet.iter_rows()]
    return [c.value for c in rows[0]], rows[1:]


def test_every_run_folder_has_a_spreadsheet_of_its_invoices_with_totals(bexio, output):
    target = bexio.decisions(Reason.ESCALATE)[0].invoice.id
    bexio.state.invoices[target]["document_nr"] = FORMULA

    result = run_cli(["run", "--reference-date", DAY, "--confirm-reference-date"])

    assert result.code == 0, result.text
    assert "Spreadsheet:" in result.out and "run.xlsx" in result.out
    (run_id,) = new_runs(output)
    record = load_manifest(output, run_id)
    book = load_workbook(output / run_id / "run.xlsx")
    assert book.sheetnames == ["Invoices", "Totals", "Warnings"]

    head, rows = _rows(book["Invoices"])
    col = {name: i for i, name in enumerate(head)}
    assert len(rows) == len(record["lines"]) > 0
    for row, line in zip(rows, record["lines"], strict=True):
        assert row[col["invoice id"]].value == line["invoice_id"]
        assert row[col["reason"]].value == line["reason"]
        assert row[col["outcome"]].value == line["outcome"]
        amount = row[col["open amount"]]
        assert isinstance(amount.value, int | float) and amount.data_type == "n"
        assert Decimal(str(amount.value)).quantize(Decimal("0.01")) == Decimal(line["open_amount"])
        assert f'"{line["currency"]}"' in amount.number_format
        if line["reason"] == "ESCALATE":
            assert row[col["to level"]].value == line["to_level"]
            assert Decimal(str(row[col["total due"]].value)) == Decimal(line["total_due"])
            assert isinstance(row[col["deadline"]].value, datetime)
            assert row[col["deadline"]].value.date().isoformat() == line["deadline"]
    hostile = next(r for r in rows if r[col["invoice id"]].value == target)
    assert hostile[col["document nr"]].value == FORMULA
    assert hostile[col["document nr"]].data_type == "s"  # text, never a formula

    open_per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for line in record["lines"]:
        open_per_currency[line["currency"]] += Decimal(line["open_amount"])
    head, totals = _rows(book["Totals"])
    assert head[:3] == ["currency", "open invoices", "open amount"]
    assert {r[0].value: Decimal(str(r[2].value)).quantize(Decimal("0.01")) for r in totals} == dict(
        open_per_currency
    )

    with get_client(sync_client=True) as client:
        summaries = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["dunning-summary"]))
        )
    assert any(f"/{run_id}/run.xlsx)" in str(a.data) for a in summaries)


def test_a_failed_invoice_and_its_error_are_on_the_warnings_sheet(bexio, output):
    target = bexio.decisions(Reason.ESCALATE)[0].invoice.id
    rule = {"method": "POST", "path": f"/2.0/kb_invoice/{target}/kb_reminder"}
    body = '{"error_code": 422, "message": "Could not save the entity", "errors": []}'
    bexio.admin("POST", "/tamper", {**rule, "status": 422, "body": body})

    result = run_cli(["run", "--reference-date", DAY, "--confirm-reference-date"])

    assert result.code == 1, result.text
    (run_id,) = new_runs(output)
    _, rows = _rows(load_workbook(output / run_id / "run.xlsx")["Warnings"])
    errors = [(r[0].value, r[3].value) for r in rows if r[2].value == "error"]
    assert len(errors) == 1 and errors[0][0] == target and "Could not save" in errors[0][1]


def test_runs_export_writes_the_history_of_every_run(bexio, output, tmp_path):
    for _ in range(2):
        assert run_cli(["run", "--dry-run", "--reference-date", DAY]).code == 0
    runs = new_runs(output)

    result = run_cli(["runs", "--export", str(tmp_path / "history.xlsx")])

    assert result.code == 0, result.text
    book = load_workbook(tmp_path / "history.xlsx")
    head, rows = _rows(book["Runs"])
    assert head[:8] == [
        "run",
        "reference date",
        "status",
        "policy version",
        "started",
        "finished",
        "open invoices",
        "proposed",
    ]
    assert sorted(r[0].value for r in rows) == runs
    for row in rows:
        record = load_manifest(output, row[0].value)
        assert row[1].value.date() == REFERENCE_DATE and row[2].value == "dry_run"
        assert row[6].value == len(record["lines"])
    _, money = _rows(book["Totals"])
    assert {r[0].value for r in money} == set(runs)
    assert all(r[3].data_type == "n" for r in money)


def test_runs_export_refuses_a_name_that_is_not_a_spreadsheet(bexio, tmp_path):
    result = run_cli(["runs", "--export", str(tmp_path / "history.csv")])
    assert result.code == 2 and "xlsx" in result.err
    assert not (tmp_path / "history.csv").exists()
