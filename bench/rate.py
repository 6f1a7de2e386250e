"""The flow against bexio's rate limits, scaled down in time.

bexio allows 1,000 requests per calendar minute (250 for searches and PDFs). The sandbox
here uses 30-second windows with half those limits (500 and 125): the same requests per
second, so a run meets several windows in a couple of minutes. While `dunning run`
works, the sandbox's counters are read 4 times a second; from them: how much of the
general budget the run used in the windows it spent entirely talking to the API
(requests answered, not 429, over limit × windows), and how many 429s came after the
first window and after the first minute.

Run: `python bench/rate.py [INVOICES]`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e import _FLOW_CHILD, REFERENCE_DATE, _escalations, _timed  # noqa: E402
from procs import TOKEN, RssSampler, Sandbox, ending_every_child, prefect_server, sandbox  # noqa: E402

from dunning.policy_file import example_policy_path  # noqa: E402

WINDOW_S, LIMIT, HEAVY_LIMIT = 30, 500, 125


def _is_heavy(route: str) -> bool:
    method, path = route.split(" ", 1)
    return path.endswith("/pdf") or (
        method == "POST" and path.endswith("/search") and "/kb_reminder/" not in path
    )


def _counts(box: Sandbox) -> tuple[int, int, int]:
    """(general requests answered, heavy requests answered, 429s) so far."""
    general = heavy = limited = 0
    for route, by_status in box.stats()["requests"].items():
        for status, n in by_status.items():
            if status == "429":
                limited += n
            elif _is_heavy(route):
                heavy += n
            else:
                general += n
    return general, heavy, limited


class _Watcher(threading.Thread):
    def __init__(self, box: Sandbox) -> None:
        super().__init__(daemon=True)
        self.box, self.samples = box, []  # (time, general, heavy, 429s)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.time(), *_counts(self.box)))
            self.stop.wait(0.25)


def run(invoices: int, prefect_env: dict[str, str]) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-rate-") as tmp,
        sandbox(
            invoices,
            REFERENCE_DATE,
            rate_limit=LIMIT,
            search_rate_limit=HEAVY_LIMIT,
            window_seconds=WINDOW_S,
        ) as box,
    ):
        env = {
            **os.environ,
            **{k: v for k, v in prefect_env.items() if k != "pid"},
            "BEXIO_BASE_URL": box.url,
            "BEXIO_TOKEN": TOKEN,
            "DUNNING_POLICY": str(example_policy_path()),
            "BEXIO_UNPAID_EXTENSION": "true",
        }
        watcher = _Watcher(box)
        watcher.start()
        with RssSampler({}) as rss:
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
        watcher.stop.set()
        watcher.join()
        watcher.samples.append((time.time(), *_counts(box)))
        escalated, _ = _escalations(Path(tmp))
    return _figures(watcher.samples, invoices, escalated, seconds)


def _figures(
    samples: list[tuple[float, int, int, int]], invoices: int, escalated: int, seconds: float
) -> dict[str, Any]:
    final = samples[-1]
    first = next(s for s in samples if s[1] + s[2] + s[3] > 0)
    last = next(s for s in samples if s[1:] == final[1:])  # when the counters stopped moving
    active = max(last[0] - first[0], 1e-9)
    first_window_end = (first[0] // WINDOW_S + 1) * WINDOW_S
    before = [s for s in samples if s[0] <= first_window_end]
    late_429 = final[3] - (before[-1][3] if before else 0)
    used = _full_windows(samples, first[0], last[0])
    return {
        "invoices": invoices,
        "escalated": escalated,
        "seconds": round(seconds, 1),
        "window_s": WINDOW_S,
        "limit_per_window": LIMIT,
        "heavy_limit_per_window": HEAVY_LIMIT,
        "limit_per_min": LIMIT * 60 // WINDOW_S,
        "requests": final[1] + final[2],
        "heavy_requests": final[2],
        "api_seconds": round(active, 1),
        "full_windows": len(used),
        "general_requests_per_full_window": used,
        "budget_used": round(sum(used) / (LIMIT * len(used)), 3) if used else None,
        "responses_429": final[3],
        "responses_429_after_first_window": late_429,
        "responses_429_after_first_minute": late_429
        if WINDOW_S >= 60
        else final[3] - max((s[3] for s in samples if s[0] <= first[0] + 60), default=0),
    }


def _full_windows(
    samples: list[tuple[float, int, int, int]], start: float, end: float
) -> list[int]:
    """General requests answered in each window the run spent entirely talking to the API
    (the first and the last window are partial, so they do not count)."""

    def count_at(moment: float) -> int:
        return max((s[1] for s in samples if s[0] <= moment), default=0)

    used, k = [], int(start // WINDOW_S) + 1
    while (k + 1) * WINDOW_S <= end:
        used.append(count_at((k + 1) * WINDOW_S) - count_at(k * WINDOW_S))
        k += 1
    return used


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with (
        tempfile.TemporaryDirectory(prefix="bench-prefect-") as home,
        prefect_server(Path(home), 4297) as env,
    ):
        print(json.dumps(run(n, env), indent=1))


if __name__ == "__main__":
    with ending_every_child():
        main()
