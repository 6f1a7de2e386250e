"""What to check after a run is said where people look: the command's last lines and the
summary artifact count the warnings by kind (an expired block, shortened addresses) and
name the first invoices."""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from dunning.proposal import Reason
from tests.support.cli import new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE

LONG_NAME = "Genossenschaft " + " ".join(["Überlange Namensbestandteile"] * 8)


def test_a_run_counts_its_warnings_by_kind_in_the_terminal_and_the_summary(bexio, output, tmp_path):
    first, second = (d.invoice for d in bexio.decisions(Reason.ESCALATE)[:2])
    bexio.state.contacts[first.contact_id]["name_1"] = LONG_NAME
    blocks = tmp_path / "blocks.toml"
    blocks.write_text(
        f'[[block]]\ninvoice_id = {second.id}\nreason = "disputed"\nuntil = 2026-11-01\n',
        encoding="utf-8",
    )
    result = run_cli(
        [
            "run",
            "--reference-date",
            REFERENCE_DATE.isoformat(),
            "--confirm-reference-date",
            "--blocks",
            str(blocks),
        ]
    )
    assert result.code == 0, result.text
    shown = " ".join(result.out.split())
    assert (
        "Check: Expired holds and blocks (their invoices are dunned again): 1 "
        f"(block of invoice {second.id} until 01.11.2026)"
    ) in shown, shown
    address = shown.split("Check: Addresses shortened to fit the envelope window: ")[1]
    assert f"{first.id}" in address.split(")")[0]

    (run_id,) = new_runs(output)
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["dunning-summary"]))
        )
    (summary,) = [str(a.data) for a in artifacts if f"Dunning run {run_id}" in str(a.data)]
    assert "**To check:**" in summary
    assert "Addresses shortened to fit the envelope window" in summary
    assert f"block of invoice {second.id} until 01\\.11\\.2026" in summary
