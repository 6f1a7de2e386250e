"""Processes for the benchmark: a sandbox and a Prefect server of their own, and a sampler
of the memory of whole process trees (read from /proc, Linux only).

Memory is the proportional set size (PSS) summed over a tree: a page shared by n
processes (the render workers share what their fork server loaded) counts 1/n in each,
so the sum is what the tree really occupies. The plain RSS sum, which counts a shared
page once per process, is kept alongside.

Each service runs in its own process, so that the figures of a run are what its process
tree used, not the benchmark's. `ending_every_child` makes sure none of them outlives the
benchmark, however it is stopped (a signal, `timeout`, Ctrl+C, an error).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "ROOT",
    "Sandbox",
    "sandbox",
    "prefect_server",
    "RssSampler",
    "tree_memory_mb",
    "tree_cpu_seconds",
    "TOKEN",
    "descendants",
    "ending_every_child",
]

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"

_SANDBOX_CHILD = """
import json, sys, datetime
from connectors.sandbox import SandboxConfig, running_sandbox
args = json.loads(sys.argv[1])
args["today"] = datetime.date.fromisoformat(args["today"])
with running_sandbox(SandboxConfig(**args)) as url:
    print(url, flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin
"""


class Sandbox:
    """A sandbox in its own process: its URL, pid, and counters."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc, self.url = proc, url

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stats(self) -> dict[str, Any]:
        r = httpx.get(f"{self.url}/_sandbox/stats", headers={"Authorization": f"Bearer {TOKEN}"})
        r.raise_for_status()
        return r.json()

    def api_calls(self) -> int:
        """Requests to the bexio routes (admin routes are not counted by the sandbox)."""
        return sum(sum(by_status.values()) for by_status in self.stats()["requests"].values())


@contextmanager
def sandbox(
    invoices: int,
    today: str,
    *,
    rate_limit: int | None = None,
    search_rate_limit: int | None = None,
    window_seconds: int = 60,
    scenario: str = "all_overdue",
) -> Iterator[Sandbox]:
    """A sandbox process with `invoices` invoices; stopped on exit."""
    args = {
        "invoices": invoices,
        "seed": 1,
        "today": today,
        "token": TOKEN,
        "rate_limit": rate_limit,
        "search_rate_limit": search_rate_limit,
        "window_seconds": window_seconds,
        "scenario": scenario,
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", _SANDBOX_CHILD, json.dumps(args)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the sandbox did not start (said {url!r})")
        yield Sandbox(proc, url)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.stdin:
        proc.stdin.close()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _free(port: int) -> int:
    """`port` if nothing listens on it, else one the system picks: a second benchmark beside
    a running one gets a server of its own, never the other's."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def prefect_server(home: Path, port: int, ui: bool = False) -> Iterator[dict[str, str]]:
    """A temporary `prefect server start` with its own home; yields the env a client needs
    (`PREFECT_API_URL` names the port: another one when `port` is taken). With `ui`, the
    server also serves Prefect's UI there."""
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "true" if ui else "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    port = _free(port)  # else the runs would talk to whichever server holds the port
    if ui:  # the UI asks the API it was served from, not the default port
        env["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{port}/api"
    log = open(home / "server.log", "w")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "prefect"),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-services",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not start; see {home / 'server.log'}")
            time.sleep(0.3)
        yield {"PREFECT_HOME": str(home), "PREFECT_API_URL": api, "pid": str(proc.pid)}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and its workers
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                kids.extend(int(k) for k in fh.read().split())
    except OSError:
        pass
    return kids


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB; zeros when it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return pss, rss


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of `pid` and all its descendants, summed, in MiB."""
    pss = rss = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        p, r = _memory_kb(current)
        pss, rss = pss + p, rss + r
        todo.extend(_children(current))
    return pss / 1024, rss / 1024


class RssSampler:
    """Samples the memory of several process trees every `interval` seconds; keeps the
    peak of the summed PSS (`peak_total`), of each tree (`peaks`), and of the RSS sum."""

    def __init__(self, roots: dict[str, int], interval: float = 0.2) -> None:
        self.roots, self.interval = dict(roots), interval
        self.peak_total = self.peak_rss_total = 0.0
        self.peaks: dict[str, float] = dict.fromkeys(roots, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def add(self, name: str, pid: int) -> None:
        self.roots[name] = pid
        self.peaks.setdefault(name, 0.0)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        values = {name: tree_memory_mb(pid) for name, pid in list(self.roots.items())}
        for name, (pss, _) in values.items():
            self.peaks[name] = max(self.peaks[name], pss)
        self.peak_total = max(self.peak_total, sum(pss for pss, _ in values.values()))
        self.peak_rss_total = max(self.peak_rss_total, sum(rss for _, rss in values.values()))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) used so far by `pid` and all its descendants, those
    that ended and were waited for included (from /proc/<pid>/stat)."""
    ticks = 0
    for current in (pid, *descendants(pid)):
        try:
            with open(f"/proc/{current}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, their children, ...), parents first."""
    found: list[int] = []
    todo = _children(pid)
    while todo:
        current = todo.pop(0)
        found.append(current)
        todo.extend(_children(current))
    return found


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie has ended; only its exit status is left)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _end(pids: list[int], grace: float) -> None:
    """SIGTERM to each of `pids`, SIGKILL to those still running after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(-1, os.WNOHANG)  # our own children: reap them as they end
            time.sleep(0.1)


@contextmanager
def ending_every_child(grace: float = 10.0) -> Iterator[None]:
    """The benchmark's body. SIGTERM and SIGHUP end it as Ctrl+C does, through every
    `finally` (the Prefect server and the sandboxes stop in order); on the way out,
    whatever it started and still runs (a flow run, its render workers) is ended too."""

    def stop(signum: int, frame: object) -> None:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)  # a second signal must not cut the clean-up
        raise SystemExit(128 + signum)

    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        _end(descendants(os.getpid()), grace)
        for sig, handler in before.items():
            signal.signal(sig, handler)
