"""One commit at a time across all runs: a Prefect global concurrency limit of one slot.

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

__all__ = ["COMMIT_LIMIT", "commit_lock"]

COMMIT_LIMIT = "dunning-commit"
# A dead holder on another machine blocks the slot until its lease expires (Prefect's
# minimum is 60 s); the server's reaper then frees it.
LEASE_SECONDS = 60


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
    with _machine_lock() as note:
        _give_back_abandoned(note)
        lease = acquire_slot_with_lease(COMMIT_LIMIT, LEASE_SECONDS)
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
def _machine_lock() -> Iterator[int]:
    """An exclusive lock on a file in PREFECT_HOME, held until the commit ends or dies."""
    path = Path(PREFECT_HOME.value()) / f"{COMMIT_LIMIT}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _give_back_abandoned(note: int) -> None:
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
            client.release_concurrency_slots([COMMIT_LIMIT], 1, occupancy_seconds=1.0)
    _write(note, "")


def _write(note: int, text: str) -> None:
    os.ftruncate(note, 0)
    os.pwrite(note, text.encode("ascii"), 0)
    os.fsync(note)
