"""The long reliability run behind `make soak`: many fault seeds, many crashes, all the bad
input, and counts at the end. Exits 1 when anything was duplicated, missed or showed a
traceback.

    python -m tests.reliability.soak [--seeds 24] [--crashes 16] [--pairs 3] [--policies 40]
                                     [--listings 2] [--concurrent 6]

Besides reminders it counts e-mails (the sandbox's outbox, and what the test's SMTP server
received of our own letters: none may go out twice) and letters (every reminder marked
sent has its page in the run's merged PDF), and it starts retries at the same time as each
other or as the run they retry.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tests.support.environment import isolate_prefect

isolate_prefect(prefix="dunning-soak-prefect-")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")

from tests.reliability.bad_answers import ANSWERS, escalating  # noqa: E402
from tests.reliability.bad_inputs import CASES, RUN, Case, mangled_policy, prepared  # noqa: E402
from tests.reliability.moving_listing import INVOICES, listed_twice  # noqa: E402
from tests.support.checks import Tally, check_exactly_once  # noqa: E402
from tests.support.cli import (  # noqa: E402
    CliResult,
    cli_command,
    journal_lines,
    kill,
    kill_when,
    load_manifest,
    new_runs,
    run_cli,
    run_cli_process,
    start_run_process,
    subprocess_env,
)
from tests.support.harness import prefect_test_server  # noqa: E402
from tests.support.mailbox import Mailbox  # noqa: E402
from tests.support.sandbox import REFERENCE_DATE, TOKEN, Company, budget_burner  # noqa: E402


class Soak:
    def __init__(self, api: str, work: Path) -> None:
        self.api, self.work = api, work
        self.tally = Tally()
        self.tracebacks = 0
        self.email_duplicates = 0
        self.lost_letters = 0
        self.counts: Counter[str] = Counter()

    def folder(self, name: str) -> Path:
        path = self.work / name
        path.mkdir(parents=True)
        return path

    def saw(self, result: CliResult, where: str) -> CliResult:
        if result.has_traceback():
            self.tracebacks += 1
            self.tally.problems.append(f"{where}: traceback\n{result.text[-2000:]}")
        return result

    # -- faults -------------------------------------------------------------------------

    def fault_seed(self, seed: int) -> None:
        rng = random.Random(seed)
        storm = rng.random() < 0.3
        config = {
            "invoices": 40,
            "seed": seed,
            "fail_rate": round(rng.uniform(0.03, 0.25), 2),
            "latency_ms": rng.choice((0, 0, 10, 40)),
        }
        if storm:
            config.update(rate_limit=rng.choice((40, 80)), window_seconds=1)
        work = self.folder(f"faults-{seed}")
        with Company.started(**config) as company, _env(company.env(work / "out")), _cwd(work):
            bad = self._bad_text(rng, company)
            with budget_burner(company) if storm else contextlib.nullcontext():
                codes = [self.saw(run_cli(RUN), f"seed {seed}").code]
                (run_id,) = new_runs(work / "out")
                while codes[-1] == 1 and len(codes) < 8:
                    codes.append(self.saw(run_cli(["retry", run_id]), f"seed {seed} retry").code)
            company.faults(0.0)
            self._check(company, work / "out", [run_id], f"seed {seed}", codes)
            if bad:
                self._check_warning(work / "out", run_id, *bad, f"seed {seed}")
            stats = company.admin("GET", "/stats")
        self.counts["fault seeds"] += 1
        self.counts["retries"] += len(codes) - 1
        self.counts["429 answers"] += stats.get("responses_429", 0)
        self.counts["faults injected"] += sum(
            v for k, v in stats.items() if k.startswith("faults_") and k != "faults_after_apply"
        )

    def _bad_text(self, rng: random.Random, company: Company) -> tuple[int, str] | None:
        """Now and then a lone surrogate (`"\\ud800"` in the JSON) in an open invoice's
        number or in its debtor's name: the run must finish and warn on that line."""
        if rng.random() >= 0.35:
            return None
        state = company.state
        open_ids = [i["id"] for i in state.invoice_list if i["kb_item_status_id"] in (8, 16)]
        invoice_id = rng.choice(open_ids)
        contact = state.contacts.get(state.invoices[invoice_id].get("contact_id"))
        self.counts["lone surrogates injected"] += 1
        if contact is None or rng.random() < 0.5:
            state.invoices[invoice_id]["document_nr"] = f"RE-\ud800-{invoice_id}"
            return invoice_id, "document_nr"
        contact["name_1"] = f"{contact['name_1']}\ud800"
        return invoice_id, "name_1"

    def _check_warning(
        self, output: Path, run_id: str, invoice_id: int, field: str, where: str
    ) -> None:
        lines = {ln["invoice_id"]: ln for ln in load_manifest(output, run_id)["lines"]}
        line = lines.get(invoice_id)
        if line is None or (field == "name_1" and not line["letter"]):
            return  # the debtor's name shows only on a letter
        if field not in (line["warning"] or ""):
            self.tally.problems.append(f"{where}: invoice {invoice_id} has no warning on {field}")

    def _check(
        self, company: Company, output: Path, run_ids: list[str], where: str, codes: list[int]
    ) -> None:
        if codes[-1] != 0:
            self.tally.problems.append(f"{where}: still failing after retries {codes}")
        found = check_exactly_once(company, output, run_ids)
        found.problems = [f"{where}: {p}" for p in found.problems]
        self.tally.add(found)
        self._check_mail_and_letters(company, output, run_ids, where)
        for stream in ("run.stdout", "run.stderr"):  # what processes of the soak printed
            printed = output.parent / stream
            if printed.is_file() and "Traceback (most recent call last)" in printed.read_text():
                self.tracebacks += 1
                self.tally.problems.append(f"{where}: traceback in {stream}")

    def _check_mail_and_letters(
        self, company: Company, output: Path, run_ids: list[str], where: str
    ) -> None:
        """No reminder e-mailed twice; every reminder marked sent has its letter's page in
        the merged PDF of the run that made it."""
        emails = Counter(m["reminder_id"] for m in company.admin("GET", "/outbox"))
        twice = {r: n for r, n in emails.items() if n > 1}
        if twice:
            self.email_duplicates += sum(n - 1 for n in twice.values())
            self.tally.problems.append(f"{where}: reminders e-mailed more than once: {twice}")
        self.counts["e-mails sent"] += sum(emails.values())
        before = {r["id"] for rs in company.before.values() for r in rs}
        sent = {
            r["id"]
            for r in company.admin("GET", "/reminders")
            if r["is_sent"] and r["id"] not in before
        }
        paged: set[int] = set()
        for run_id in run_ids:
            record = load_manifest(output, run_id)
            merged = output / run_id / "letters.pdf"
            titles = (
                [item.title.split(" · ")[0] for item in PdfReader(merged).outline]
                if merged.is_file()
                else []
            )
            for line in record["lines"]:
                if line["reminder_id"] in sent and line["document_nr"] in titles:
                    paged.add(line["reminder_id"])
        if sent - paged:
            self.lost_letters += len(sent - paged)
            self.tally.problems.append(
                f"{where}: reminders marked sent without a page in the merged PDF: "
                f"{sorted(sent - paged)}"
            )

    def _check_smtp(self, mailbox: Mailbox, where: str) -> None:
        """No letter e-mailed twice over SMTP (one Message-ID per reminder)."""
        received = Counter(str(m["Message-ID"]) for m in mailbox.received)
        twice = {i: n for i, n in received.items() if n > 1}
        if twice:
            self.email_duplicates += sum(n - 1 for n in twice.values())
            self.tally.problems.append(f"{where}: letters e-mailed more than once: {twice}")
        self.counts["e-mails sent"] += len(mailbox.received)

    # -- a moving listing ---------------------------------------------------------------

    def moving_listing(self, number: int) -> None:
        """Drafts with lower ids are issued between two pages of the open-invoice listing,
        so the run reads the last rows of the first page twice."""
        rng = random.Random(300 + number)
        drafts = rng.randint(1, 3)
        config = {
            "invoices": INVOICES,
            "seed": 300 + number,
            "latency_ms": rng.choice((5, 15)),
            "fail_rate": rng.choice((0.0, 0.0, 0.05)),
        }
        work = self.folder(f"listing-{number}")
        where = f"moving listing {number}"
        run = [*RUN, "--blocks", "blocks.toml"]
        with Company.started(**config) as company, _env(company.env(work / "out")), _cwd(work):
            twice = listed_twice(company, work / "blocks.toml", drafts)
            codes = [self.saw(run_cli(run), where).code]
            (run_id,) = new_runs(work / "out")
            while codes[-1] == 1 and len(codes) < 6:
                codes.append(self.saw(run_cli(["retry", run_id]), f"{where} retry").code)
            company.faults(0.0)
            self._check(company, work / "out", [run_id], where, codes)
            stats = company.admin("GET", "/stats")
        self.counts["moving listings"] += 1
        self.counts["invoices listed twice"] += min(len(twice), stats["invoices_issued_admin"])

    # -- crashes ------------------------------------------------------------------------

    def crash(self, number: int) -> None:
        rng = random.Random(1000 + number)
        work = self.folder(f"crash-{number}")
        output = work / "out"
        with sandbox_process(
            rng.randrange(1, 10_000), latency_ms=rng.choice((5, 15, 30))
        ) as company:
            env = subprocess_env(company.env(output), self.api)
            process = start_run_process(env, work, *RUN)
            how = rng.choice(("journal", "journal", "delay"))
            if how == "journal":
                lines = rng.randrange(1, 16)
                killed = kill_when(process, lambda: journal_lines(output) >= lines)
                self.counts[
                    f"kills at journal line {lines}" if killed else "runs done before the kill"
                ] += 1
            else:
                delay = rng.uniform(1.0, 8.0)
                start = time.monotonic()
                killed = kill_when(process, lambda: time.monotonic() - start >= delay)
                self.counts[
                    "kills after a random delay" if killed else "runs done before the kill"
                ] += 1
            self.counts["crashes injected"] += killed
            runs = new_runs(output)
            if not runs:  # killed before the run folder existed: nothing to retry, run again
                self.saw(run_cli_process(RUN, env, work), f"crash {number} rerun")
                runs = new_runs(output)
            codes = []
            while not codes or (codes[-1] == 1 and len(codes) < 4):
                codes.append(
                    self.saw(
                        run_cli_process(["retry", runs[0]], env, work), f"crash {number} retry"
                    ).code
                )
            self._check(company, output, runs, f"crash {number} ({how})", codes)

    def crash_after_create(self, number: int) -> None:
        """Killed between a reminder's create and its answer (sandbox in this process)."""
        work = self.folder(f"create-crash-{number}")
        output = work / "out"
        with Company.started(invoices=40, seed=50 + number, latency_ms=5) as company:
            env = subprocess_env(company.env(output), self.api)
            process = start_run_process(env, work, *RUN)
            created: list[int] = []
            nth = 1 + number % 4

            def kill_on_create(reminder: dict) -> None:
                created.append(reminder["id"])
                if len(created) == nth:
                    kill(process)

            company.state.on_reminder_created = kill_on_create
            killed = kill_when(process, lambda: len(created) >= nth)
            company.state.on_reminder_created = None
            self.counts["crashes injected"] += killed
            self.counts["kills between a create and its answer"] += killed
            runs = new_runs(output)
            codes = [self.saw(run_cli_process(["retry", runs[0]], env, work), "create crash").code]
            self._check(company, output, runs, f"create crash {number}", codes)

    # -- concurrency --------------------------------------------------------------------

    def pair(self, number: int) -> None:
        work = self.folder(f"pair-{number}")
        output = work / "out"
        with Company.started(invoices=40, seed=200 + number, latency_ms=5) as company:
            env = subprocess_env(company.env(output), self.api)
            first = start_run_process(env, work, *RUN)
            time.sleep(random.Random(number).uniform(0, 1.5))
            second = start_run_process(env, work, *RUN)
            codes = [first.wait(timeout=300), second.wait(timeout=300)]
            self._check(company, output, new_runs(output), f"pair {number}", [max(codes)])
        self.counts["concurrent pairs"] += 1

    # -- two processes on one run ------------------------------------------------------

    def concurrent(self, number: int) -> None:
        """Retries at the same time: of a run killed at a random moment of its work (two or
        three retries started at once), or of a run still committing (a retry started as
        soon as its journal appears). The lock lets one work; the others say who is busy."""
        rng = random.Random(500 + number)
        during_commit = number % 2 == 1
        send = rng.random() < 0.7
        work = self.folder(f"concurrent-{number}")
        output = work / "out"
        run = [*RUN, "--send"] if send else list(RUN)
        with (
            Company.started(invoices=40, seed=500 + number, latency_ms=15) as company,
            Mailbox.started() as mailbox,
        ):
            env = subprocess_env({**company.env(output), **mailbox.env()}, self.api)
            process = start_run_process(env, work, *run)
            if during_commit:
                company.faults(latency_ms=rng.choice((60, 120)))
                started = _until(process, lambda: journal_lines(output) >= 1)
                ended = [_finish(p) for p in [*_retries(env, work, output, 1), process]]
                self.counts["retries started during a commit"] += started
            else:
                line = rng.randrange(1, 40)
                killed = kill_when(process, lambda: journal_lines(output) >= line)
                self.counts["crashes injected"] += killed
                company.faults(latency_ms=rng.choice((15, 60)))
                ended = [_finish(p) for p in _retries(env, work, output, rng.choice((2, 3)))]
                self.counts["retries started together"] += len(ended)
            company.faults(latency_ms=0)
            busy = [out for code, out in ended if code == 1 and "is busy" in out]
            self.counts["retries told the run is busy"] += len(busy)
            for _, out in ended:
                if "Traceback (most recent call last)" in out:
                    self.tracebacks += 1
                    self.tally.problems.append(f"concurrent {number}: traceback\n{out[-2000:]}")
            runs = new_runs(output)
            codes = [self.saw(run_cli_process(["retry", runs[0]], env, work), "last retry").code]
            self._check(company, output, runs, f"concurrent {number}", codes)
            self._check_smtp(mailbox, f"concurrent {number}")
        self.counts["concurrency events"] += 1

    # -- bad input ----------------------------------------------------------------------

    def bad_inputs(self, policies: int) -> None:
        with Company.started(invoices=20, seed=2) as company:
            for n, case in enumerate(CASES):
                self._bad_input(company, case, self.folder(f"bad-{n}"))
            rng = random.Random(7)
            for n in range(policies):
                text = mangled_policy(rng)
                case = Case(
                    f"random policy {n}",
                    (*RUN, "--dry-run", "--policy", "p.toml"),
                    (),
                    {"p.toml": text},
                    code=-1,
                )
                self._bad_input(company, case, self.folder(f"policy-{n}"))
        for n, answer in enumerate(ANSWERS):
            work = self.folder(f"answer-{n}")
            with (
                Company.started(invoices=30, seed=11) as company,
                _env(company.env(work / "out")),
                _cwd(work),
            ):
                answer.change(company, escalating(company)[0])
                result = self.saw(run_cli(RUN), answer.name)
                if result.code != answer.code:
                    self.tally.problems.append(f"{answer.name}: exit {result.code}")
            self.counts["bad inputs tried"] += 1

    def _bad_input(self, company: Company, case: Case, work: Path) -> None:
        before = _pushed(company)
        with prepared(case, work, company.env(work / "out")) as ready:
            result = (
                run_cli_process(ready.argv, subprocess_env({}, None), work)
                if ready.process
                else run_cli(ready.argv)
            )
        self.saw(result, case.name)
        flat = " ".join(result.text.split()).lower()
        expected = (0, 2) if case.code == -1 else (case.code,)
        missing = [w for w in ready.says if " ".join(w.split()).lower() not in flat]
        if result.code not in expected or missing or _pushed(company) != before:
            self.tally.problems.append(f"{case.name}: exit {result.code}, missing {missing}")
        self.counts["bad inputs tried"] += 1
        self.counts["random policy files"] += case.code == -1


def _until(process: subprocess.Popen[str], ready: Any, timeout: float = 120) -> bool:
    """Wait until `ready()` while the process runs; whether it came true in time."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            return True
        time.sleep(0.003)
    return False


def _retries(env: dict[str, str], cwd: Path, output: Path, count: int) -> list[Any]:
    runs = new_runs(output)
    if not runs:
        return []
    return [
        subprocess.Popen(
            cli_command("retry", runs[0]),
            env=env,
            cwd=cwd,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(count)
    ]


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    """The exit code and what the process printed (empty for a run writing to files)."""
    out, _ = process.communicate(timeout=300)
    return process.returncode, out or ""


def _pushed(company: Company) -> int:
    stats = company.admin("GET", "/stats")
    return sum(
        stats.get(k, 0) for k in ("reminders_created", "invoices_marked_unpaid", "reminders_sent")
    )


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def sandbox_process(seed: int, latency_ms: int) -> Iterator[Company]:
    """`dunning sandbox` as a process of its own, seen through its admin routes."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        cli_command(
            "sandbox",
            "--port",
            str(port),
            "--today",
            REFERENCE_DATE.isoformat(),
            "--token",
            TOKEN,
            "--invoices",
            "40",
            "--seed",
            str(seed),
            "--latency-ms",
            str(latency_ms),
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    company = Company(f"http://127.0.0.1:{port}", None)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                company.remember()
                break
            except Exception:  # noqa: BLE001 - not listening yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield company
    finally:
        kill(process)  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=24)
    parser.add_argument("--crashes", type=int, default=16)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--policies", type=int, default=40)
    parser.add_argument("--listings", type=int, default=2)
    parser.add_argument("--concurrent", type=int, default=6)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dunning-soak-") as tmp, prefect_test_server() as api:
        soak = Soak(api, Path(tmp))
        for seed in range(1, args.seeds + 1):
            soak.fault_seed(seed)
            print(
                f"fault seed {seed}: {soak.tally.duplicates} duplicates, {soak.tally.missed} missed "
                f"so far",
                flush=True,
            )
        for number in range(args.listings):
            soak.moving_listing(number)
            print(
                f"moving listing {number}: {soak.tally.duplicates} duplicates, "
                f"{soak.tally.missed} missed so far",
                flush=True,
            )
        for number in range(args.crashes):
            (soak.crash_after_create if number % 4 == 3 else soak.crash)(number)
            print(
                f"crash {number}: {soak.tally.duplicates} duplicates, {soak.tally.missed} missed "
                f"so far",
                flush=True,
            )
        for number in range(args.pairs):
            soak.pair(number)
        for number in range(args.concurrent):
            soak.concurrent(number)
            print(
                f"concurrency event {number}: {soak.email_duplicates} e-mails twice, "
                f"{soak.lost_letters} lost letters so far",
                flush=True,
            )
        soak.bad_inputs(args.policies)
    c, t = soak.counts, soak.tally
    print()
    for problem in t.problems:
        print(f"PROBLEM {problem}")
    print(
        f"fault seeds run: {c['fault seeds']} (retries {c['retries']}, faults injected "
        f"{c['faults injected']}, 429 answers {c['429 answers']})"
    )
    print(
        f"lone surrogates injected: {c['lone surrogates injected']}; moving listings: "
        f"{c['moving listings']} (invoices listed twice {c['invoices listed twice']})"
    )
    print(
        f"crashes injected: {c['crashes injected']} ("
        + ", ".join(
            f"{k}: {v}" for k, v in sorted(c.items()) if k.startswith(("kills", "runs done"))
        )
        + f"); concurrent run pairs: {c['concurrent pairs']}"
    )
    print(
        f"concurrency events: {c['concurrency events']} (retries started together "
        f"{c['retries started together']}, retries started during a commit "
        f"{c['retries started during a commit']}, retries told the run is busy "
        f"{c['retries told the run is busy']}); e-mails sent: {c['e-mails sent']}"
    )
    print(
        f"bad inputs tried: {c['bad inputs tried']} (of which random policy files: "
        f"{c['random policy files']})"
    )
    print(
        f"{t.duplicates} duplicates, {soak.email_duplicates} e-mails sent twice, {t.missed} "
        f"missed, {soak.lost_letters} lost letters, {soak.tracebacks} tracebacks"
        f"{'' if t.ok else f', {len(t.problems)} other problems'} "
        f"in {time.monotonic() - started:.0f} s"
    )
    clean = not (soak.tracebacks or soak.email_duplicates or soak.lost_letters)
    return 0 if t.ok and clean else 1


if __name__ == "__main__":
    sys.exit(main())
