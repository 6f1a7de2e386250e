"""Reading a run's debtors in bulk: a few searches, the same contacts as one read each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from connectors import BexioClient
from connectors import client as client_module
from connectors import contacts as contacts_module
from connectors.contacts import fetch_contacts
from connectors.sandbox import SandboxConfig, SandboxURL, running_sandbox

CONFIG = SandboxConfig(invoices=400, seed=3, today=date(2026, 11, 30))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxURL]:
    with running_sandbox(CONFIG) as url:
        yield url


def test_bulk_read_gives_the_same_contacts_with_far_fewer_calls(sandbox: SandboxURL) -> None:
    ids = list(range(1, 101))
    with BexioClient(sandbox, CONFIG.token) as one_by_one:
        single = {i: one_by_one.fetch_contact(i) for i in ids}
    with BexioClient(sandbox, CONFIG.token) as bexio:
        bulk = fetch_contacts(bexio, ids)
        calls = bexio.request_count
    assert bulk == single
    assert calls <= 10  # languages, countries and a handful of searches, not 100 reads


def test_an_unknown_contact_keeps_its_own_error_and_the_others_are_read(
    sandbox: SandboxURL,
) -> None:
    with BexioClient(sandbox, CONFIG.token) as bexio:
        found = fetch_contacts(bexio, [2, 999_999, 5])
    assert found[2].id == 2 and found[5].id == 5  # type: ignore[union-attr]
    assert isinstance(found[999_999], str) and "404" in found[999_999]


def test_a_failing_search_falls_back_to_one_read_per_contact(sandbox: SandboxURL) -> None:
    def refuse_searches(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search"):
            return httpx.Response(422, json={"error_code": 422, "message": "no search here"})
        with httpx.Client(base_url=str(sandbox)) as real:
            return real.send(
                real.build_request(
                    request.method,
                    request.url.path,
                    headers=request.headers,
                    content=request.content,
                )
            )

    with BexioClient(
        sandbox, CONFIG.token, transport=httpx.MockTransport(refuse_searches)
    ) as bexio:
        found = fetch_contacts(bexio, [1, 2, 3])
    assert [found[i].id for i in (1, 2, 3)] == [1, 2, 3]  # type: ignore[union-attr]


def test_people_are_read_with_their_salutation_and_title_and_the_lists_once(
    sandbox: SandboxURL,
) -> None:
    with BexioClient(sandbox, CONFIG.token) as bexio:
        contacts = fetch_contacts(bexio, list(range(1, 101)))
        calls = bexio.request_count
        bexio.fetch_contact(100)
        assert bexio.request_count == calls  # contact and lists are cached for the run
    people = [c for c in contacts.values() if not isinstance(c, str) and c.last_name]
    companies = [c for c in contacts.values() if not isinstance(c, str) and not c.last_name]
    assert people and companies
    assert {c.salutation for c in people} == {"Herr", "Frau"}
    assert any(c.title == "Dr." for c in people)
    assert all(c.salutation is None and c.title is None for c in companies)
    assert all(c.address.name.endswith(c.last_name or "") for c in people)


def test_more_debtors_than_the_client_keeps_are_still_read_in_bulk(
    sandbox: SandboxURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "CONTACTS_KEPT", 40)
    monkeypatch.setattr(contacts_module, "_PART", 30)
    ids = list(range(1, 101))
    with BexioClient(sandbox, CONFIG.token) as bexio:
        bulk = fetch_contacts(bexio, ids)
        calls = bexio.request_count
    assert sorted(bulk) == ids and all(not isinstance(c, str) for c in bulk.values())
    assert calls <= 12  # a few searches per part, none of the 100 read again on its own
