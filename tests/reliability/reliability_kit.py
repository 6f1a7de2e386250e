"""Former home of the reliability helpers; they live in `tests.support` now."""

from tests.support.checks import DONE, Tally, check_exactly_once
from tests.support.cli import (
    CliResult,
    cli_command,
    journal_lines,
    kill,
    kill_when,
    load_manifest,
    new_runs,
    run_cli,
    run_cli_process,
    run_until_done,
    start_run_process,
    subprocess_env,
)
from tests.support.harness import paused_run
from tests.support.harness import prefect_test_server as prefect_api
from tests.support.sandbox import (
    REFERENCE_DATE,
    REPO,
    TOKEN,
    Company,
    budget_burner,
    reminders_by_invoice,
)

__all__ = [
    "DONE",
    "REFERENCE_DATE",
    "REPO",
    "TOKEN",
    "CliResult",
    "Company",
    "Tally",
    "budget_burner",
    "check_exactly_once",
    "cli_command",
    "journal_lines",
    "kill",
    "kill_when",
    "load_manifest",
    "new_runs",
    "paused_run",
    "prefect_api",
    "reminders_by_invoice",
    "run_cli",
    "run_cli_process",
    "run_until_done",
    "start_run_process",
    "subprocess_env",
]
