"""`make bench`: every benchmark figure of the project, as a table and `bench/results.json`.

Parts (see bench/README.md): the proposal over 100,000 invoices, letters/s and the merge,
the `dunning-run` flow end to end against a sandbox process next to the same work without
Prefect (the floor, run alternately with the flow), and the flow against scaled-down
rate limits. `--scale` adds one flow run of 100,000 invoices (about 15 minutes more) and the approval
form in chromium at 100, 1,000 and 10,000 proposed invoices (part `approval_form`).

Run: `python bench/run.py [--parts core,letters,e2e,rate,approval_form] [--scale] [--quick]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import approval_form  # noqa: E402
import core  # noqa: E402
import e2e  # noqa: E402
import letters  # noqa: E402
import rate  # noqa: E402
from procs import ending_every_child, prefect_server  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.json"
PARTS = ("core", "letters", "e2e", "rate")  # `make bench`; `--scale` adds scale, approval_form
ALL_PARTS = (*PARTS, "approval_form")


def _machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "date": date.today().isoformat(),
        "load_before": os.getloadavg()[0],
    }


def _e2e(sizes: list[tuple[int, int]], env: dict[str, str]) -> list[dict[str, Any]]:
    """`pairs` alternating flow and floor runs per size; medians, and the median ratio."""
    rows = []
    for invoices, pairs in sizes:
        flows, floors = [], []
        for pair in range(pairs):
            flows.append(e2e.flow_run(invoices, env))
            floors.append(e2e.floor_run(invoices))
            print(
                f"  {invoices:>6} invoices, pair {pair + 1}: flow {flows[-1]['seconds']:.1f} s, "
                f"floor {floors[-1]['seconds']:.1f} s",
                flush=True,
            )
        ratios = [f["seconds"] / g["seconds"] for f, g in zip(flows, floors, strict=False)]
        rows.append(
            {
                "invoices": invoices,
                "pairs": pairs,
                "flow_s": round(statistics.median(f["seconds"] for f in flows), 1),
                "floor_s": round(statistics.median(g["seconds"] for g in floors), 1),
                "flow_over_floor": round(statistics.median(ratios), 3),
                "peak_rss_mb": max(f["peak_rss_mb"] for f in flows),
                "peak_rss_sum_mb": max(f["peak_rss_sum_mb"] for f in flows),
                "peak_rss_parts_mb": max(
                    (f["peak_rss_parts_mb"] for f in flows), key=lambda p: sum(p.values())
                ),
                "floor_peak_rss_mb": max(g["peak_rss_mb"] for g in floors),
                "prefect_server_cpu_s": statistics.median(f["prefect_server_cpu_s"] for f in flows),
                "api_calls_per_escalation": statistics.median(
                    f["api_calls_per_escalation"] for f in flows
                ),
                "runs": {
                    "flow_s": [f["seconds"] for f in flows],
                    "floor_s": [g["seconds"] for g in floors],
                },
            }
        )
    return rows


def _table(results: dict[str, Any]) -> str:
    lines = [f"{'figure':<44} value"]

    def row(name: str, value: Any) -> None:
        lines.append(f"{name:<44} {value}")

    if "core" in results:
        row(
            f"core: propose {results['core']['invoices']:,} invoices",
            f"{results['core']['seconds']} s",
        )
    if "letters" in results:
        lt = results["letters"]
        row(
            "letters/s with QR-bill, 1 / 2 processes",
            f"{lt['qr_per_s_1core']} / {lt['qr_per_s_2cores']}",
        )
        row(
            "letters/s without QR-bill, 1 / 2 processes",
            f"{lt['plain_per_s_1core']} / {lt['plain_per_s_2cores']}",
        )
        mg = results["merge"]
        row(
            f"merge {mg['letters']:,} letters: s, peak RSS MB",
            f"{mg['seconds']} s, {mg['peak_rss_mb']} MB",
        )
    for e in results.get("e2e", []):
        row(
            f"e2e {e['invoices']:,}: flow / floor s (ratio)",
            f"{e['flow_s']} / {e['floor_s']} ({e['flow_over_floor']})",
        )
        row(
            f"e2e {e['invoices']:,}: peak RSS MB, API calls/escalation",
            f"{e['peak_rss_mb']} MB, {e['api_calls_per_escalation']}",
        )
    if "rate_limited" in results:
        rl = results["rate_limited"]
        row(
            f"rate limited {rl['limit_per_window']}/{rl['window_s']} s: budget used",
            f"{rl['budget_used']} ({rl['responses_429_after_first_window']} 429s after the first window)",
        )
    if "scale" in results:
        sc = results["scale"]
        row(
            f"scale {sc['invoices']:,} invoices (letters: {sc['letters']})",
            f"{sc['seconds']} s, run {sc.get('run_pss_mb', '-')} MB, "
            f"with server and sandbox {sc['peak_rss_mb']} MB",
        )
    for r in results.get("approval_form", []):
        seconds = r["seconds_to_usable"]
        row(
            f"approval form {r['invoices']:,} ({r['form']}{', forced' if r.get('forced') else ''})",
            f"{r['schema_bytes']:,} B schema, "
            f"{'-' if seconds is None else seconds} s to usable, works: {r['works']}",
        )
    return "\n".join(lines)


def _linear(seconds: float, e2e_rows: list[dict[str, Any]], *, measured: bool) -> dict[str, Any]:
    """The 100,000 run's time over ten times the 10,000 one's, when that was measured in the
    same sitting (a figure from another day would compare two hosts' moods)."""
    row = next((r for r in e2e_rows if r["invoices"] == 10_000), None)
    if not measured or row is None:
        return {}
    return {"over_10x_the_10000_run": round(seconds / (10 * row["flow_s"]), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--parts", default=",".join(PARTS), help="comma-separated: " + ",".join(ALL_PARTS)
    )
    parser.add_argument("--scale", action="store_true", help="add one flow run of 100,000 invoices")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one pair each")
    args = parser.parse_args()
    parts = set(args.parts.split(",")) | ({"scale", "approval_form"} if args.scale else set())
    started = time.perf_counter()
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["machine"] = _machine()
    if "core" in parts:
        n = 10_000 if args.quick else 100_000
        results["core"] = {"invoices": n, "seconds": round(core.run(n), 2)}
        print(f"core: {results['core']}", flush=True)
    if "letters" in parts:
        figures = letters.run(200 if args.quick else 1000, 1000 if args.quick else 10_000)
        results["merge"] = figures.pop("merge")
        figures.pop("merge_1000", None)
        results["letters"] = figures
        print(f"letters: {figures}, merge: {results['merge']}", flush=True)
    if parts & {"e2e", "rate", "scale"}:
        with (
            tempfile.TemporaryDirectory(prefix="bench-prefect-") as home,
            prefect_server(Path(home), 4296) as env,
        ):
            if "e2e" in parts:
                sizes = [(200, 1), (1000, 1)] if args.quick else [(1000, 3), (10_000, 2)]
                results["e2e"] = _e2e(sizes, env)
            if "rate" in parts:
                results["rate_limited"] = rate.run(150 if args.quick else 500, env)
                print(f"rate limited: {results['rate_limited']}", flush=True)
            if "scale" in parts:
                run = e2e.flow_run(100_000, env)
                results["scale"] = {
                    "invoices": run["invoices"],
                    "letters": True,
                    "seconds": run["seconds"],
                    "run_pss_mb": run["peak_rss_parts_mb"]["flow"],
                    "tree_pss_mb": run["peak_rss_mb"],
                    "peak_rss_mb": run["peak_rss_mb"],
                    "peak_rss_parts_mb": run["peak_rss_parts_mb"],
                    **_linear(run["seconds"], results.get("e2e", []), measured="e2e" in parts),
                    "prefect_server_cpu_s": run["prefect_server_cpu_s"],
                    "api_calls_per_escalation": run["api_calls_per_escalation"],
                }
    if "approval_form" in parts:
        with (
            tempfile.TemporaryDirectory(prefix="bench-prefect-ui-") as home,
            prefect_server(Path(home), approval_form.PORT, ui=True) as env,
        ):
            form_sizes = [100, 300] if args.quick else list(approval_form.SIZES)
            old_at = [] if args.quick else [1000, 10_000]
            results["approval_form"] = approval_form.run(form_sizes, env, old_at)
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(_table(results))
    print(f"written to {RESULTS.name} in {results['bench_seconds']:.0f} s")


if __name__ == "__main__":
    with ending_every_child():
        main()
