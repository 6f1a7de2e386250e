"""`make bench` stopped from outside (a signal, `timeout`) leaves no process behind: not
the Prefect server it started in a session of its own, not the sandbox, not the flow run
or its render workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.support.sandbox import REPO


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids.extend(int(k) for k in (task / "children").read_text().split())
        except OSError:
            pass
    return kids


def _tree(pid: int) -> dict[int, str]:
    """Every process below `pid`, with its command line."""
    found: dict[int, str] = {}
    todo = _children(pid)
    while todo:
        current = todo.pop()
        try:
            found[current] = Path(f"/proc/{current}/cmdline").read_text().replace("\0", " ")
        except OSError:
            continue
        todo.extend(_children(current))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _carrying(mark: str) -> dict[int, str]:
    """Running processes whose environment holds `mark`: all the bench started, wherever
    they were moved to when a parent ended."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if mark.encode() in (entry / "environ").read_bytes() and _running(int(entry.name)):
                found[int(entry.name)] = (entry / "cmdline").read_text().replace("\0", " ")
        except OSError:
            continue
    return found


def _wait_for_everything(bench: subprocess.Popen[bytes], timeout: float) -> dict[int, str]:
    """The bench's process tree once the Prefect server, a sandbox and a flow run are up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert bench.poll() is None, "the benchmark ended before it was stopped"
        tree = _tree(bench.pid)
        text = " ".join(tree.values())
        if all(part in text for part in ("server start", "running_sandbox", "flows.cli")):
            return tree
        time.sleep(0.3)
    raise TimeoutError(f"the benchmark did not start everything within {timeout:.0f} s")


def test_a_bench_stopped_by_sigterm_leaves_no_process_behind() -> None:
    mark = f"BENCH_UNDER_TEST={uuid.uuid4().hex}"
    name, value = mark.split("=")
    bench = subprocess.Popen(
        [sys.executable, "bench/run.py", "--parts", "e2e", "--quick"],
        cwd=REPO,
        env={**os.environ, name: value},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tree: dict[int, str] = {}
    try:
        tree = _wait_for_everything(bench, timeout=180)
        bench.send_signal(signal.SIGTERM)
        code = bench.wait(timeout=90)
        survivors = {pid: cmd for pid, cmd in tree.items() if _running(pid)}
        assert survivors == {}, survivors
        assert _carrying(mark) == {}
        assert code == 128 + signal.SIGTERM
    finally:
        for pid in [bench.pid, *tree, *_carrying(mark)]:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        bench.wait()
