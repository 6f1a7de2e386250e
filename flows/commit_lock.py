"""One commit at a time per bexio account: a Prefect global concurrency limit of one slot.

Runs of one account must not push at the same time (two could escalate one invoice twice);
runs of different companies of the companies file push to different accounts, so each
company has its own limit and its own file lock, and companies never wait for each other.

A run killed while it commits (SIGKILL, power loss, OOM) never releases its slot, and the
next run or retry would wait for it forever (a local Prefect server has no lease reaper) or
for the lease to expire. So every committer on this machine first takes a file lock in
PREFECT_HOME, which the operating system frees when a process dies, and notes there the
lease it holds. Whoever gets the file lock next finds the note of a dead holder and gives
that lease back before taking its own.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.settings import PREFECT_API_URL, PREFECT_HOME

from flows.prefect_internals import acquire_slot_with_lease, keep_lease

__all__ = ["COMMIT_LIMIT", "commit_lock", "limit_name"]

COMMIT_LIMIT = "dunning-commit"
# A dead holder on another machine blocks the slot until its lease expires (Prefect's
# minimum is 60 s); the server's reaper then frees it.
LEASE_SECONDS = 60


def limit_name(company: str | None) -> str:
    """`dunning-commit`, or `dunning-commit-<company>` for a company of the companies file."""
    return COMMIT_LIMIT if company is None else f"{COMMIT_LIMIT}-{company}"


def _ensure_limit(name: str) -> None:
    """Prefect skips a limit that does not exist, so create it first."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=1)
                )
            except ObjectAlreadyExists:  # another run created it a moment ago
                pass


@contextmanager
def commit_lock(company: str | None = None) -> Iterator[None]:
    """Held while a run pushes to the account of `company` (None: the BEXIO_TOKEN one)."""
    name = limit_name(company)
    _ensure_limit(name)
    with _machine_lock(name) as note:
        _give_back_abandoned(note, name)
        lease = acquire_slot_with_lease(name, LEASE_SECONDS)
        _write(note, str(lease))
        try:
            with keep_lease(lease, LEASE_SECONDS):
                yield
        finally:
            # Forget the lease before giving it back: a crash in between leaks the slot
            # for a while, which is safe; the reverse could free someone else's slot.
            _write(note, "")
            with get_client(sync_client=True) as client:
                client.release_concurrency_slots_with_lease(lease)


@contextmanager
def _machine_lock(name: str) -> Iterator[int]:
    """An exclusive lock on a file in PREFECT_HOME, held until the commit ends or dies."""
    path = Path(PREFECT_HOME.value()) / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _give_back_abandoned(note: int, name: str) -> None:
    """The note names a lease only when its holder died while committing."""
    os.lseek(note, 0, os.SEEK_SET)
    text = os.read(note, 100).decode("ascii", "replace").strip()
    if not text:
        return
    with get_client(sync_client=True) as client:
        client.release_concurrency_slots_with_lease(UUID(text))
        if not PREFECT_API_URL.value():
            # A temporary local server kept the lease in the memory of a process that is
            # gone, so the call above finds nothing; only this machine uses that server.
            client.release_concurrency_slots([name], 1, occupancy_seconds=1.0)
    _write(note, "")


def _write(note: int, text: str) -> None:
    os.ftruncate(note, 0)
    os.pwrite(note, text.encode("ascii"), 0)
    os.fsync(note)
