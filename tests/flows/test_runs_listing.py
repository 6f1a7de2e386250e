"""`dunning runs`: every outcome counted, and what was still open per currency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.cli import run_cli


def _line(invoice_id: int, currency: str, open_amount: str, reason: str, outcome: str | None):
    return {
        "invoice_id": invoice_id,
        "document_nr": f"RE-{invoice_id:05d}",
        "currency": currency,
        "open_amount": open_amount,
        "reason": reason,
        "outcome": outcome,
        "letter": f"letters/RE-{invoice_id:05d}-{invoice_id}-L1.pdf" if invoice_id == 1 else None,
    }


def _write_run(output: Path, run_id: str, lines: list[dict[str, Any]], **counts: Any) -> None:
    folder = output / run_id
    folder.mkdir(parents=True)
    manifest = {
        "schema": "dunning-run/1",
        "run_id": run_id,
        "status": "failed",
        "started_at": f"{run_id[:10]}T06:00:00+01:00",
        "counts": counts,
        "merged_pdf": "letters.pdf",
        "lines": lines,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_runs_counts_every_outcome_and_the_open_total_per_currency(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "220")
    output = tmp_path / "out"
    _write_run(
        output,
        "2026-11-30-0000000a",
        [
            _line(1, "CHF", "1200.50", "ESCALATE", "ESCALATED"),
            _line(2, "CHF", "300.00", "FINAL", "MARKED_UNPAID"),
            _line(3, "EUR", "80.25", "ESCALATE", "DESELECTED"),
            _line(4, "CHF", "10.00", "ESCALATE", "CHANGED"),
            _line(5, "CHF", "45.00", "FINAL", "MANUAL_ACTION"),
            _line(6, "EUR", "19.75", "ESCALATE", "FAILED"),
            _line(7, "CHF", "99.00", "NOT_OVERDUE", None),
        ],
        reasons={"ESCALATE": 4, "FINAL": 2, "NOT_OVERDUE": 1},
        outcomes={
            "ESCALATED": 1,
            "CHANGED": 1,
            "MARKED_UNPAID": 1,
            "MANUAL_ACTION": 1,
            "DESELECTED": 1,
            "FAILED": 1,
        },
    )

    result = run_cli(["runs", "--output", str(output)])

    assert result.code == 0, result.text
    rows = [[c.strip() for c in ln.split("│")] for ln in result.out.splitlines() if "│" in ln]
    assert rows[0] == ["2026-11-30-0000000a", "failed", "6", "2 done", "CHF 1'654.50", "1"]
    assert [row[3:5] for row in rows[1:]] == [
        ["1 deselected", "EUR 100.00"],
        ["1 changed", ""],
        ["1 manual", ""],
        ["1 failed", ""],
    ]
