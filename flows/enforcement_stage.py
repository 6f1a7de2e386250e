"""The debt-enforcement hand-off of a run: for every invoice past the last level (outcome
`MARKED_UNPAID` or `MANUAL_ACTION`), a filled request in `<run>/enforcement/` and a row in
`<run>/enforcement.csv`. Written again whole by a retry, from what the run then knows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from prefect import get_run_logger

from connectors.client import BexioClient
from dunning.enforcement import HANDED_OVER, claims_of_run
from dunning.letters.enforcement import write_enforcement
from dunning.model import Contact
from dunning.outcome import Result
from dunning.policy import Policy
from dunning.proposal import Decision
from dunning.runs import RunFolder
from dunning.stored_decisions import select
from flows.prefect_tasks import batch_task, fetch_contacts

__all__ = ["hand_over"]


def hand_over(
    client: BexioClient,
    folder: RunFolder,
    policy: Policy,
    reference_date: date,
    decisions: Sequence[Decision],
    results: Mapping[int, Result],
) -> dict[int, str]:
    """The requests' files per invoice id, relative to the run folder ({} when none)."""
    handed = list(
        select(decisions, lambda i, _: i in results and results[i].outcome in HANDED_OVER)
    )
    if not handed:
        return {}
    ids = sorted({d.invoice.contact_id for d in handed if d.invoice.contact_id})
    found = fetch_contacts(client, ids) if ids else {}
    debtors: dict[int, Contact] = {}
    for d in handed:
        contact = found.get(d.invoice.contact_id) if d.invoice.contact_id else None
        if isinstance(contact, Contact):
            debtors[d.invoice.id] = contact
    # Only theirs: a task's inputs stay plain values (the run's results are on a shelf).
    theirs = {d.invoice.id: results[d.invoice.id] for d in handed}
    return write_requests(folder, policy, reference_date, handed, theirs, debtors)


@batch_task(name="write-enforcement")
def write_requests(
    folder: RunFolder,
    policy: Policy,
    reference_date: date,
    handed: Sequence[Decision],
    results: dict[int, Result],
    debtors: dict[int, Contact],
) -> dict[int, str]:
    claims = claims_of_run(policy, handed, results, debtors)
    csv = write_enforcement(claims, folder.path, policy.default_language, reference_date)
    get_run_logger().info("debt enforcement: %d requests, %s", len(claims), csv)
    return {claim.invoice_id: claim.pdf for claim in claims}
