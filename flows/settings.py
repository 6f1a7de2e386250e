"""Settings, read once from the environment (and a `.env` file) by pydantic-settings.

Only `flows/` builds a `Settings`; everything below receives plain values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "SettingsError", "load_settings", "given_settings"]


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    bexio_base_url: str = Field("https://api.bexio.com", validation_alias="BEXIO_BASE_URL")
    bexio_token: SecretStr | None = Field(None, validation_alias="BEXIO_TOKEN")
    dunning_policy: Path | None = Field(None, validation_alias="DUNNING_POLICY")
    dunning_blocks: Path | None = Field(None, validation_alias="DUNNING_BLOCKS")
    dunning_companies: Path = Field(Path("companies.toml"), validation_alias="DUNNING_COMPANIES")
    dunning_output: str = Field("./dunning-output", validation_alias="DUNNING_OUTPUT")
    bexio_unpaid_extension: bool = Field(False, validation_alias="BEXIO_UNPAID_EXTENSION")
    # Where `dunning serve-files` (or an object store) publishes the output folder over
    # http(s); the letters artifact links there.
    dunning_files_url: str = Field(
        "http://127.0.0.1:8766",
        validation_alias="DUNNING_FILES_URL",
    )

    # SMTP delivery of our own letters with --send (docs/INTERFACES.md, Settings).
    dunning_smtp_host: str | None = Field(None, validation_alias="DUNNING_SMTP_HOST")
    dunning_smtp_port: int | None = Field(
        None, validation_alias="DUNNING_SMTP_PORT", ge=1, le=65535
    )
    dunning_smtp_starttls: bool = Field(True, validation_alias="DUNNING_SMTP_STARTTLS")
    dunning_smtp_user: str | None = Field(None, validation_alias="DUNNING_SMTP_USER")
    dunning_smtp_password: SecretStr | None = Field(None, validation_alias="DUNNING_SMTP_PASSWORD")
    dunning_smtp_from: str | None = Field(None, validation_alias="DUNNING_SMTP_FROM")

    def smtp_port(self) -> int:
        """The SMTP port: the setting, else 587 (submission) with STARTTLS and 25 without."""
        if self.dunning_smtp_port is not None:
            return self.dunning_smtp_port
        return 587 if self.dunning_smtp_starttls else 25

    def policy_path(self) -> Path | None:
        """The policy file the user chose: the setting, else ./policy.toml; else None (a run
        never falls back to the example, whose creditor and IBAN are not the user's)."""
        if self.dunning_policy is not None:
            return self.dunning_policy
        local = Path("policy.toml")
        return local if local.exists() else None

    def output_dir(self) -> Path:
        if "://" in self.dunning_output:
            raise SettingsError(
                f"DUNNING_OUTPUT: {self.dunning_output!r} is a URL; this version stores runs "
                "in a local directory only (mount the storage and give its path)."
            )
        return Path(self.dunning_output)


_given: Settings | None = None


@contextmanager
def given_settings(settings: Settings) -> Iterator[None]:
    """`load_settings` returns `settings` meanwhile, in this process: the demo points its
    run at the sandbox it started, without changing the environment."""
    global _given
    previous, _given = _given, settings
    try:
        yield
    finally:
        _given = previous


def load_settings() -> Settings:
    """Read the settings once, turning a bad value into a one-line message."""
    if _given is not None:
        return _given
    try:
        return Settings()  # type: ignore[call-arg]  # pydantic-settings fills every field
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"bad setting: {problems}") from None
