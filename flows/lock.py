"""One commit at a time across all runs: a Prefect global concurrency limit of one slot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

__all__ = ["COMMIT_LIMIT", "commit_lock"]

COMMIT_LIMIT = "dunning-commit"


def _ensure_limit() -> None:
    """Prefect skips a limit that does not exist, so create it first."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(COMMIT_LIMIT)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=COMMIT_LIMIT, limit=1)
                )
            except ObjectAlreadyExists:  # another run created it a moment ago
                pass


@contextmanager
def commit_lock() -> Iterator[None]:
    _ensure_limit()
    with concurrency(COMMIT_LIMIT, occupy=1, strict=True):
        yield
