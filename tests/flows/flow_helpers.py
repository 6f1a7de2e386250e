"""Former home of the flow tests' helpers; they live in `tests.support` now."""

from tests.support.harness import manifest_of as manifest
from tests.support.harness import paused_run as wait_for_paused_run
from tests.support.harness import run_flow
from tests.support.sandbox import REFERENCE_DATE, TOKEN

__all__ = ["REFERENCE_DATE", "TOKEN", "manifest", "run_flow", "wait_for_paused_run"]
