"""Bad input given to `dunning`, one case per mistake a person makes, with what it must say.

Each case is a command line, files written into the working directory first, and changes
to the environment. The expected answer: exit code 2, nothing pushed, no traceback, and a
message that names the file, flag or field and the problem. `test_bad_input.py` runs every
case; the soak runs them too, and random corruptions of the policy file besides.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dunning.policy_file import example_policy_path

EXAMPLE = example_policy_path().read_text(encoding="utf-8")
# A fixed date in the past: every committing run confirms it, as a date more than a week
# before today needs (a date after today is refused, see below).
RUN = ("run", "--reference-date", "2026-11-30", "--confirm-reference-date")


def policy(*changes: tuple[str, str], add: str = "") -> str:
    """The example policy with text replaced (each `old` must occur) and lines added on top."""
    text = EXAMPLE
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return add + text


def _levels(count: int) -> str:
    start = EXAMPLE.index("\n[[levels]]\n") + 1
    level = (
        '[[levels]]\ntitle = { de = "Mahnung" }\ngrace_days = 3\npayment_days = 10\n'
        'fee = { CHF = "0.00" }\n\n'
    )
    return EXAMPLE[:start] + level * count


@dataclass(frozen=True)
class Case:
    name: str
    argv: tuple[str, ...]
    says: tuple[str, ...]  # each must appear in what the command printed
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    env: Mapping[str, str | None] = field(default_factory=dict)  # None: unset
    code: int = 2
    process: bool = False  # run as a process of its own (Prefect settings of its own)


def _policy_case(name: str, text: str, *says: str) -> Case:
    return Case(name, (*RUN, "--policy", "p.toml"), ("p.toml", *says), {"p.toml": text})


def _blocks_case(name: str, text: str, *says: str, flag: bool = True) -> Case:
    if flag:
        return Case(name, (*RUN, "--blocks", "b.toml"), ("b.toml", *says), {"b.toml": text})
    return Case(name, RUN, ("b.toml", *says), {"b.toml": text}, {"DUNNING_BLOCKS": "b.toml"})


POLICY_CASES = [
    _policy_case(
        "policy: unknown top-level key",
        policy(add='colour = "red"\n'),
        "colour",
        "not a known setting",
    ),
    _policy_case(
        "policy: unknown key in a level",
        policy(("grace_days = 5", "grace_days = 5\ngrace_dayz = 4")),
        "levels[1].grace_dayz",
    ),
    _policy_case(
        "policy: text where a number belongs",
        policy(("grace_days = 5", 'grace_days = "five"')),
        "levels[1].grace_days",
        "whole number",
    ),
    _policy_case(
        "policy: negative fee",
        policy(('fee = { CHF = "20.00"', 'fee = { CHF = "-20.00"')),
        "levels[2].fee.CHF",
        "negative",
    ),
    _policy_case("policy: no levels", _levels(0), "levels"),
    _policy_case("policy: ten levels", _levels(10), "levels", "9"),
    _policy_case(
        "policy: bad IBAN",
        policy(('iban = "CH44 3199 9123 0008 8901 2"', 'iban = "CH00 1234"')),
        "creditor.iban",
    ),
    _policy_case(
        "policy: QR-IBAN without an ordinary IBAN",
        policy(('transfer_iban = "CH93 0076 2011 6238 5295 7"', "")),
        "creditor.transfer_iban",
        "QR-IBAN",
    ),
    _policy_case(
        "policy: TOML syntax error", policy(("grace_days = 5", "grace_days = = 5")), "line"
    ),
    _policy_case(
        "policy: interest_from not a choice",
        policy(('interest_from = "first_reminder"', 'interest_from = "tomorrow"')),
        "interest_from",
    ),
    _policy_case(
        "policy: negative minimum amount",
        policy(('CHF = "10.00"', 'CHF = "-1.00"')),
        "minimum_amount.CHF",
        "negative",
    ),
    _policy_case(
        "policy: creditor name too long for the QR-bill",
        policy(('name = "Muster AG"', f'name = "{"Muster " * 15}AG"')),
        "creditor.name",
        "70",
    ),
    _policy_case(
        "policy: interest rate not a number",
        policy(('interest_rate_percent = "5.0"', 'interest_rate_percent = "five"')),
        "interest_rate_percent",
    ),
    _policy_case("policy: missing creditor", policy(("[creditor]", "[creditorx]")), "creditor"),
    Case(
        "policy: not UTF-8",
        (*RUN, "--policy", "p.toml"),
        ("p.toml", "UTF-8"),
        {"p.toml": b'version = "\xe9t\xe9"\n'},
    ),
    Case(
        "policy: file does not exist",
        (*RUN, "--policy", "missing.toml"),
        ("missing.toml", "does not exist"),
    ),
    Case("policy: a folder", (*RUN, "--policy", "."), ("folder",)),
]

BLOCKS_CASES = [
    _blocks_case(
        "blocks: bad until date",
        '[[block]]\ninvoice_id = 4\nreason = "x"\nuntil = "2026-02-30"\n',
        "block[1].until",
    ),
    _blocks_case(
        "blocks: duplicate block",
        '[[block]]\ninvoice_id = 4\nreason = "a"\n[[block]]\ninvoice_id = 4\nreason = "b"\n',
        "block[2]",
        "already blocked",
    ),
    _blocks_case(
        "blocks: both invoice and contact",
        '[[block]]\ninvoice_id = 4\ncontact_id = 2\nreason = "a"\n',
        "block[1]",
        "exactly one",
    ),
    _blocks_case(
        "blocks: unknown key", '[[block]]\ninvoce_id = 4\nreason = "a"\n', "block[1].invoce_id"
    ),
    _blocks_case(
        "blocks: id as text",
        '[[block]]\ninvoice_id = "4"\nreason = "a"\n',
        "block[1].invoice_id",
        "whole number",
    ),
    _blocks_case(
        "blocks: missing reason", "[[block]]\ninvoice_id = 4\n", "block[1].reason", "missing"
    ),
    _blocks_case(
        "blocks: single brackets", '[block]\ninvoice_id = 4\nreason = "a"\n', "two brackets"
    ),
    _blocks_case(
        "blocks: negative id from DUNNING_BLOCKS",
        '[[block]]\ninvoice_id = -4\nreason = "a"\n',
        "block[1].invoice_id",
        flag=False,
    ),
    Case(
        "blocks: DUNNING_BLOCKS names no file",
        RUN,
        ("nowhere.toml", "does not exist"),
        env={"DUNNING_BLOCKS": "nowhere.toml"},
    ),
]

ARGUMENT_CASES = [
    Case(
        "argument: impossible date",
        ("run", "--reference-date", "2026-13-01"),
        ("--reference-date", "2026-13-01", "YYYY-MM-DD"),
    ),
    Case(
        "argument: Swiss date format",
        ("run", "--reference-date", "30.11.2026"),
        ("--reference-date", "30.11.2026"),
    ),
    Case("argument: unknown flag", ("run", "--frobnicate"), ("--frobnicate",)),
    Case(
        "argument: retry of an unknown run",
        ("retry", "2026-11-30-deadbeef"),
        ("2026-11-30-deadbeef", "dunning runs"),
    ),
    Case("argument: retry of a path", ("retry", "../../etc"), ("../../etc",)),
    Case(
        "argument: --approval without a Prefect server",
        (*RUN, "--approval"),
        ("--approval", "PREFECT_API_URL"),
        env={"PREFECT_API_URL": None},
        process=True,
    ),
    Case("setting: BEXIO_TOKEN missing", RUN, ("BEXIO_TOKEN",), env={"BEXIO_TOKEN": None}),
    Case(
        "setting: wrong token", RUN, ("BEXIO_TOKEN", "refused", "401"), env={"BEXIO_TOKEN": "wrong"}
    ),
    Case(
        "setting: nothing listens at BEXIO_BASE_URL",
        RUN,
        ("BEXIO_BASE_URL", "{dead_url}"),
        env={"BEXIO_BASE_URL": "{dead_url}"},
    ),
    Case(
        "setting: BEXIO_BASE_URL not a URL",
        RUN,
        ("BEXIO_BASE_URL",),
        env={"BEXIO_BASE_URL": "bexio"},
    ),
    Case(
        "setting: DUNNING_OUTPUT is a URL",
        RUN,
        ("DUNNING_OUTPUT", "s3://"),
        env={"DUNNING_OUTPUT": "s3://bucket/runs"},
    ),
    Case(
        "setting: BEXIO_UNPAID_EXTENSION not a boolean",
        RUN,
        ("BEXIO_UNPAID_EXTENSION",),
        env={"BEXIO_UNPAID_EXTENSION": "maybe"},
    ),
    Case(
        "argument: --output is a file",
        (*RUN, "--output", "p.toml"),
        ("p.toml",),
        files={"p.toml": EXAMPLE},
    ),
]

NESTED = "deep = " + "[" * 2000 + "]" * 2000 + "\n"

HOSTILE_CASES = [
    Case(
        "argument: a reference date after today, for a run that commits",
        ("run", "--reference-date", "2062-11-30", "--confirm-reference-date"),
        ("--reference-date", "2062-11-30", "after today", "dry run"),
    ),
    Case(
        "argument: a reference date at the end of the calendar",
        ("run", "--reference-date", "9999-12-31", "--dry-run"),
        ("--reference-date", "9999-12-31"),
    ),
    Case(
        "policy: a file name with markup in brackets",
        (*RUN, "--policy", "[bold]x[/bold].toml"),
        ("[bold]x[/bold].toml", "does not exist"),
    ),
    Case(
        "blocks: a file name with a closing tag",
        (*RUN, "--blocks", "b[/].toml"),
        ("b[/].toml", "does not exist"),
    ),
    Case(
        "setting: BEXIO_BASE_URL with markup in brackets",
        RUN,
        ("BEXIO_BASE_URL", "{dead_url}/[red]api[/]"),
        env={"BEXIO_BASE_URL": "{dead_url}/[red]api[/]"},
    ),
    _policy_case("policy: nested 2,000 lists deep", NESTED, "too deeply"),
    Case(
        "policy: a device that never ends",
        (*RUN, "--policy", "/dev/zero"),
        ("/dev/zero", "not a regular file"),
    ),
    _policy_case("policy: a file of megabytes", "# padding\n" * 300_000, "too large"),
    Case(
        "setting: BEXIO_TOKEN with a line break",
        RUN,
        ("BEXIO_TOKEN", "line break"),
        env={"BEXIO_TOKEN": "tok-sandbox-\nSECRET-0815"},
    ),
    Case("demo: a negative number of invoices", ("demo", "--invoices", "-5"), ("--invoices",)),
    Case(
        "sandbox: a negative number of invoices",
        ("sandbox", "--invoices", "-1", "--port", "0"),
        ("--invoices",),
    ),
    Case(
        "setting: BEXIO_TOKEN set but empty",
        RUN,
        ("BEXIO_TOKEN", "is empty"),
        env={"BEXIO_TOKEN": ""},
    ),
    Case(
        "setting: BEXIO_TOKEN with a space",
        RUN,
        ("BEXIO_TOKEN", "space"),
        env={"BEXIO_TOKEN": "tok-sandbox SECRET-0815"},
    ),
    Case(
        "setting: BEXIO_TOKEN with a character that is not ASCII",
        RUN,
        ("BEXIO_TOKEN", "ASCII"),
        env={"BEXIO_TOKEN": "tok-sandbox-SECRET-08\u00b715"},
    ),
    Case(
        "setting: a temporary Prefect server that starts too slowly",
        RUN,
        ("Prefect", "did not start", "nothing was pushed"),
        env={
            "PREFECT_API_URL": None,
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "1",
            # a database it cannot open: the temporary server never answers in time
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": "sqlite+aiosqlite:////nonexistent/x.db",
        },
        code=1,
        process=True,
    ),
]

CASES = POLICY_CASES + BLOCKS_CASES + ARGUMENT_CASES + HOSTILE_CASES


def closed_port_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def prepared(case: Case, workdir: Path, base_env: Mapping[str, str]) -> Iterator[Case]:
    """Write the case's files into `workdir`, set its environment there; undo on exit."""
    dead = closed_port_url()
    for name, content in case.files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (workdir / name).write_bytes(data)
    env = {
        **base_env,
        **{k: v.replace("{dead_url}", dead) if v else v for k, v in case.env.items()},
    }
    saved, cwd = dict(os.environ), os.getcwd()
    try:
        os.chdir(workdir)
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield Case(
            case.name,
            case.argv,
            tuple(s.replace("{dead_url}", dead) for s in case.says),
            case.files,
            env,
            case.code,
            case.process,
        )
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def mangled_policy(rng: random.Random) -> str:
    """The example policy with one random line damaged: deleted, its value retyped, or cut."""
    lines = EXAMPLE.splitlines()
    spots = [i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")]
    i = rng.choice(spots)
    line = lines[i]
    how = rng.choice(("delete", "number", "text", "negative", "cut", "key", "empty"))
    if how == "delete":
        lines.pop(i)
    elif "=" in line and how in ("number", "text", "negative", "empty"):
        key = line.split("=", 1)[0]
        value = {"number": "12", "text": '"twelve"', "negative": '"-3"', "empty": '""'}[how]
        lines[i] = f"{key}= {value}"
    elif how == "cut":
        lines[i] = line[: rng.randrange(len(line) + 1)]
    else:
        lines.insert(i, f"extra_{rng.randrange(100)} = 1")
    return "\n".join(lines) + "\n"
