"""`dunning holds`: list, add and end the holds kept beside the runs (dunning/holds.py).

A hold added here is checked like one from the approval form: the invoice or contact must
exist in bexio, the date must come after today (Zurich) and at most MAX_HOLD_DAYS later,
and the reason must be given. Bad input is one paragraph, exit 2, and nothing is kept.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from connectors.errors import AuthError, ConnectorError, NotFoundError
from dunning.holds import (
    HOLDS_FILE,
    Hold,
    HoldsError,
    add_holds,
    end_hold,
    load_holds,
    reason_problem,
    until_problem,
)
from flows.console import console, errors
from flows.run_inputs import (
    BadInput,
    check_token,
    make_client,
    output_folder,
    zurich_now,
    zurich_today,
)
from flows.settings import Settings, SettingsError, load_settings

__all__ = ["add_hold", "end_a_hold", "list_holds"]

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def _bad(message: str) -> int:
    errors.print(f"[bold red]dunning:[/] {escape(message)}", highlight=False)
    return EXIT_BAD_INPUT


def _folder(output: Path | None, company: str | None) -> Path:
    """Where the holds are kept: `--output`, else the company's output, else DUNNING_OUTPUT."""
    if output is None and company is not None:
        from flows.companies import company_named

        try:
            return company_named(load_settings(), company).output
        except SettingsError as exc:
            raise BadInput(str(exc)) from None
    return output_folder(output)


def list_holds(output: Path | None, company: str | None = None) -> int:
    """Every hold, with whether it still holds today."""
    try:
        out = _folder(output, company)
        holds = load_holds(out)
    except (BadInput, HoldsError) as exc:
        return _bad(str(exc))
    if not holds:
        console.print(escape(f"No holds in {out / HOLDS_FILE}."), highlight=False)
        return EXIT_OK
    console.print(_table(holds, out, zurich_today()))
    return EXIT_OK


def _table(holds: tuple[Hold, ...], out: Path, today: date) -> Table:
    table = Table(title=escape(f"Holds in {out / HOLDS_FILE}"), show_edge=False, pad_edge=False)
    for column in ("id", "held", "until", "state"):
        table.add_column(column, no_wrap=True)
    table.add_column("reason")
    table.add_column("from")
    for hold in holds:
        table.add_row(
            str(hold.id),
            hold.target,
            hold.until.isoformat(),
            "holds" if hold.until >= today else "expired",
            escape(hold.reason),
            escape(hold.source),
        )
    return table


def add_hold(
    output: Path | None,
    invoice: int | None,
    contact: int | None,
    until: date,
    reason: str,
    company: str | None = None,
) -> int:
    """Keep a new hold after checking it, and say what it holds."""
    try:
        out = _folder(output, company)
        if (invoice is None) == (contact is None):
            raise BadInput(
                "dunning holds add: give exactly one of --invoice ID or --contact ID: a hold "
                "holds one invoice, or every invoice of one contact."
            )
        flag = "--invoice" if invoice is not None else "--contact"
        problem = until_problem(until, zurich_today())
        if problem:
            raise BadInput(f"--until {until.isoformat()}: {problem}.")
        if problem := reason_problem(reason):
            raise BadInput(f"--reason: {problem}.")
        what = _in_bexio(invoice, contact, flag, company)
        hold = Hold(
            0,
            until,
            " ".join(reason.split()),
            invoice_id=invoice,
            contact_id=contact,
            created_at=zurich_now(),
            source="dunning holds add",
        )
        (kept,) = add_holds(out, [hold], zurich_today())
    except (BadInput, HoldsError) as exc:
        return _bad(str(exc))
    console.print(
        escape(
            f"Hold {kept.id}: {kept.target} ({what}) is left out of every run until "
            f"{kept.until.isoformat()} (the last day held): {kept.reason}"
        ),
        highlight=False,
    )
    return EXIT_OK


def _in_bexio(invoice: int | None, contact: int | None, flag: str, company: str | None) -> str:
    """The invoice's number or the contact's name, from bexio; bad input when bexio has no
    such invoice or contact, or cannot be asked."""
    number = invoice if invoice is not None else contact
    try:
        with make_client(_settings(company)) as client:
            if invoice is not None:
                found = client.show_invoice(invoice)
                return f"invoice {found.document_nr or found.id}"
            if contact is not None:
                return client.contact(contact).name_1
            return ""
    except NotFoundError:
        raise BadInput(
            f"{flag} {number}: bexio has no such {flag[2:]}; a run's spreadsheet "
            "(run.xlsx) shows the ids, and the approval form the number after #."
        ) from None
    except AuthError as exc:
        raise BadInput(f"bexio refused BEXIO_TOKEN: {exc}") from None
    except ConnectorError as exc:
        raise BadInput(
            f"{flag} {number}: bexio could not be asked whether it exists ({exc}); nothing "
            "was kept; try again."
        ) from None


def _settings(company: str | None) -> Settings:
    """BEXIO_TOKEN's settings, or a company's with the token of its Secret block."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise BadInput(str(exc)) from None
    if company is not None:
        from flows.companies import company_named, company_settings

        return company_settings(settings, company_named(settings, company))
    if settings.bexio_token is None:
        raise BadInput(
            "BEXIO_TOKEN is not set: `dunning holds add` asks bexio whether the invoice or "
            "contact exists; put the API token in the environment or in a .env file here."
        )
    check_token(settings.bexio_token.get_secret_value())
    return settings


def end_a_hold(output: Path | None, hold_id: int, company: str | None = None) -> int:
    """Remove a hold: the next run dunns its invoices again."""
    try:
        out = _folder(output, company)
        ended = end_hold(out, hold_id)
    except (BadInput, HoldsError) as exc:
        return _bad(str(exc))
    if ended is None:
        return _bad(
            f"dunning holds end {hold_id}: there is no hold {hold_id} in {out / HOLDS_FILE}; "
            "`dunning holds list` shows them."
        )
    console.print(
        escape(
            f"Ended hold {ended.id} of {ended.target} (until {ended.until.isoformat()}: "
            f"{ended.reason}); the next run dunns it again when it is due."
        ),
        highlight=False,
    )
    return EXIT_OK
