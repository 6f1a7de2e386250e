"""End to end: the `dunning-run` flow as a user starts it, and the floor, against a sandbox.

Each run gets a fresh sandbox process ("all_overdue": every invoice escalates, no rate
limit) and a fresh output folder. The flow runs through the `dunning run` command in its
own process, talking to a Prefect server of the benchmark's own (the flow-run heartbeat
is off, as Prefect allows in Python only). Wall time is the command's, from start to
exit; peak RSS is the sum over the command's process tree, the sandbox and the Prefect
server, sampled every 0.2 s (PSS, see procs.py); API calls are the sandbox's own count;
the Prefect server's CPU seconds are those it used from the command's start to its exit.

Run: `python bench/e2e.py [N ...]` (one flow run and one floor run for each N).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procs import (  # noqa: E402
    ROOT,
    TOKEN,
    RssSampler,
    ending_every_child,
    prefect_server,
    sandbox,
    tree_cpu_seconds,
)

from dunning.policy_file import example_policy_path  # noqa: E402

REFERENCE_DATE = "2026-11-30"

_FLOW_CHILD = """
import sys
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from flows.cli import main
with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
    sys.exit(main(sys.argv[1:]))
"""


def _escalations(output: Path) -> tuple[int, dict[str, Any]]:
    manifest = json.loads(next(output.glob("*/manifest.json")).read_text())
    return manifest["counts"]["outcomes"].get("ESCALATED", 0), manifest


def _timed(
    cmd: list[str], env: dict[str, str], sampler: RssSampler, name: str
) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    sampler.add(name, proc.pid)
    out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{name} exited with {proc.returncode}:\n{out[-3000:]}")
    return seconds, out


def flow_run(invoices: int, prefect_env: dict[str, str]) -> dict[str, Any]:
    """One `dunning run` against a fresh sandbox; wall time, peak RSS, API calls."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-flow-") as tmp,
        sandbox(invoices, REFERENCE_DATE) as box,
    ):
        env = {
            **os.environ,
            **{k: v for k, v in prefect_env.items() if k != "pid"},
            "BEXIO_BASE_URL": box.url,
            "BEXIO_TOKEN": TOKEN,
            "DUNNING_POLICY": str(example_policy_path()),
            "DUNNING_OUTPUT": tmp,
            "BEXIO_UNPAID_EXTENSION": "true",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        server = int(prefect_env["pid"])
        roots = {"sandbox": box.pid, "prefect_server": server}
        server_cpu = tree_cpu_seconds(server)
        with RssSampler(roots) as rss:
            seconds, _ = _timed(
                [
                    sys.executable,
                    "-c",
                    _FLOW_CHILD,
                    "run",
                    "--reference-date",
                    REFERENCE_DATE,
                    "--confirm-reference-date",
                    "--output",
                    tmp,
                ],
                env,
                rss,
                "flow",
            )
        server_cpu = tree_cpu_seconds(server) - server_cpu
        escalated, manifest = _escalations(Path(tmp))
        calls = box.api_calls()
    assert escalated == invoices, manifest["counts"]
    return {
        "invoices": invoices,
        "seconds": round(seconds, 2),
        "escalated": escalated,
        "api_calls": calls,
        "api_calls_per_escalation": round(calls / max(1, escalated), 3),
        "peak_rss_mb": round(rss.peak_total),
        "peak_rss_sum_mb": round(rss.peak_rss_total),
        "peak_rss_parts_mb": {k: round(v) for k, v in rss.peaks.items()},
        "prefect_server_cpu_s": round(server_cpu, 1),
    }


def floor_run(invoices: int) -> dict[str, Any]:
    """The same work without Prefect (bench/floor.py) against a fresh sandbox."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp,
        sandbox(invoices, REFERENCE_DATE) as box,
    ):
        with RssSampler({"sandbox": box.pid}) as rss:
            seconds, out = _timed(
                [
                    sys.executable,
                    str(ROOT / "bench" / "floor.py"),
                    box.url,
                    TOKEN,
                    tmp,
                    REFERENCE_DATE,
                ],
                dict(os.environ),
                rss,
                "floor",
            )
        figures = json.loads(out.strip().splitlines()[-1])
        calls = box.api_calls()
    assert figures["escalated"] == invoices and figures["pages"] == invoices, figures
    return {
        "invoices": invoices,
        "seconds": round(seconds, 2),
        "api_calls": calls,
        "api_calls_per_escalation": round(calls / invoices, 3),
        "peak_rss_mb": round(rss.peak_total),
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000]
    with (
        tempfile.TemporaryDirectory(prefix="bench-prefect-") as home,
        prefect_server(Path(home), 4299) as env,
    ):
        for n in sizes:
            print("flow ", json.dumps(flow_run(n, env)), flush=True)
            print("floor", json.dumps(floor_run(n)), flush=True)


if __name__ == "__main__":
    with ending_every_child():
        main()
