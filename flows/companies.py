"""A company's run: its entry in the companies file, and its token from a Prefect Secret block.

The token is read where the run runs (the worker), from the Secret block the companies file
names, and goes into the run's settings only: it is never a flow parameter, never logged and
never in an artifact, so the Prefect UI shows which block a company uses but not its token.
"""

from __future__ import annotations

from typing import Any, cast

from pydantic import SecretStr

from dunning.companies import CompaniesError, Company, find_company, load_companies
from flows.run_inputs import BadInput, check_token
from flows.settings import Settings, SettingsError

__all__ = ["company_named", "all_companies", "company_settings"]


def all_companies(settings: Settings) -> tuple[Company, ...]:
    """Every company of the companies file (DUNNING_COMPANIES, else ./companies.toml)."""
    path = settings.dunning_companies
    if not path.exists() and not path.is_symlink():
        raise BadInput(
            f"{path}: the companies file does not exist. --company, --all-companies and "
            "`dunning deploy` are for an office that runs several bexio accounts: they read "
            "each company's name, token block and policy from it (DUNNING_COMPANIES, else "
            "./companies.toml; see 'Many companies' in the README). For one bexio account, "
            "leave out --company: the run uses BEXIO_TOKEN and your policy file."
        )
    try:
        return load_companies(settings.dunning_companies, settings.output_dir())
    except (CompaniesError, SettingsError) as exc:
        raise BadInput(str(exc)) from None


def company_named(settings: Settings, name: str) -> Company:
    companies = all_companies(settings)
    try:
        return find_company(companies, name, str(settings.dunning_companies))
    except CompaniesError as exc:
        raise BadInput(str(exc)) from None


def company_settings(settings: Settings, company: Company) -> Settings:
    """The settings of one company's run: its token (from its Secret block) and its API."""
    token = _secret(company)
    check_token(token)
    update: dict[str, object] = {"bexio_token": SecretStr(token)}
    if company.base_url:
        update["bexio_base_url"] = company.base_url
    return settings.model_copy(update=update)


def _secret(company: Company) -> str:
    from prefect.blocks.system import Secret  # only a company's run needs the Prefect API

    try:
        # Called from sync code, so the value itself, not a coroutine.
        block = cast("Secret[Any]", Secret.load(company.token_block, validate=False))
    except ValueError:
        raise BadInput(
            f'company "{company.name}": the Prefect Secret block "{company.token_block}" '
            "that should hold its bexio token does not exist on this Prefect server. Create "
            "it in the UI (Blocks, Secret) or with Secret(value=...).save(name), then run "
            "again. Nothing was pushed."
        ) from None
    # The raw text: `Secret.get()` would turn a token that looks like JSON into a number.
    raw = block.value  # a pydantic secret (SecretStr, or Secret of a JSON value)
    value = raw.get_secret_value() if hasattr(raw, "get_secret_value") else raw
    if not isinstance(value, str) or not value:
        raise BadInput(
            f'company "{company.name}": the Prefect Secret block "{company.token_block}" '
            "holds no text; put the company's bexio API token in it. Nothing was pushed."
        )
    return value
