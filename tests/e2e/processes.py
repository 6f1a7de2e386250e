"""The real processes an end-to-end test starts: PostgreSQL, a Prefect server, the sandbox.

Each runs in its own process group with its output in a log file, so teardown can stop
it with everything it spawned (a worker's flow processes, the server's uvicorn), and a
failing test can show what the process said.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

__all__ = [
    "Service",
    "free_port",
    "wait_until",
    "bin_path",
    "run_cli",
    "descendants",
    "start_postgres",
    "pg_bin",
]

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def bin_path(name: str) -> str:
    """A console script of this virtual environment (dunning, prefect)."""
    return str(Path(sys.executable).with_name(name))


def wait_until(
    check: Callable[[], object], timeout: float, what: str, every: float = 0.25
) -> object:
    """Poll `check` until it returns something truthy; its last error says why not."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception as exc:  # noqa: BLE001 - not ready yet, try again
            last = exc
        else:
            if value:
                return value
        time.sleep(every)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f} s (last: {last!r})")


def run_cli(argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 120) -> str:
    """Run a command to its end, as a person would type it; its output (it must succeed)."""
    done = subprocess.run(
        list(argv),
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, (
        f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


def descendants(pid: int) -> list[int]:
    """Every living process below `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Service:
    """One started process (and its children), its log, and how to stop it."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        logs: Path,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.log_path = logs / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_http(self, url: str, timeout: float) -> None:
        def ready() -> bool:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited: {self.log()[-2000:]}")
            return httpx.get(url, timeout=2).status_code < 500

        wait_until(ready, timeout, f"{self.name} answering at {url}")

    def stop(self, grace: float = 10) -> None:
        """SIGTERM to the whole group, SIGKILL after `grace` seconds."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(wait)
                # The leader is gone; children (a flow run) may still hold the group.
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
            break


def pg_bin(tool: str) -> str:
    """A PostgreSQL server program from Debian's package (not on PATH there)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed; `make e2e` installs it")
    return str(versions[-1] / tool)


def _as_postgres(argv: Sequence[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user."""
    if os.geteuid() == 0:
        return [shutil.which("runuser") or "runuser", "-u", "postgres", "--", *argv]
    return list(argv)


def start_postgres(folder: Path) -> tuple[str, Callable[[], None]]:
    """A throwaway cluster on a free loopback port: its asyncpg URL and its stop."""
    data, run = folder / "data", folder / "run"
    for path in (folder, data, run):
        path.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "stdin": subprocess.DEVNULL}
    subprocess.run(
        _as_postgres(
            [
                pg_bin("initdb"),
                "-D",
                str(data),
                "-U",
                "prefect",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        **quiet,
    )
    port = free_port()
    options = f"-p {port} -k {run} -c listen_addresses={LOOPBACK} -c fsync=off"
    subprocess.run(
        _as_postgres(
            [
                pg_bin("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "pg.log"),
                "-o",
                options,
                "-w",
                "start",
            ]
        ),
        check=True,
        **quiet,
    )

    def stop() -> None:
        subprocess.run(
            _as_postgres([pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            check=False,
            **quiet,
        )

    try:
        subprocess.run(
            [pg_bin("createdb"), "-h", LOOPBACK, "-p", str(port), "-U", "prefect", "prefect"],
            check=True,
            **quiet,
        )
    except BaseException:
        stop()
        raise
    return f"postgresql+asyncpg://prefect@{LOOPBACK}:{port}/prefect", stop
