"""The generated company: deterministic, varied where it should be, and internally consistent."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from connectors.sandbox.config import SandboxConfig, level_setting
from connectors.sandbox.data import Company, generate
from dunning.model import Invoice, Reminder
from dunning.policy_file import example_policy_path, load_policy
from dunning.proposal import Reason
from dunning.rules import decide

TODAY = date(2026, 11, 30)
CURRENCY = {1: "CHF", 2: "EUR"}


@pytest.fixture(scope="module")
def mixed() -> Company:
    return generate(SandboxConfig(invoices=600, seed=11), TODAY)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _as_invoice(raw: dict[str, Any], reminders: list[dict[str, Any]]) -> Invoice:
    return Invoice(
        id=raw["id"],
        document_nr=raw["document_nr"],
        contact_id=raw["contact_id"],
        status=raw["kb_item_status_id"],
        currency=CURRENCY[raw["currency_id"]],
        total=Decimal(raw["total"]),
        remaining=Decimal(raw["total_remaining_payments"]),
        valid_from=_day(raw["is_valid_from"]),
        valid_to=_day(raw["is_valid_to"]),
        reminders=tuple(
            Reminder(
                r["id"],
                raw["id"],
                r["reminder_level"],
                _day(r["is_valid_from"]),
                _day(r["is_valid_to"]),
            )
            for r in reminders
        ),
    )


def test_the_same_seed_gives_the_same_company() -> None:
    config = SandboxConfig(invoices=150, seed=4)
    assert generate(config, TODAY) == generate(config, TODAY)
    assert generate(config, TODAY) != generate(SandboxConfig(invoices=150, seed=5), TODAY)


def test_a_mixed_company_has_every_status_currency_and_level(mixed: Company) -> None:
    statuses = Counter(i["kb_item_status_id"] for i in mixed.invoices)
    assert set(statuses) == {7, 8, 9, 16, 19, 31}
    assert {i["currency_id"] for i in mixed.invoices} == {1, 2}
    levels = {max(r["reminder_level"] for r in rs) for rs in mixed.reminders.values()}
    assert levels == {1, 2, 3}
    partial = [i for i in mixed.invoices if i["kb_item_status_id"] == 16]
    assert all(mixed.payments[i["id"]] for i in partial)


def test_a_run_on_a_mixed_company_meets_every_situation(mixed: Company) -> None:
    policy = load_policy(example_policy_path())
    reasons = Counter(
        decide(invoice, policy, None, TODAY).reason
        for raw in mixed.invoices
        if (invoice := _as_invoice(raw, mixed.reminders.get(raw["id"], []))).is_open
    )
    for reason in (Reason.NOT_OVERDUE, Reason.IN_GRACE, Reason.ESCALATE, Reason.FINAL):
        assert reasons[reason] >= 5, reasons


def test_reminder_dates_are_consistent(mixed: Company) -> None:
    for invoice in mixed.invoices:
        previous_deadline = _day(invoice["is_valid_to"])
        for level, reminder in enumerate(mixed.reminders.get(invoice["id"], []), start=1):
            start, end = _day(reminder["is_valid_from"]), _day(reminder["is_valid_to"])
            assert reminder["reminder_level"] == level
            assert end - start == timedelta(days=level_setting(level).period_days - 1)
            assert previous_deadline < start <= TODAY
            previous_deadline = end


def test_amounts_are_realistic_and_add_up(mixed: Company) -> None:
    for invoice in mixed.invoices:
        total = Decimal(invoice["total"])
        assert Decimal("45") <= total <= Decimal("12500")
        if invoice["currency_id"] == 1:
            assert total % Decimal("0.05") == 0
        received = sum(
            (Decimal(p["value"]) for p in mixed.payments.get(invoice["id"], [])), Decimal(0)
        )
        assert Decimal(invoice["total_received_payments"]) == received
        assert Decimal(invoice["total_remaining_payments"]) == total - received


def test_the_awkward_cases_are_there(mixed: Company) -> None:
    names = {c["name_1"] for c in mixed.contacts}
    assert {"Müller & Söhne AG", "L'Atelier d'Émilie Sàrl", "Caffè Nonna Lucia SA"} <= names
    assert {c["language_id"] for c in mixed.contacts} >= {1, 2, 3, 4}
    assert any(c["mail"] is None for c in mixed.contacts)
    assert any(c["city"] is None for c in mixed.contacts)
    assert {c["country_id"] for c in mixed.contacts} >= {1, 2, 3, 4}
    assert {c["contact_type_id"] for c in mixed.contacts} == {1, 2}
    numbers = [i["document_nr"] for i in mixed.invoices]
    assert len(set(numbers)) == len(numbers)
    assert any(not n.startswith("RE-0") for n in numbers)


def test_the_benchmark_company_is_all_open_overdue_level_0_chf() -> None:
    company = generate(SandboxConfig(invoices=300, scenario="all_overdue"), TODAY)
    assert not company.reminders and not company.payments
    for invoice in company.invoices:
        assert invoice["kb_item_status_id"] == 8 and invoice["currency_id"] == 1
        assert _day(invoice["is_valid_to"]) < TODAY
    for contact in company.contacts:
        assert contact["country_id"] == 1
        assert all(contact[f] for f in ("street_name", "house_number", "postcode", "city"))
