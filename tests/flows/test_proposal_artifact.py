"""The proposal table a run shows in Prefect: every open invoice up to a size the Prefect
server and the browser hold easily; past it, the first ones, the proposed first, and the
spreadsheet that lists every one."""

from __future__ import annotations

import json

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from dunning.proposal import Reason
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE, Company

DAY = REFERENCE_DATE.isoformat()


def _proposal_table(flow_run_id: str) -> tuple[list[dict[str, object]], str]:
    with get_client(sync_client=True) as client:
        (table,) = [
            a
            for a in client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["dunning-proposal"])),
                sort=ArtifactSort.CREATED_DESC,
            )
            if str(a.flow_run_id) == flow_run_id
        ]
    return json.loads(str(table.data)), table.description or ""


def test_a_large_proposal_table_shows_its_first_invoices_and_links_the_spreadsheet(
    bexio: Company, output: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("flows.dunning_run.PROPOSAL_TABLE_ROWS", 5)
    proposed = len(bexio.decisions(Reason.ESCALATE))
    assert proposed > 5

    result = run_cli(["run", "--reference-date", DAY, "--confirm-reference-date"])

    assert result.code == 0, result.text
    (run_id,) = new_runs(output)  # type: ignore[arg-type]
    record = load_manifest(output, run_id)  # type: ignore[arg-type]
    rows, description = _proposal_table(record["flow_run_id"])
    assert len(rows) == 5 and all("→" in str(r["level"]) for r in rows)  # the proposed first
    total = len(record["lines"])
    assert f"the first 5 of {total} open invoices" in description
    assert f"/{run_id}/run.xlsx)" in description


def test_a_proposal_table_lists_every_open_invoice(bexio: Company, output: object) -> None:
    result = run_cli(["run", "--dry-run", "--reference-date", DAY])

    assert result.code == 0, result.text
    (run_id,) = new_runs(output)  # type: ignore[arg-type]
    record = load_manifest(output, run_id)  # type: ignore[arg-type]
    rows, description = _proposal_table(record["flow_run_id"])
    assert sorted(r["id"] for r in rows) == sorted(ln["invoice_id"] for ln in record["lines"])
    assert description == f"Proposal of run {run_id}"
