"""Test-only admin routes under `/_sandbox/`: not bexio's, never rate limited or faulted.

They let a test look behind the API (counters, every reminder at once), change the faults
while the sandbox runs, and act as a colleague who creates a reminder in the middle of a run.
They still require the bearer token.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response

from connectors.sandbox.errors import ApiError
from connectors.sandbox.gate import Faults, Stats, Tampered
from connectors.sandbox.records import as_json
from connectors.sandbox.state import SandboxState

__all__ = ["admin_router"]


def _out(obj: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(obj, ensure_ascii=False, default=as_json).encode(),
        status_code=status,
        media_type="application/json",
    )


def admin_router(state: SandboxState, faults: Faults, stats: Stats) -> APIRouter:
    router = APIRouter(prefix="/_sandbox")

    @router.get("/stats")
    async def get_stats() -> Response:
        """Requests per route and status, 429s, injected faults, and what was written."""
        return _out({**stats.snapshot(), **dict(state.counters)})

    @router.get("/reminders")
    async def all_reminders() -> Response:
        """Every reminder of every invoice, by id: one call to check for duplicates."""
        return _out(state.all_reminders())

    @router.get("/outbox")
    async def outbox() -> Response:
        """Every reminder e-mail the sandbox was asked to send, in order, duplicates kept."""
        return _out(state.sent_emails())

    @router.post("/faults")
    async def set_faults(request: Request) -> Response:
        """Change `fail_rate` and/or `latency_ms`; answers with the values now in force."""
        try:
            body = json.loads(await request.body() or b"{}")
            rate = float(body.get("fail_rate", faults.fail_rate))
            latency = int(body.get("latency_ms", faults.latency_ms))
        except (ValueError, TypeError, AttributeError):
            raise ApiError(
                422,
                "Could not save the entity",
                ['body: expected {"fail_rate": 0..1, "latency_ms": >= 0}'],
            ) from None
        if not 0 <= rate <= 1 or latency < 0:
            raise ApiError(
                422, "Could not save the entity", ["fail_rate or latency_ms out of range"]
            )
        faults.fail_rate, faults.latency_ms = rate, latency
        return _out({"fail_rate": rate, "latency_ms": latency})

    @router.post("/tamper")
    async def tamper(request: Request) -> Response:
        """Answer one route with a fixed status and raw body: `{"method", "path", "status",
        "body", "apply", "times"}`; `"status": null` removes the rule."""
        try:
            body = json.loads(await request.body())
            key = f"{body['method'].upper()} {body['path']}"
            if body.get("status") is None:
                faults.tampered.pop(key, None)
            else:
                times = body.get("times")
                if times is not None and (type(times) is not int or times < 1):
                    raise ValueError("times must be a positive whole number")
                faults.tampered[key] = Tampered(
                    int(body["status"]),
                    str(body.get("body", "")).encode(),
                    bool(body.get("apply", False)),
                    times,
                )
        except (ValueError, TypeError, KeyError, AttributeError):
            raise ApiError(
                422,
                "Could not save the entity",
                ['body: expected {"method", "path", "status", "body", "apply", "times"}'],
            ) from None
        return _out(sorted(faults.tampered))

    @router.post("/issue_between_pages")
    async def issue_between_pages(request: Request) -> Response:
        """`{"drafts": N}`: right after the next full page of an invoice listing or search,
        the N lowest-numbered drafts are issued, so the following page repeats N rows."""
        try:
            drafts = int(json.loads(await request.body())["drafts"])
        except (ValueError, TypeError, KeyError):
            raise ApiError(
                422, "Could not save the entity", ['body: expected {"drafts": N}']
            ) from None
        if drafts < 0:
            raise ApiError(422, "Could not save the entity", ["drafts: must not be negative"])
        state.issue_drafts_after_next_page(drafts)
        return _out({"drafts": drafts})

    @router.post("/bank/credits")
    async def book_credit(request: Request) -> Response:
        """A credit arrives on the account's bank statement: `{"reference", "amount",
        "currency", "date"?}`. Booked as bexio's camt.054 reconciliation books it: by its QR
        or creditor reference to that invoice as a payment; else, or when the invoice cannot
        take it (not open, another currency, more than is open), kept unmatched with the
        reason (bexio-api.md §2 "Invoice object" `esr_id`/`qr_invoice_id`, §5 "Invoice
        payments"). Answers the credit's record, 201."""
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise ApiError(422, "Could not save the entity", ["body: not valid JSON"]) from None
        return _out(state.book_credit(body), 201)

    @router.get("/bank/credits")
    async def credits() -> Response:
        """Every credit booked so far, in order, matched or not."""
        return _out(state.bank.credits)

    @router.get("/bank/unmatched")
    async def unmatched() -> Response:
        """The credits no invoice took, with `unmatched_reason`: what a person books by hand."""
        return _out(state.bank.unmatched())

    @router.post("/kb_invoice/{invoice_id}/reminder")
    async def colleague_reminder(invoice_id: int) -> Response:
        """Create the next reminder as someone else would, outside the client under test."""
        return _out(state.create_reminder(invoice_id, behind_the_back=True), 201)

    return router
