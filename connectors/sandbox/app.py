"""The sandbox's HTTP routes: bexio's v2/v3 routes the project uses, one extension, admin.

Handlers are `async` (no thread hop) and answer with pre-encoded JSON bytes instead of
FastAPI's response encoding, which costs the server a third of its CPU at benchmark rates.
"""

from __future__ import annotations

import json
import random
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from connectors.sandbox.admin import admin_router
from connectors.sandbox.config import SandboxConfig
from connectors.sandbox.errors import ApiError, error_body
from connectors.sandbox.gate import Faults, Gate, RateLimiter, Stats
from connectors.sandbox.records import as_json
from connectors.sandbox.search import DEFAULT_LIMIT, page
from connectors.sandbox.shapes import COUNTRIES, CURRENCIES, LANGUAGES, SALUTATIONS, TITLES
from connectors.sandbox.state import SandboxState

__all__ = ["create_app", "out"]

V2 = "/2.0/kb_invoice"
REMINDER = V2 + "/{invoice_id}/kb_reminder/{reminder_id}"


def out(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response from bytes encoded here, skipping FastAPI's serialisation.

    Text that UTF-8 cannot carry (a lone surrogate a test put into the account) goes out
    as its `\\u` escape, which JSON allows: bexio answers JSON (bexio-api.md §1), and
    a client must cope with whatever text a JSON string can hold."""
    try:
        body = json.dumps(obj, ensure_ascii=False, default=as_json).encode()
    except UnicodeEncodeError:
        body = json.dumps(obj, default=as_json).encode()
    return Response(body, status_code=status, headers=headers, media_type="application/json")


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(422, "Could not save the entity", errors=["body: not valid JSON"]) from None


def create_app(config: SandboxConfig, state: SandboxState | None = None) -> FastAPI:
    """The app with its state, gate and routes; `app.state.sandbox` is the account."""
    state = state or SandboxState(config)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    faults = Faults(config.fail_rate, config.latency_ms, random.Random(f"faults:{config.seed}"))
    stats = Stats()
    app.state.sandbox, app.state.faults, app.state.stats = state, faults, stats
    _install_errors(app)
    _invoice_routes(app, state)
    _reminder_routes(app, state)
    _other_routes(app, state)
    app.include_router(admin_router(state, faults, stats))

    def route_name(scope: dict[str, Any]) -> str:
        route = scope.get("route")
        if route is None:  # refused before routing: find the template it would have hit
            route = next((r for r in app.router.routes if r.matches(scope)[0] == Match.FULL), None)
        return f"{scope['method']} {getattr(route, 'path', '(no route)')}"

    app.add_middleware(
        Gate,
        token=config.token,
        stats=stats,
        faults=faults,
        route_name=route_name,
        general=RateLimiter(config.rate_limit, config.window_seconds, config.clock),
        heavy=RateLimiter(config.heavy_rate_limit, config.window_seconds, config.clock),
    )
    return app


def _install_errors(app: FastAPI) -> None:
    """Every refusal in bexio's shape: `{"error_code", "message"}` (+ `errors` on 422)."""

    async def api_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return Response(exc.body(), status_code=exc.status, media_type="application/json")

    async def invalid(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [f"{err['loc'][-1]}: {err['msg']}" for err in exc.errors()]
        body = error_body(422, "Could not save the entity", errors)
        return Response(body, status_code=422, media_type="application/json")

    async def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = "Page not found" if exc.status_code == 404 else str(exc.detail)
        body = error_body(exc.status_code, message)
        return Response(body, status_code=exc.status_code, media_type="application/json")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _invoice_routes(app: FastAPI, state: SandboxState) -> None:
    @app.get(V2)
    async def list_invoices(
        limit: int = DEFAULT_LIMIT, offset: int = 0, order_by: str = "id"
    ) -> Response:
        return out(state.list_invoices(limit, offset, order_by))

    @app.post(V2 + "/search")
    async def search_invoices(
        request: Request, limit: int = DEFAULT_LIMIT, offset: int = 0, order_by: str = "id"
    ) -> Response:
        body = await _json_body(request)
        return out(state.search_invoices(body, limit, offset, order_by))

    @app.get(V2 + "/{invoice_id}")
    async def show_invoice(invoice_id: int) -> Response:
        return out(state.show_invoice(invoice_id))

    @app.get(V2 + "/{invoice_id}/pdf")
    async def invoice_pdf(invoice_id: int) -> Response:
        return out(state.invoice_pdf(invoice_id))

    @app.get(V2 + "/{invoice_id}/payment")
    async def list_payments(
        invoice_id: int, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Response:
        return out(page(state.payments_of(invoice_id), limit, offset))

    @app.post(V2 + "/{invoice_id}/payment")
    async def create_payment(invoice_id: int, request: Request) -> Response:
        return out(state.create_payment(invoice_id, await _json_body(request)), 201)

    @app.get(V2 + "/{invoice_id}/payment/{payment_id}")
    async def show_payment(invoice_id: int, payment_id: int) -> Response:
        return out(state.payment(invoice_id, payment_id))

    @app.delete(V2 + "/{invoice_id}/payment/{payment_id}")
    async def delete_payment(invoice_id: int, payment_id: int) -> Response:
        return out(state.delete_payment(invoice_id, payment_id))

    @app.post("/ext/kb_invoice/{invoice_id}/mark_unpaid")
    async def mark_unpaid(invoice_id: int) -> Response:
        """NOT a bexio route: the sandbox's documented extension to write an invoice off.

        An open invoice (8 or 16) becomes unpaid (31); anything else is a 400.
        """
        return out(state.mark_unpaid(invoice_id))


def _reminder_routes(app: FastAPI, state: SandboxState) -> None:
    @app.get(V2 + "/{invoice_id}/kb_reminder")
    async def list_reminders(
        invoice_id: int, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Response:
        return out(page(state.reminders_of(invoice_id), limit, offset))

    @app.post(V2 + "/{invoice_id}/kb_reminder")
    async def create_reminder(invoice_id: int) -> Response:
        return out(state.create_reminder(invoice_id), 201)  # the body is ignored, as in bexio

    @app.post(V2 + "/{invoice_id}/kb_reminder/search")
    async def search_reminders(
        invoice_id: int, request: Request, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Response:
        body = await _json_body(request)
        return out(state.search_reminders(invoice_id, body, limit, offset))

    @app.get(REMINDER)
    async def show_reminder(invoice_id: int, reminder_id: int) -> Response:
        return out(state.reminder(invoice_id, reminder_id))

    @app.delete(REMINDER)
    async def delete_reminder(invoice_id: int, reminder_id: int) -> Response:
        return out(state.delete_reminder(invoice_id, reminder_id))

    @app.post(REMINDER + "/mark_as_sent")
    async def mark_as_sent(invoice_id: int, reminder_id: int) -> Response:
        return out(state.set_sent(invoice_id, reminder_id, True))

    @app.post(REMINDER + "/mark_as_unsent")
    async def mark_as_unsent(invoice_id: int, reminder_id: int) -> Response:
        return out(state.set_sent(invoice_id, reminder_id, False))

    @app.post(REMINDER + "/send")
    async def send_reminder(invoice_id: int, reminder_id: int, request: Request) -> Response:
        body = await _json_body(request)
        return out(state.send_reminder(invoice_id, reminder_id, body))

    @app.get(REMINDER + "/pdf")
    async def reminder_pdf(invoice_id: int, reminder_id: int, logopaper: int = 1) -> Response:
        """bexio's reminder PDF; `logopaper=0|1` with or without letterhead (bexio-api.md §3,
        v2ShowInvoiceReminderPDF). bexio's default is not documented: here it is 1."""
        if logopaper not in (0, 1):
            raise ApiError(422, "Could not save the entity", errors=["logopaper: must be 0 or 1"])
        return out(state.reminder_pdf(invoice_id, reminder_id, logopaper=bool(logopaper)))


def _other_routes(app: FastAPI, state: SandboxState) -> None:
    @app.get("/2.0/contact")
    async def list_contacts(
        limit: int = DEFAULT_LIMIT, offset: int = 0, order_by: str = "id"
    ) -> Response:
        return out(state.list_contacts(limit, offset, order_by))

    @app.post("/2.0/contact/search")
    async def search_contacts(
        request: Request, limit: int = DEFAULT_LIMIT, offset: int = 0, order_by: str = "id"
    ) -> Response:
        body = await _json_body(request)
        return out(state.search_contacts(body, limit, offset, order_by))

    @app.get("/2.0/contact/{contact_id}")
    async def show_contact(contact_id: int) -> Response:
        return out(state.contact(contact_id))

    @app.get("/2.0/language")
    async def languages() -> Response:
        return out(LANGUAGES)

    @app.get("/2.0/country")
    async def countries() -> Response:
        return out(COUNTRIES)

    @app.get("/2.0/salutation")
    async def salutations(limit: int = DEFAULT_LIMIT, offset: int = 0) -> Response:
        """The account's salutations, `{id, name}` (bexio-api.md, Contacts: salutation_id)."""
        return out(page(SALUTATIONS, limit, offset))

    @app.get("/2.0/title")
    async def titles(limit: int = DEFAULT_LIMIT, offset: int = 0) -> Response:
        """The account's titles, `{id, name}` (bexio-api.md, Contacts: title_id)."""
        return out(page(TITLES, limit, offset))

    @app.get("/3.0/currencies")
    async def currencies(limit: int = DEFAULT_LIMIT, offset: int = 0) -> Response:
        headers = {
            "X-Total-Count": str(len(CURRENCIES)),
            "X-Limit": str(limit),
            "X-Offset": str(offset),
        }
        return out(page(CURRENCIES, limit, offset), headers=headers)

    @app.get("/3.0/currencies/{currency_id}")
    async def currency(currency_id: int) -> Response:
        found = next((c for c in CURRENCIES if c["id"] == currency_id), None)
        if found is None:
            raise ApiError(404, "Page not found")
        return out(found)
