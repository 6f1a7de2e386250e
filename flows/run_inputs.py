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
]

ZURICH = ZoneInfo("Europe/Zurich")


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


def prepare(
    reference_date: date | None = None,
    policy: str | None = None,
    blocks: str | None = None,
    output: str | None = None,
    *,
    need_token: bool = True,
) -> RunSetup:
    """Read settings, policy and blocks; raise BadInput with a readable message."""
    try:
        settings = load_settings()
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
    return RunSetup(
        settings,
        loaded_policy,
        tuple(loaded_blocks),
        reference_date or zurich_today(),
        out,
        policy_path,
        blocks_path,
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
