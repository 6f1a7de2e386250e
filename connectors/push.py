"""Pushing approved level changes to bexio, one invoice at a time, safely.

For each invoice, in the order docs/RULES.md gives: re-check it in the API, recognise what an
earlier attempt of the same run already did, push, and report an outcome. Creating a
reminder is never repeated blindly: after an unclear failure the state is read first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from connectors.client import BexioClient
from connectors.errors import EXPECTED, ConnectorError, RejectedError, TransientError
from connectors.mapping import to_invoice
from connectors.schemas import Invoice as RawInvoice
from connectors.schemas import Reminder as RawReminder
from dunning.commit_rules import already_done, recheck
from dunning.model import OPEN_STATUSES, STATUS_UNPAID, Invoice
from dunning.outcome import Failure, Outcome, Result, failure
from dunning.periods import LevelGuard
from dunning.proposal import Decision, Reason, one_per_invoice

__all__ = ["Journal", "commit_batch", "MANUAL_UNPAID_NOTE"]

# bexio documents no API call that marks an invoice "unpaid", so a person does it.
MANUAL_UNPAID_NOTE = (
    "bexio's API cannot mark an invoice unpaid: open invoice {nr} in bexio and set its "
    "status to 'Unpaid' (Nicht bezahlt) by hand."
)
CREATE_ATTEMPTS = 3


class Journal(Protocol):
    """Where the run notes a push before it is made (survives a crash)."""

    def intent(self, invoice_id: int, action: str, target_level: int | None) -> None: ...

    def has_intent(self, invoice_id: int) -> bool: ...


def commit_batch(
    client: BexioClient,
    decisions: Sequence[Decision],
    journal: Journal,
    *,
    unpaid_extension: bool,
    guard: LevelGuard | None = None,
    on_result: Callable[[Result], None] = lambda result: None,
) -> list[Result]:
    """Commit approved decisions; one failing invoice never stops the others, except where
    `guard` learns that bexio's settings make every further push of a level wrong or
    refused. An invoice given twice is committed once (two workers on one invoice would
    both push)."""
    decisions = one_per_invoice(decisions)
    results: list[Result] = []
    try:
        # One search re-reads the whole batch; reminders are read per invoice below.
        found: dict[int, RawInvoice] | None = {
            raw.id: raw for raw in client.invoices_by_ids([d.invoice.id for d in decisions])
        }
        batch_error = None
    except ConnectorError as exc:
        found, batch_error = None, exc

    def one(decision: Decision) -> Result:
        try:
            if found is None:
                raise batch_error or TransientError("the batch could not be re-read")
            result = _commit_one(
                client, decision, found.get(decision.invoice.id), journal, unpaid_extension, guard
            )
        except Exception as exc:  # noqa: BLE001 - a failure stays with its own invoice
            result = Result.failed(decision.invoice.id, failure(exc, EXPECTED))
        on_result(result)
        return result

    # Invoices are committed independently of each other (docs/RULES.md), two at a time: one
    # is prepared while bexio answers the other. Each invoice's own steps stay in order.
    results.extend(client.map_calls(one, list(decisions)))
    return results


def _current(client: BexioClient, raw: RawInvoice) -> Invoice:
    currencies = {c.id: c.name for c in client.currencies()}
    return to_invoice(raw, client.list_reminders(raw.id), currencies)


def _commit_one(
    client: BexioClient,
    decision: Decision,
    raw: RawInvoice | None,
    journal: Journal,
    unpaid_extension: bool,
    guard: LevelGuard | None,
) -> Result:
    invoice_id = decision.invoice.id
    if raw is None:
        return Result(invoice_id, Outcome.CHANGED, note="the invoice is no longer in bexio")
    current = _current(client, raw)
    if decision.reason is Reason.FINAL:
        return _mark_unpaid(client, decision, current, journal, unpaid_extension)
    if already_done(decision, current) and journal.has_intent(invoice_id):
        latest = current.latest_reminder
        if latest is not None:  # the level is above 0, so bexio lists the reminder
            return Result(
                invoice_id,
                Outcome.ALREADY_DONE,
                reminder_id=latest.id,
                api_deadline=latest.valid_to,
                api_date=latest.valid_from,
            )
    change = recheck(decision, current)
    if change:
        return Result(invoice_id, Outcome.CHANGED, note=change)
    if guard is None:
        return _create_reminder(client, decision, journal, None)
    return _guarded_create(client, decision, journal, guard)


def _guarded_create(
    client: BexioClient, decision: Decision, journal: Journal, guard: LevelGuard
) -> Result:
    """Create the reminder unless its level was stopped; a level's first reminder of the
    run may stop it (created all the same: its letter prints bexio's date and deadline)."""
    invoice_id, level = decision.invoice.id, decision.to_level or 0
    stopped = guard.stopped(level)
    if stopped:
        return Result.failed(invoice_id, Failure(stopped))
    result = _create_reminder(client, decision, journal, guard)
    if result.outcome is Outcome.ESCALATED and result.api_date and result.api_deadline:
        made = (result.reminder_id or 0, invoice_id, result.api_date, result.api_deadline)
        stop = guard.created(level, *made)
        if stop:
            return replace(result, note=stop)
    return result


def _create_reminder(
    client: BexioClient, decision: Decision, journal: Journal, guard: LevelGuard | None
) -> Result:
    invoice_id, target = decision.invoice.id, decision.to_level
    journal.intent(invoice_id, "create_reminder", target)
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            reminder = client.create_reminder(invoice_id)
        except RejectedError as exc:
            # bexio refuses a level past its last one with 400 (bexio-api.md, reminders:
            # "last level reached"); a 422 is about this one invoice, and fails it alone.
            past_last = exc.status == 400 and _still_open(client, invoice_id)
            if guard is None or not target or not past_last:
                raise
            return Result.failed(invoice_id, Failure(guard.refused(target, invoice_id, str(exc))))
        except TransientError:
            # The reminder may exist although the answer was lost: look before retrying.
            latest = _current_reminder_at(client, invoice_id, target)
            if latest is not None:
                return Result(
                    invoice_id,
                    Outcome.ESCALATED,
                    reminder_id=latest.id,
                    api_deadline=latest.is_valid_to,
                    api_date=latest.is_valid_from,
                )
            if attempt == CREATE_ATTEMPTS:
                raise
            continue
        if reminder.reminder_level != target:
            return Result(
                invoice_id,
                Outcome.FAILED,
                reminder_id=reminder.id,
                error=f"bexio created level {reminder.reminder_level}, expected "
                f"level {target}; check the invoice's reminders by hand",
            )
        return Result(
            invoice_id,
            Outcome.ESCALATED,
            reminder_id=reminder.id,
            api_deadline=reminder.is_valid_to,
            api_date=reminder.is_valid_from,
        )
    raise AssertionError("unreachable")


def _still_open(client: BexioClient, invoice_id: int) -> bool:
    return client.show_invoice(invoice_id).kb_item_status_id in OPEN_STATUSES


def _current_reminder_at(
    client: BexioClient, invoice_id: int, level: int | None
) -> RawReminder | None:
    """The invoice's reminder at `level`, if one exists now."""
    at_level = [r for r in client.list_reminders(invoice_id) if r.reminder_level == level]
    return max(at_level, key=lambda r: r.id) if at_level else None


def _mark_unpaid(
    client: BexioClient,
    decision: Decision,
    current: Invoice,
    journal: Journal,
    unpaid_extension: bool,
) -> Result:
    invoice_id = decision.invoice.id
    if current.status == STATUS_UNPAID and journal.has_intent(invoice_id):
        return Result(invoice_id, Outcome.MARKED_UNPAID, note="marked unpaid by an earlier attempt")
    change = recheck(decision, current)
    if change:
        return Result(invoice_id, Outcome.CHANGED, note=change)
    if not unpaid_extension:
        return Result(
            invoice_id,
            Outcome.MANUAL_ACTION,
            note=MANUAL_UNPAID_NOTE.format(nr=decision.invoice.document_nr),
        )
    journal.intent(invoice_id, "mark_unpaid", None)
    try:
        client.mark_unpaid(invoice_id)
    except TransientError:
        # The status may have changed although the answer was lost: look before failing.
        if client.show_invoice(invoice_id).kb_item_status_id != STATUS_UNPAID:
            raise
    return Result(invoice_id, Outcome.MARKED_UNPAID)
