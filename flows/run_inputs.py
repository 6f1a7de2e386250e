"""Everything a run needs before it talks to bexio, checked up front.

Bad input (settings, policy, blocks, arguments) is found here, before anything is pushed,
and reported as one paragraph that names the file, the field and the problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.client import BexioClient
from dunning.blocks import Block, BlocksError, load_blocks
from dunning.policy import Policy
from dunning.policy_file import PolicyError, load_policy
from flows.settings import Settings, SettingsError, load_settings

__all__ = [
    "BadInput",
    "NO_POLICY",
    "RunSetup",
    "prepare",
    "output_folder",
    "zurich_today",
    "zurich_now",
    "make_client",
    "check_reference_date",
    "earlier_date_notice",
    "check_token",
    "check_mail_settings",
    "check_day",
    "PLAUSIBLE_DAYS",
    "EARLIEST",
    "LATEST",
]

ZURICH = ZoneInfo("Europe/Zurich")
# A committing run dated more days than this before today needs to be confirmed: a mistyped
# year would escalate invoices by a day long past. One dated after today is refused.
PLAUSIBLE_DAYS = 7
# Reference dates a run can compute with: deadlines and interest reach years past it.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


class BadInput(Exception):
    """The run cannot start: the message says what to fix. Nothing was pushed."""


NO_POLICY = (
    "no policy file: a run prints your company, your IBAN, your fees and your interest on "
    "every letter, so it needs a policy of yours. Write one with `dunning init` (it writes "
    "./policy.toml, the commented example, and says what to change), put in your company and "
    "bank account, then keep it as ./policy.toml where you run dunning, or give its path "
    "with --policy FILE, the DUNNING_POLICY setting or the flow's `policy` parameter. "
    "Nothing was pushed. `dunning demo` shows a run with the example policy against a sandbox."
)


def zurich_today() -> date:
    return datetime.now(ZURICH).date()


def zurich_now() -> str:
    return datetime.now(ZURICH).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunSetup:
    settings: Settings
    policy: Policy
    blocks: tuple[Block, ...]
    reference_date: date
    output: Path
    policy_path: Path | None = None  # the files read, so a run can keep a copy of them
    blocks_path: Path | None = None
    company: str | None = None  # a company of the companies file; None: the one of BEXIO_TOKEN


def prepare(
    reference_date: date | None = None,
    policy: str | None = None,
    blocks: str | None = None,
    output: str | None = None,
    *,
    company: str | None = None,
    need_token: bool = True,
) -> RunSetup:
    """Read settings, policy and blocks (a company's from the companies file, with its token
    from its Secret block); raise BadInput with a readable message."""
    try:
        settings = load_settings()
        if company is not None:
            # Imported here: the companies module checks tokens with this module's helpers.
            from flows.companies import company_named, company_settings

            chosen = company_named(settings, company)
            settings = company_settings(settings, chosen)
            policy = policy or str(chosen.policy)
            blocks = blocks or (str(chosen.blocks) if chosen.blocks else None)
            output = output or str(chosen.output)
        policy_path = Path(policy) if policy else settings.policy_path()
        if policy_path is None:
            raise BadInput(NO_POLICY)
        blocks_path = Path(blocks) if blocks else settings.dunning_blocks
        out = Path(output) if output else settings.output_dir()
        loaded_policy = load_policy(policy_path)
        loaded_blocks = load_blocks(blocks_path) if blocks_path else ()
    except (SettingsError, PolicyError, BlocksError) as exc:
        raise BadInput(str(exc)) from None
    _check_output(out, "--output" if output else "DUNNING_OUTPUT")
    if need_token and settings.bexio_token is None:
        raise BadInput(
            "BEXIO_TOKEN is not set: put the API token of your bexio account in the "
            "environment or in a .env file in this directory."
        )
    if settings.bexio_token is not None:
        check_token(settings.bexio_token.get_secret_value())
    return RunSetup(
        settings,
        loaded_policy,
        tuple(loaded_blocks),
        check_day(reference_date or zurich_today()),
        out,
        policy_path,
        blocks_path,
        company,
    )


def check_reference_date(
    day: date,
    *,
    dry_run: bool,
    confirmed: bool,
    flags: tuple[str, str] = ("--reference-date", "--confirm-reference-date"),
    today: date | None = None,
) -> None:
    """Refuse a committing run dated after today, and one dated long before today unless
    confirmed; a dry run may take any date."""
    today = today or zurich_today()
    distance = (day - today).days
    if dry_run:
        return
    if distance > 0:
        raise BadInput(
            f"{flags[0]} {day.isoformat()} is {_days(distance)} after today "
            f"({today.isoformat()}): bexio dates a reminder on the day it is created and its "
            "API takes no other date, so a run that pushes cannot be dated in the future; it "
            "would escalate invoices that are not due yet, with letters dated today. Nothing "
            f"was pushed. Run again on or after {day.isoformat()}, or try this date now as a "
            "dry run, which pushes nothing."
        )
    if confirmed or -distance <= PLAUSIBLE_DAYS:
        return
    raise BadInput(
        f"{flags[0]} {day.isoformat()} is {_days(-distance)} before today "
        f"({today.isoformat()}): a run picks what was overdue at its reference date, so a "
        "mistyped year would escalate invoices by a day long past. Nothing was pushed. "
        f"Check the date; if it is meant, run again with {flags[1]} (a dry run needs no "
        "confirmation)."
    )


def earlier_date_notice(day: date, *, dry_run: bool, today: date | None = None) -> str | None:
    """What a run that pushes and is dated before today says once at its start."""
    today = today or zurich_today()
    if dry_run or day >= today:
        return None
    return (
        f"The reference date {day.isoformat()} is before today ({today.isoformat()}): the "
        f"run escalates what was overdue on {day.isoformat()}, but bexio dates letters and "
        "deadlines on the day of the run, so each letter carries the date and the deadline "
        "bexio gives its reminder."
    )


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def check_day(day: date, flag: str = "--reference-date") -> date:
    """A reference date the run can compute deadlines and interest with."""
    if not EARLIEST <= day <= LATEST:
        raise BadInput(
            f"{flag} {day.isoformat()}: a reference date must lie between "
            f"{EARLIEST.isoformat()} and {LATEST.isoformat()}; check the year."
        )
    return day


def check_token(token: str) -> None:
    """A bexio token is one line of visible ASCII: say so before it is sent, without
    showing it (a pasted line break or space would otherwise look like a network error)."""
    if not token:
        raise BadInput(
            "BEXIO_TOKEN is empty: put the API token of your bexio account after the '=' "
            "(in the environment or in a .env file in this directory)."
        )
    for position, char in enumerate(token, 1):
        if char in "\r\n":
            problem = "a line break"
        elif char.isspace():
            problem = "a space or tab"
        elif not "!" <= char <= "~":
            problem = (
                "a character that is not plain ASCII (a letter with an accent, a "
                "typographic quote or dash, an invisible character)"
            )
        else:
            continue
        raise BadInput(
            f"BEXIO_TOKEN: the token has {problem} at character {position} of "
            f"{len(token)}; a bexio token is one line of letters, digits and punctuation. "
            "Copy it again from bexio, without quotes, spaces or line breaks."
        )


def check_mail_settings(settings: Settings, policy: Policy, *, send: bool) -> None:
    """`--send` with our own letters needs an SMTP server and a sender: bad input without."""
    if not send or policy.letters.source != "own":
        return
    if policy.letters.per_customer:
        raise BadInput(
            "--send cannot e-mail letters made one per customer ([letters] per_customer = "
            "true in the policy): this version e-mails a letter per invoice only. Run without "
            "--send and post the customers' letters, or set per_customer = false. Nothing was "
            "pushed."
        )
    if not settings.dunning_smtp_host:
        raise BadInput(
            '--send with our own letters ([letters] source = "own" in the policy, the '
            "default) e-mails them over SMTP, but DUNNING_SMTP_HOST is not set: set "
            "DUNNING_SMTP_HOST (and DUNNING_SMTP_PORT, DUNNING_SMTP_STARTTLS, DUNNING_SMTP_USER, "
            "DUNNING_SMTP_PASSWORD, DUNNING_SMTP_FROM as your mail server needs), or run "
            "without --send and post the letters. Nothing was pushed."
        )
    if not (settings.dunning_smtp_from or policy.creditor.email):
        raise BadInput(
            "--send with our own letters needs a sender address: set DUNNING_SMTP_FROM, or "
            "give the creditor an `email` in the policy. Nothing was pushed."
        )


def _check_output(out: Path, name: str) -> None:
    """The folder the run writes to exists (it is made) and takes files."""
    if out.exists() and not out.is_dir():
        raise BadInput(f"{name} {out}: this is a file, not a folder; runs are stored in a folder.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{name} {out}: the folder cannot be created ({exc.strerror}).") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise BadInput(f"{name} {out}: this folder does not let the run write its files.")


def make_client(settings: Settings) -> BexioClient:
    try:
        return BexioClient(settings.bexio_base_url, settings.bexio_token or "")
    except ValueError as exc:
        raise BadInput(f"BEXIO_BASE_URL: {exc}") from None


def output_folder(output: str | Path | None) -> Path:
    """Where runs are stored: the argument, else DUNNING_OUTPUT."""
    if output is not None:
        return Path(output)
    try:
        return load_settings().output_dir()
    except SettingsError as exc:
        raise BadInput(str(exc)) from None
