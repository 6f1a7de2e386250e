"""The approval form at any size, in a real browser: how big it is and how soon it is usable.

For each size N a probe flow pauses with the form the product builds for N proposed
invoices (`flows.approval.ask_for_approval`: a chip per invoice up to 200, the large form
above), on a temporary Prefect server with its UI. Headless chromium opens the run page,
⋮ → Resume, and the clock runs until the form's fields and its Resume button are usable.
The approver then removes one invoice (the small form: its chip's remove button; the large
form: its document number typed into "Hold back these invoices or customers" and the Approve
tick), presses Resume, and the probe checks the answer with the project's own checks: it
must approve exactly N - 1 invoices. `--old-at 1000 10000` also measures the chip form at
those sizes (forced), the form the large one replaced.

Run: `python bench/approval_form.py [N ...] [--old-at N ...]` (default 100 1000 10000).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from procs import ending_every_child, prefect_server  # noqa: E402

SIZES = (100, 1000, 10_000)
PORT = 4297
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
RUN_MENU = "button:has(svg.lucide-ellipsis-vertical), button:has(svg.lucide-more-vertical)"
USABLE_TIMEOUT_MS = int(os.environ.get("BENCH_FORM_TIMEOUT_S", "300")) * 1000
OPENINGS = 3  # the dialog is opened this often; seconds_to_usable is the median
REMOVED = 1  # the invoice the approver removes (its id; document number RE-1)


def _proposed(n: int) -> list[Any]:
    from tests.support.factories import escalate  # noqa: PLC0415

    return [escalate(i) for i in range(1, n + 1)]


def probe(n: int, old: bool, out: Path) -> None:
    """The probe flow: pause with the product's form for `n` proposed invoices; write how
    many invoices the checked answer approves, or why it was refused."""
    from prefect import flow

    from flows.approval import (
        NOTE_LIMIT,
        ApprovalError,
        _checked,
        _form_model,
        ask_for_approval,
        choice_label,
    )
    from flows.local_pause import pause_here

    assert NOTE_LIMIT

    @flow(name="approval-form-probe", flow_run_name=f"approval-form-{n}{'-old' if old else ''}")
    def approval_form_probe() -> dict[str, Any]:
        proposed = _proposed(n)
        description = f"Benchmark: {n:,} proposed invoices."
        try:
            if old:  # the chip per invoice, forced at any size
                form = _form_model([choice_label(d) for d in proposed])
                answer = pause_here(
                    form.with_initial_data(description=description), "approval", 1800, 1
                )
                approval = _checked(proposed, answer, True, None)
            else:
                approval = ask_for_approval(proposed, description, poll_interval=1, timeout_s=1800)
        except ApprovalError as exc:
            return {"approved": None, "refused": str(exc)}
        return {
            "approved": len(approval.approved_ids),
            "removed_kept_back": REMOVED not in approval.approved_ids,
        }

    out.write_text(json.dumps(approval_form_probe()))


def _paused_run(api: str, deadline: float) -> tuple[str, dict[str, Any]]:
    """The paused probe run's id and its stored form schema (the bytes the UI downloads)."""
    with httpx.Client(base_url=api, timeout=30) as http:
        while time.monotonic() < deadline:
            runs = http.post(
                "/flow_runs/filter",
                json={"flow_runs": {"state": {"type": {"any_": ["PAUSED"]}}}, "limit": 1},
            ).json()
            keys = runs[0]["state"]["state_details"].get("run_input_keyset") if runs else None
            if keys:
                response = http.get(f"/flow_runs/{runs[0]['id']}/input/{keys['schema']}")
                if response.status_code == 200:
                    return runs[0]["id"], {"bytes": len(response.content), "raw": response.text}
            time.sleep(0.5)
    raise RuntimeError("the probe flow did not pause with its form in time")


def _use_form(
    page: Any, ui: str, run_id: str, n: int, large: bool, shots: Path | None
) -> list[float]:
    """Open ⋮ → Resume OPENINGS times (the page loaded afresh each time); seconds until the
    form is usable, each time. Then remove one invoice and resume."""
    from playwright.sync_api import expect

    times = []
    for _ in range(OPENINGS):
        seconds, dialog = _open_form(page, ui, run_id, n, large)
        times.append(seconds)
    if shots:
        dialog.screenshot(path=shots / f"approval-form-{n}{'' if large else '-chips'}.png")
    resume = dialog.get_by_role("button", name="Resume", exact=True)
    if large:
        hold_back = dialog.locator("textarea").first
        approve = dialog.get_by_role("switch").first
        hold_back.fill(f"RE-{REMOVED}")
        approve.click()
        expect(approve).to_have_attribute("aria-checked", "true")
    else:
        from flows.approval import choice_label
        from tests.support.factories import escalate

        first = choice_label(escalate(REMOVED))
        dialog.get_by_role("button", name=f"Remove {first} tag").click()
        expect(dialog.get_by_title(first, exact=True)).to_have_count(0)
    resume.click()
    return times


def _open_form(page: Any, ui: str, run_id: str, n: int, large: bool) -> tuple[float, Any]:
    """The run page, then ⋮ → Resume: seconds until the fields and Resume are usable."""
    from playwright.sync_api import expect

    page.goto(f"{ui}/v2/runs/flow-run/{run_id}")
    expect(page.get_by_text("Paused", exact=True).first).to_be_visible()
    started = time.perf_counter()
    page.locator(RUN_MENU).first.click()
    page.get_by_role("menuitem", name="Resume").click()
    dialog = page.get_by_role("dialog")
    resume = dialog.get_by_role("button", name="Resume", exact=True)
    if large:
        # The UI gives these fields no accessible name: the first text area is the list to
        # hold back, the first switch the Approve tick (the form's order).
        expect(dialog.get_by_text("Hold back these invoices or customers")).to_be_visible()
        hold_back = dialog.locator("textarea").first
        approve = dialog.get_by_role("switch").first
        for field in (hold_back, approve, resume):
            expect(field).to_be_visible()
            expect(field).to_be_enabled()
    else:
        from flows.approval import choice_label
        from tests.support.factories import escalate

        first, last = choice_label(escalate(REMOVED)), choice_label(escalate(n))
        for field in (
            dialog.get_by_role("button", name=f"Remove {first} tag"),
            dialog.get_by_title(last, exact=True).first,
            resume,
        ):
            expect(field).to_be_visible()
        expect(resume).to_be_enabled()
    return time.perf_counter() - started, dialog


def measure(
    n: int, env: dict[str, str], browser: Any, old: bool, shots: Path | None
) -> dict[str, Any]:
    """One row: the form for `n` proposed invoices, paused, opened, answered."""
    from playwright.sync_api import Error as PlaywrightError

    from flows.approval_large import LARGE_PROPOSAL

    large = n > LARGE_PROPOSAL and not old
    ui = env["PREFECT_API_URL"].removesuffix("/api")
    with tempfile.TemporaryDirectory(prefix="bench-approval-") as folder:
        out = Path(folder) / "answer.json"
        cmd = [sys.executable, __file__, "--probe", str(n), "--out", str(out)]
        log = open(Path(folder) / "probe.log", "w")
        proc = subprocess.Popen(
            cmd + (["--old"] if old else []),
            env={k: v for k, v in env.items() if k != "pid"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        row: dict[str, Any] = {"invoices": n, "form": "chips" if not large else "large"}
        if old:
            row["forced"] = True
        try:
            run_id, schema = _paused_run(env["PREFECT_API_URL"], time.monotonic() + 600)
            row["schema_bytes"] = schema["bytes"]
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(USABLE_TIMEOUT_MS)
            try:
                times = _use_form(page, ui, run_id, n, large, shots)
                row["seconds_to_usable"] = round(statistics.median(times), 2)
                row["openings_s"] = [round(t, 2) for t in times]
                proc.wait(timeout=600)
                answer = json.loads(out.read_text()) if out.exists() else {}
            except (AssertionError, PlaywrightError, subprocess.TimeoutExpired) as exc:
                # the form never became usable, or the answer never arrived: the row says so
                if shots:
                    page.screenshot(path=shots / f"approval-form-{n}-failed.png")
                row.setdefault("seconds_to_usable", None)
                answer = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
            finally:
                context.close()
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()
            if not out.exists():
                print((Path(folder) / "probe.log").read_text()[-2000:], file=sys.stderr)
    row["approved"] = answer.get("approved")
    row["works"] = answer.get("approved") == n - 1 and bool(answer.get("removed_kept_back"))
    if not row["works"]:
        row["why_not"] = answer.get("refused") or answer.get("error") or "no answer"
    return row


def run(
    sizes: list[int],
    env: dict[str, str],
    old_at: list[int] | None = None,
    shots: Path | None = None,
) -> list[dict[str, Any]]:
    """One row per size (and the forced chip form at each of `old_at`), on the server of `env`."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=USABLE_TIMEOUT_MS)
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            plan = [(n, False) for n in sizes] + [(n, True) for n in old_at or []]
            for n, old in plan:
                rows.append(measure(n, env, browser, old, shots))
                print(f"  approval form: {rows[-1]}", flush=True)
        finally:
            browser.close()
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'invoices':>9} {'form':<14} {'schema bytes':>13} {'s to usable':>12} works"]
    for r in rows:
        form = r["form"] + (" (forced)" if r.get("forced") else "")
        seconds = "-" if r["seconds_to_usable"] is None else f"{r['seconds_to_usable']:.2f}"
        lines.append(
            f"{r['invoices']:>9,} {form:<14} {r.get('schema_bytes', 0):>13,} {seconds:>12} "
            f"{'yes' if r['works'] else 'NO: ' + r.get('why_not', '')}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument(
        "--old-at", type=int, nargs="*", default=[], help="also the chip form forced at these N"
    )
    parser.add_argument("--shots", type=Path, default=None, help="save the dialogs as PNG here")
    parser.add_argument("--probe", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--old", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe is not None:
        probe(args.probe, args.old, args.out)
        return
    with (
        tempfile.TemporaryDirectory(prefix="bench-prefect-ui-") as home,
        prefect_server(Path(home), PORT, ui=True) as env,
    ):
        rows = run(args.sizes, env, args.old_at, args.shots)
    print(table(rows))


if __name__ == "__main__":
    if "--probe" in sys.argv:
        main()
    else:
        with ending_every_child():
            main()
