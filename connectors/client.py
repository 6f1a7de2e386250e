"""A synchronous bexio API client for what a dunning run needs.

Endpoints are methods; each returns validated `connectors.schemas` values. The `fetch_*`
methods and `rounding()` return the core's own values (`dunning.model`). Errors are the
`connectors.errors` tree; `httpx` never shows through. Sync `httpx.Client` on purpose: it
costs a fraction of the async client's CPU per call.
"""

from __future__ import annotations

import base64
import binascii
import json
import pickle
import tempfile
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import SecretStr, TypeAdapter

from connectors import mapping, schemas
from connectors.errors import BadResponseError
from connectors.session import BexioSession, validated
from dunning import model

__all__ = ["BexioClient", "NETWORK_LINK", "MAX_PAGE_SIZE"]

NETWORK_LINK = "[Network Link]"  # bexio refuses to send a message without it
MAX_PAGE_SIZE = 2000
_SEARCH_VALUE_CHARS = 255  # the documented maximum length of a search value

T = TypeVar("T")
R = TypeVar("R")


class _Listed(Protocol):
    @property
    def id(self) -> int: ...


L = TypeVar("L", bound=_Listed)
# Two requests in flight: the client prepares one while the API answers the other, about
# a fifth faster than one at a time; more threads only contend for the interpreter lock.
PARALLEL_CALLS = 2
_PARALLEL_FROM = 64  # below this many calls a thread pool is not worth starting
CONTACTS_KEPT = 20_000  # contacts a client keeps mapped (a letters batch has at most 1,000)
_STREAM_WINDOW = 1000  # items `stream_calls` takes ahead of the one it answers
_INVOICES = TypeAdapter(list[schemas.Invoice])
_INVOICE = TypeAdapter(schemas.Invoice)
_REMINDERS = TypeAdapter(list[schemas.Reminder])
_REMINDER = TypeAdapter(schemas.Reminder)
_CONTACT = TypeAdapter(schemas.Contact)
_CONTACTS = TypeAdapter(list[schemas.Contact])
_LANGUAGES = TypeAdapter(list[schemas.Language])
_CURRENCIES = TypeAdapter(list[schemas.Currency])
_COUNTRIES = TypeAdapter(list[schemas.Country])
_SALUTATIONS = TypeAdapter(list[schemas.Salutation])
_TITLES = TypeAdapter(list[schemas.Title])
_PDF = TypeAdapter(schemas.Pdf)


class BexioClient:
    """One connection to a bexio API root with one token; use it as a context manager.

    Idempotent calls (reads, searches, PDFs, mark-as-sent) are retried on transient
    failures; calls that create or send something are not, and raise `TransientError`
    so the caller can re-check state. Any call waits and repeats on 429.
    """

    def __init__(
        self,
        base_url: str,
        token: str | SecretStr,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_attempts: int = 5,
        verify: bool = True,
        page_size: int = MAX_PAGE_SIZE,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        backoff: float = 0.5,
        max_rate_limited: int = 10,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
        secret = token if isinstance(token, SecretStr) else SecretStr(token)
        self._session = BexioSession(
            base_url.rstrip("/"),
            secret,
            transport=transport,
            timeout=timeout,
            verify=verify,
            max_attempts=max_attempts,
            backoff=backoff,
            max_rate_limited=max_rate_limited,
            sleep=sleep,
            clock=clock,
        )
        self._page_size = page_size
        # Each contact as the letters need it, mapped once: the run's many invoices of one
        # customer share it, and bexio's record of it is not kept. The most recently used
        # `CONTACTS_KEPT` only: a run of 100,000 customers would hold ~70 MB of them.
        self._contacts: OrderedDict[int, model.Contact] = OrderedDict()
        self._contacts_lock = threading.Lock()
        self._lookups: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"BexioClient(base_url={self._session.base_url!r})"

    def __enter__(self) -> BexioClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @property
    def request_count(self) -> int:
        """How many HTTP requests this client has sent, retries included."""
        return self._session.request_count

    # -- invoices -------------------------------------------------------------------------

    def iter_invoices(
        self, criteria: list[dict[str, Any]] | None = None, order_by: str = "id"
    ) -> Iterator[schemas.Invoice]:
        """All invoices, or those matching bexio search criteria, page by page."""
        if criteria is None:
            return self._pages("GET", "/2.0/kb_invoice", None, order_by, _INVOICES)
        return self._pages("POST", "/2.0/kb_invoice/search", criteria, order_by, _INVOICES)

    def open_invoices(self) -> list[schemas.Invoice]:
        """Invoices in status pending (8) or partially paid (16)."""
        return list(self.iter_open_invoices())

    def iter_open_invoices(self) -> Iterator[schemas.Invoice]:
        """`open_invoices`, page by page."""
        status = sorted(model.OPEN_STATUSES)
        return self.iter_invoices(
            [{"field": "kb_item_status_id", "value": status, "criteria": "in"}]
        )

    def invoices_by_ids(self, ids: Sequence[int]) -> list[schemas.Invoice]:
        """The invoices with these ids (unknown ids are absent), a few searches per batch."""
        found: list[schemas.Invoice] = []
        for chunk in _chunks_for_search(sorted(set(ids))):
            found.extend(self.iter_invoices([{"field": "id", "value": chunk, "criteria": "in"}]))
        return found

    def show_invoice(self, invoice_id: int) -> schemas.Invoice:
        path = f"/2.0/kb_invoice/{int(invoice_id)}"
        return validated(_INVOICE, self._get(path), "GET", path)

    def invoice_pdf(self, invoice_id: int) -> bytes:
        """The PDF bexio renders for an invoice, with its QR-bill (a heavy call: bexio
        allows fewer of them a minute, bexio-api.md §6)."""
        return self._pdf(f"/2.0/kb_invoice/{int(invoice_id)}/pdf")

    def mark_unpaid(self, invoice_id: int) -> None:
        """Mark an invoice unpaid (status 31) through the sandbox's extension.

        This is NOT a bexio endpoint: `POST /ext/kb_invoice/{id}/mark_unpaid` exists only
        in this project's sandbox (and APIs that choose to offer it). Call it only when
        the user enabled BEXIO_UNPAID_EXTENSION. Not retried on transient failures.
        """
        path = f"/ext/kb_invoice/{int(invoice_id)}/mark_unpaid"
        _expect_success(self._session.request("POST", path, idempotent=False), "POST", path)

    # -- reminders ------------------------------------------------------------------------

    def list_reminders(self, invoice_id: int) -> list[schemas.Reminder]:
        path = _reminders_path(invoice_id)
        return validated(_REMINDERS, self._get(path), "GET", path)

    def show_reminder(self, invoice_id: int, reminder_id: int) -> schemas.Reminder:
        path = f"{_reminders_path(invoice_id)}/{int(reminder_id)}"
        return validated(_REMINDER, self._get(path), "GET", path)

    def create_reminder(self, invoice_id: int) -> schemas.Reminder:
        """Create the invoice's next reminder; bexio computes level, title and dates.

        Never retried on a timeout or 5xx (a second POST would create a second level):
        on `TransientError` re-read the reminders to learn whether it happened.
        """
        path = _reminders_path(invoice_id)
        data = self._session.request("POST", path, idempotent=False, body={})
        return validated(_REMINDER, data, "POST", path)

    def mark_reminder_sent(self, invoice_id: int, reminder_id: int) -> None:
        path = f"{_reminders_path(invoice_id)}/{int(reminder_id)}/mark_as_sent"
        _expect_success(self._session.request("POST", path, idempotent=True), "POST", path)

    def send_reminder(
        self, invoice_id: int, reminder_id: int, *, recipient_email: str, subject: str, message: str
    ) -> None:
        """E-mail the reminder through bexio; `message` must contain "[Network Link]"."""
        if NETWORK_LINK not in message:
            raise ValueError(f"the reminder message must contain the placeholder {NETWORK_LINK}")
        path = f"{_reminders_path(invoice_id)}/{int(reminder_id)}/send"
        body = {"recipient_email": recipient_email, "subject": subject, "message": message}
        _expect_success(
            self._session.request("POST", path, idempotent=False, body=body), "POST", path
        )

    def reminder_pdf(self, invoice_id: int, reminder_id: int, *, logopaper: bool = True) -> bytes:
        """The PDF bexio renders for a reminder, with its letterhead (`logopaper`) or without,
        for paper that has it printed. A heavy route: its own, smaller rate-limit bucket."""
        path = f"{_reminders_path(invoice_id)}/{int(reminder_id)}/pdf"
        params = {"logopaper": int(logopaper)}
        data = self._session.request("GET", path, idempotent=True, params=params)
        pdf = validated(_PDF, data, "GET", path)
        try:
            return base64.b64decode(pdf.content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadResponseError(
                f"GET {path}: the PDF content is not base64", method="GET", path=path
            ) from exc

    def delete_reminder(self, invoice_id: int, reminder_id: int) -> None:
        """Delete a reminder. Not retried: bexio deletes "the most recent" reminder."""
        path = f"{_reminders_path(invoice_id)}/{int(reminder_id)}"
        _expect_success(self._session.request("DELETE", path, idempotent=False), "DELETE", path)

    # -- contacts and lookups (cached for the client's lifetime) --------------------------

    def contact(self, contact_id: int) -> schemas.Contact:
        """bexio's record of one contact, read now (`fetch_contact` is the cached one)."""
        path = f"/2.0/contact/{int(contact_id)}"
        return validated(_CONTACT, self._get(path), "GET", path)

    def prefetch_contacts(self, contact_ids: Sequence[int]) -> int:
        """Read the contacts not yet cached with a few searches (about 30 ids each) instead
        of one call per contact; returns how many were found. An id the search does not
        return (unknown, or archived) stays uncached, so `fetch_contact` reads it on its own.
        The ids already kept count as just used, so that the search does not push them out."""
        ids = {int(i) for i in contact_ids}
        with self._contacts_lock:
            for kept in ids & self._contacts.keys():
                self._contacts.move_to_end(kept)
            wanted = sorted(ids - self._contacts.keys())
        found = 0
        for chunk in _chunks_for_search(wanted):
            criteria = [{"field": "id", "value": chunk, "criteria": "in"}]
            for contact in self._pages("POST", "/2.0/contact/search", criteria, "id", _CONTACTS):
                self._keep(self._mapped(contact))
                found += 1
        return found

    def languages(self) -> list[schemas.Language]:
        return self._cached("/2.0/language", _LANGUAGES)

    def currencies(self) -> list[schemas.Currency]:
        return self._cached("/3.0/currencies", _CURRENCIES)

    def countries(self) -> list[schemas.Country]:
        return self._cached("/2.0/country", _COUNTRIES)

    def salutations(self) -> list[schemas.Salutation]:
        return self._cached("/2.0/salutation", _SALUTATIONS)

    def titles(self) -> list[schemas.Title]:
        return self._cached("/2.0/title", _TITLES)

    # -- the core's values ----------------------------------------------------------------

    def fetch_open_invoices(self) -> list[model.Invoice]:
        """Every open invoice with its reminders and currency code."""
        return [
            invoice for page in self.open_invoice_pages() for invoice in self.with_reminders(page)
        ]

    def open_invoice_pages(self) -> Iterator[list[model.Invoice]]:
        """The open invoices, without their reminders yet, a page at a time.

        The whole listing is read first, in one go: bexio pages by offset, so an invoice
        that leaves the list between two pages pushes another one out of sight, and the
        reminders of a large listing take long to read. Each invoice is mapped as it is
        listed (bexio's record of it is several times the size of ours) and its page kept
        in a temporary file until the caller asks for it: a large run does not hold the
        listing while its reminders are read and its invoices decided.
        """
        codes = self._currency_codes()
        with tempfile.TemporaryFile() as spool:
            starts = []  # where each page's invoices start in the spool
            page: list[model.Invoice] = []
            for raw in self.iter_open_invoices():
                page.append(mapping.to_invoice(raw, (), codes))
                if len(page) == self._page_size:
                    starts.append(spool.tell())
                    pickle.dump(page, spool, protocol=pickle.HIGHEST_PROTOCOL)
                    page = []
            for start in starts:
                spool.seek(start)
                yield pickle.load(spool)  # noqa: S301 - our own file, written just above
            if page:
                yield page

    def with_reminders(self, invoices: Sequence[model.Invoice]) -> list[model.Invoice]:
        """The invoices, in order, each with its reminders."""
        return [
            with_them
            for _, with_them in self.stream_calls(
                lambda invoice: replace(
                    invoice,
                    reminders=tuple(
                        mapping.to_reminder(r) for r in self.list_reminders(invoice.id)
                    ),
                ),
                invoices,
            )
        ]

    def map_calls(self, call: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`[call(item) for item in items]`, with up to `PARALLEL_CALLS` calls in flight;
        results in input order, the first exception raised. Only for calls that do not
        depend on each other."""
        if len(items) < _PARALLEL_FROM:
            return [call(item) for item in items]
        with ThreadPoolExecutor(PARALLEL_CALLS, thread_name_prefix="bexio") as pool:
            return list(pool.map(call, items))

    def stream_calls(
        self, call: Callable[[T], R], items: Iterable[T], window: int = _STREAM_WINDOW
    ) -> Iterator[tuple[T, R]]:
        """Each item with `call(item)`, in input order, taking `items` as they come: up to
        `PARALLEL_CALLS` calls in flight and at most `window` items waiting for their
        answer or to be taken; the first exception raised. Only for calls that do not
        depend on each other."""
        waiting: deque[tuple[T, Future[R]]] = deque()
        with ThreadPoolExecutor(PARALLEL_CALLS, thread_name_prefix="bexio") as pool:
            try:
                for item in items:
                    waiting.append((item, pool.submit(call, item)))
                    if len(waiting) >= window:
                        first, answer = waiting.popleft()
                        yield first, answer.result()
                while waiting:
                    first, answer = waiting.popleft()
                    yield first, answer.result()
            finally:  # stopped early (an error, or the caller): the calls not begun are not made
                for _, answer in waiting:
                    answer.cancel()

    def fetch_invoice(self, invoice_id: int) -> model.Invoice:
        """One invoice as it is now, with its reminders."""
        raw = self.show_invoice(invoice_id)
        return mapping.to_invoice(raw, self.list_reminders(raw.id), self._currency_codes())

    def fetch_contact(self, contact_id: int) -> model.Contact:
        """The contact as the letters need it, read once while it is among the
        `CONTACTS_KEPT` the client used last."""
        contact_id = int(contact_id)
        with self._contacts_lock:  # the read-ahead thread shares the client
            kept = self._contacts.get(contact_id)
            if kept is not None:
                self._contacts.move_to_end(contact_id)
                return kept
        path = f"/2.0/contact/{contact_id}"
        return self._keep(self._mapped(validated(_CONTACT, self._get(path), "GET", path)))

    def _keep(self, contact: model.Contact) -> model.Contact:
        with self._contacts_lock:
            self._contacts[contact.id] = contact
            self._contacts.move_to_end(contact.id)
            if len(self._contacts) > CONTACTS_KEPT:
                self._contacts.popitem(last=False)
        return contact

    def _mapped(self, raw: schemas.Contact) -> model.Contact:
        languages = {lang.id: lang.iso_639_1 for lang in self.languages()}
        countries = {country.id: country.iso_3166_alpha2 for country in self.countries()}
        # The salutation and title lists are read (once) only for a person who has one.
        person = raw.contact_type_id != mapping.COMPANY
        salutations = (
            {s.id: s.name for s in self.salutations()} if person and raw.salutation_id else {}
        )
        titles = {t.id: t.name for t in self.titles()} if person and raw.title_id else {}
        return mapping.to_contact(raw, languages, countries, salutations, titles)

    def rounding(self) -> dict[str, Decimal]:
        """Rounding step per currency code, e.g. {"CHF": Decimal("0.05")}."""
        return mapping.rounding_steps(self.currencies())

    # -- plumbing -------------------------------------------------------------------------

    def _get(self, path: str) -> Any:
        return self._session.request("GET", path, idempotent=True)

    def _pdf(self, path: str) -> bytes:
        """A PDF endpoint's file: JSON with the content in base64 (bexio-api.md §2)."""
        pdf = validated(_PDF, self._get(path), "GET", path)
        try:
            return base64.b64decode(pdf.content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadResponseError(
                f"GET {path}: the PDF content is not base64", method="GET", path=path
            ) from exc

    def _currency_codes(self) -> dict[int, str]:
        return {currency.id: currency.name for currency in self.currencies()}

    def _cached(self, path: str, adapter: TypeAdapter[list[L]]) -> list[L]:
        if path not in self._lookups:
            self._lookups[path] = list(self._pages("GET", path, None, None, adapter))
        result: list[L] = self._lookups[path]
        return result

    def _pages(
        self,
        method: str,
        path: str,
        criteria: list[dict[str, Any]] | None,
        order_by: str | None,
        adapter: TypeAdapter[list[L]],
    ) -> Iterator[L]:
        """Offset pagination until a short page; each id once, however the list moves.

        bexio keeps no snapshot between pages (limit/offset over an id-ordered list): when
        an item with a lower id joins the list between two pages, the next page repeats the
        last rows of the one before. Those copies are dropped here; re-reading would only
        see the moved list again. (An item that leaves the list between pages can push one
        unseen item below the offset; it is simply not part of this listing.) A full page
        with nothing new is refused: the server is repeating itself.
        """
        offset = 0
        seen: set[int] = set()
        while True:
            params: dict[str, str | int] = {"limit": self._page_size, "offset": offset}
            if order_by:
                params["order_by"] = order_by
            body = {} if criteria is None else {"body": criteria}
            data = self._session.request(method, path, idempotent=True, params=params, **body)
            page = validated(adapter, data, method, path)
            fresh = []
            for item in page:  # a copy within the page, or of an earlier page, is dropped
                if item.id not in seen:
                    seen.add(item.id)
                    fresh.append(item)
            full = len(page) >= self._page_size
            if full and not fresh:
                raise BadResponseError(
                    f"{method} {path}: offset {offset} returned only items already listed",
                    method=method,
                    path=path,
                )
            yield from fresh
            if not full:
                return
            offset += self._page_size


def _reminders_path(invoice_id: int) -> str:
    return f"/2.0/kb_invoice/{int(invoice_id)}/kb_reminder"


def _expect_success(data: Any, method: str, path: str) -> None:
    """Action endpoints answer `{"success": true}`; anything else is not a success."""
    if isinstance(data, dict) and data.get("success") is False:
        raise BadResponseError(
            f"{method} {path}: the API answered success=false", method=method, path=path
        )


def _chunks_for_search(ids: list[int]) -> Iterator[list[int]]:
    """Split ids so each chunk, written as a JSON array, fits a search value."""
    chunk: list[int] = []
    for invoice_id in ids:
        if chunk and len(json.dumps([*chunk, invoice_id])) > _SEARCH_VALUE_CHARS:
            yield chunk
            chunk = []
        chunk.append(invoice_id)
    if chunk:
        yield chunk
