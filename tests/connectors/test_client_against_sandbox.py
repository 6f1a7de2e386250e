"""The client against the sandbox over real loopback HTTP: both sides of the same contract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from connectors import AuthError, BexioClient, NotFoundError, RejectedError, TransientError
from connectors.sandbox import SandboxConfig, SandboxURL, running_sandbox
from dunning.model import OPEN_STATUSES
from tests.support.clock import ManualClock

CONFIG = SandboxConfig(invoices=40, seed=7, today=date(2026, 11, 30))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxURL]:
    with running_sandbox(CONFIG) as url:
        yield url


def admin(url: str, method: str, path: str) -> httpx.Response:
    """The sandbox's own test routes (not bexio's): counters behind the API."""
    headers = {"Authorization": f"Bearer {CONFIG.token}"}
    return httpx.request(method, f"{url}/_sandbox/{path}", headers=headers, timeout=10)


def test_search_and_listing_agree_on_the_open_invoices(sandbox: SandboxURL) -> None:
    with BexioClient(sandbox, CONFIG.token, page_size=15) as bexio:
        listed = [inv for inv in bexio.iter_invoices() if inv.kb_item_status_id in OPEN_STATUSES]
        searched = bexio.open_invoices()
        rechecked = bexio.invoices_by_ids([inv.id for inv in searched])
    assert len(listed) > 0
    assert sorted(inv.id for inv in searched) == sorted(inv.id for inv in listed)
    assert sorted(inv.id for inv in rechecked) == sorted(inv.id for inv in listed)


def test_core_values_come_with_reminders_currency_and_contact(sandbox: SandboxURL) -> None:
    with BexioClient(sandbox, CONFIG.token) as bexio:
        invoices = bexio.fetch_open_invoices()
        one = next(inv for inv in invoices if inv.contact_id is not None)
        contact = bexio.fetch_contact(one.contact_id)  # type: ignore[arg-type]
        rounding = bexio.rounding()
        again = bexio.fetch_invoice(one.id)
    assert again == one
    assert all(inv.currency in rounding for inv in invoices)
    assert contact.id == one.contact_id and contact.address.name
    assert len(contact.address.country) == 2


def test_a_reminder_from_creation_to_deletion(sandbox: SandboxURL) -> None:
    with BexioClient(sandbox, CONFIG.token) as bexio:
        invoice = next(inv for inv in bexio.open_invoices() if not bexio.list_reminders(inv.id))
        created = bexio.create_reminder(invoice.id)
        assert created.reminder_level == 1 and not created.is_sent
        assert [r.id for r in bexio.list_reminders(invoice.id)] == [created.id]
        assert bexio.reminder_pdf(invoice.id, created.id).startswith(b"%PDF")
        bexio.send_reminder(
            invoice.id,
            created.id,
            recipient_email="kunde@example.ch",
            subject="Zahlungserinnerung",
            message="Guten Tag [Network Link]",
        )
        assert bexio.show_reminder(invoice.id, created.id).is_sent
        bexio.delete_reminder(invoice.id, created.id)
        assert bexio.list_reminders(invoice.id) == []


def test_the_unpaid_extension_writes_the_invoice_off(sandbox: SandboxURL) -> None:
    with BexioClient(sandbox, CONFIG.token) as bexio:
        invoice = bexio.open_invoices()[-1]
        bexio.mark_unpaid(invoice.id)
        assert bexio.show_invoice(invoice.id).kb_item_status_id == 31


def test_the_sandbox_refuses_what_bexio_refuses(sandbox: SandboxURL) -> None:
    with BexioClient(sandbox, "wrong-token") as bexio, pytest.raises(AuthError, match="401"):
        bexio.languages()
    with BexioClient(sandbox, CONFIG.token) as bexio:
        with pytest.raises(NotFoundError, match=r"^GET /2.0/kb_invoice/999999: 404 "):
            bexio.show_invoice(999_999)
        with pytest.raises(RejectedError, match="422"):
            list(bexio.iter_invoices([{"field": "no_such_field", "value": 1, "criteria": "="}]))


def test_reads_survive_injected_faults_and_writes_are_never_doubled() -> None:
    config = SandboxConfig(invoices=30, seed=11, today=date(2026, 11, 30), fail_rate=0.3)
    failures = 0
    with running_sandbox(config) as url:
        with BexioClient(url, config.token, max_attempts=12, backoff=0.0) as bexio:
            ids = [invoice.id for invoice in bexio.open_invoices()[:15]]
            before = {i: len(bexio.list_reminders(i)) for i in ids}
            for invoice_id in ids:
                try:
                    bexio.create_reminder(invoice_id)
                except TransientError:
                    failures += 1  # it may or may not exist now; only a re-read can tell
                except RejectedError:
                    pass  # already at the last level
            added = {i: len(bexio.list_reminders(i)) - before[i] for i in ids}
        stats = admin(url, "GET", "stats").json()
    assert failures > 0, "with a 30 % fault rate some creates should have failed"
    creates = stats["requests"]["POST /2.0/kb_invoice/{invoice_id}/kb_reminder"]
    assert sum(creates.values()) == len(ids), "one POST per invoice, failed or not"
    assert creates.get("201", 0) > 0
    assert all(count <= 1 for count in added.values())


def test_pacing_keeps_a_long_run_clear_of_429() -> None:
    clock = ManualClock()  # the client's waits move the sandbox's windows on
    config = SandboxConfig(invoices=5, seed=1, rate_limit=5, window_seconds=1, clock=clock)
    with (
        running_sandbox(config) as url,
        BexioClient(url, config.token, sleep=clock.sleep, clock=clock) as bexio,
    ):
        for _ in range(11):
            bexio.list_reminders(1)
        stats = admin(url, "GET", "stats").json()
    assert stats.get("responses_429", 0) == 0
    assert len(clock.sleeps) == 2, clock.sleeps  # 11 calls, 5 a window: it waited twice
