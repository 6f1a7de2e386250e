"""Bad input through the command line: refused in one paragraph, exit 2, nothing pushed.

The cases are in `bad_inputs.py`: policy and blocks files, arguments, settings. Each must
name the file, flag or field and what is wrong, and never show a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.bad_inputs import CASES, Case, prepared
from tests.support.cli import CliResult, run_cli, run_cli_process, subprocess_env
from tests.support.sandbox import Company


@pytest.fixture(scope="module")
def shared_company() -> Iterator[Company]:
    with Company.started(invoices=20, seed=2) as company:
        yield company


def pushed(company: Company) -> int:
    stats = company.admin("GET", "/stats")
    return sum(
        stats.get(k, 0)
        for k in (
            "reminders_created",
            "invoices_marked_unpaid",
            "reminders_sent",
            "payments_created",
        )
    )


def run_case(case: Case, workdir: Path, company: Company) -> tuple[Case, CliResult]:
    with prepared(case, workdir, company.env(workdir / "out")) as ready:
        if ready.process:
            env = subprocess_env({}, None)
            result = run_cli_process(ready.argv, dict(env.items()), workdir)
        else:
            result = run_cli(ready.argv)
    return ready, result


def flat(text: str) -> str:
    return " ".join(text.split()).lower()


def test_there_are_at_least_thirty_distinct_cases():
    assert len({c.name for c in CASES}) == len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_clearly_with_nothing_pushed(case, tmp_path, shared_company):
    before = pushed(shared_company)
    ready, result = run_case(case, tmp_path, shared_company)
    assert result.code == case.code, result.text
    shown = flat(result.text)
    for words in ready.says:
        assert flat(words) in shown, (words, result.text)
    assert not result.has_traceback(), result.text
    assert "Traceback" not in result.text
    assert pushed(shared_company) == before
    assert not os.environ.get("DUNNING_BLOCKS", "").endswith("b.toml")  # the case was undone
