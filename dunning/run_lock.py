"""One process at a time works on a run: an operating-system lock on `<run>/.lock`.

Two processes on the same run (two retries, or a retry while the run still commits) would
each read the journal once and push what the other is pushing: e-mails sent twice, letters
written at once. So whatever reads the journal or pushes holds this lock first. The
operating system frees it when its holder ends, however it ends, so a crash never leaves a
run locked. A holder notes its process id and host in the file, for the message that
names it.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LOCK_NAME", "RunBusy", "run_lock"]

LOCK_NAME = ".lock"

# The locks this process holds, by the lock file's (device, inode), with how deeply each is
# held: the command line and the flow it starts both take the lock of the same run, and an
# operating-system lock taken twice by one process would refuse the second. The inode stays
# the same when a new run's folder gets its final name, so the lock survives the rename.
_held: dict[tuple[int, int], tuple[int, int]] = {}
_guard = threading.Lock()


class RunBusy(Exception):
    """Another process works on this run now. `str()` names it and says what to do."""

    def __init__(self, run_id: str, holder: str) -> None:
        self.run_id, self.holder = run_id, holder
        super().__init__(
            f"run {run_id} is busy: {holder} is working on it now. Nothing was done by this "
            f"command; wait until that process ends, then `dunning retry {run_id}` if the "
            "run is not complete (`dunning runs` shows its status)."
        )


@contextmanager
def run_lock(folder: Path, run_id: str | None = None) -> Iterator[None]:
    """Hold the run's lock, or raise RunBusy at once when another process holds it."""
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    stat = os.fstat(fd)
    key = (stat.st_dev, stat.st_ino)
    with _guard:
        if key in _held:
            os.close(fd)
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
        else:
            _take(fd, run_id or folder.name)
            _held[key] = (fd, 1)
    try:
        yield
    finally:
        with _guard:
            fd, depth = _held.pop(key)
            if depth > 1:
                _held[key] = (fd, depth - 1)
            else:
                os.ftruncate(fd, 0)  # no note of a holder that is gone
                os.close(fd)  # closing releases the lock


def _take(fd: int, run_id: str) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise RunBusy(run_id, holder) from None
    except BaseException:
        os.close(fd)
        raise
    note = f"process {os.getpid()} on {socket.gethostname()}"
    os.ftruncate(fd, 0)
    os.pwrite(fd, note.encode("utf-8"), 0)


def _holder(fd: int) -> str:
    """The holder's note, which it writes the instant after it takes the lock: a process
    that started at the same moment may look in that instant, so it waits a little."""
    for _ in range(40):
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        if text:
            return text
        time.sleep(0.05)
    return "another process"
