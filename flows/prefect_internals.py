"""The private parts of Prefect this project relies on, all in this one module.

Prefect offers no public call that takes a global concurrency slot under a lease the
caller holds and renews itself; `flows/commit_lock.py` needs exactly that. The functions
below are looked up when first called, never at import, so a run that does not commit
(`--dry-run`, a proposal waiting for approval) works whatever a Prefect release moved. A
name that is gone is a loud `PrefectChanged` naming it and the Prefect range the project
is tested with; `tests/flows/test_prefect_internals.py` checks every name below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

__all__ = ["PRIVATE", "PrefectChanged", "private", "acquire_slot_with_lease", "keep_lease"]

TESTED_WITH = "prefect>=3.9.1,<3.10"

# name -> (module, keyword arguments this project passes)
PRIVATE: dict[str, tuple[str, tuple[str, ...]]] = {
    "acquire_concurrency_slots_with_lease": (
        "prefect.concurrency._sync",
        ("lease_duration", "strict"),
    ),
    "maintain_concurrency_lease": (
        "prefect.concurrency._leases",
        ("raise_on_lease_renewal_failure",),
    ),
}


class PrefectChanged(ImportError):
    """The installed Prefect no longer offers a private function this project uses."""


def private(name: str) -> Callable[..., Any]:
    """The private Prefect function `name` (a key of PRIVATE), or PrefectChanged."""
    module_name, _ = PRIVATE[name]
    try:
        found = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        found = None
    if not callable(found):
        import prefect

        raise PrefectChanged(
            f"{module_name}.{name} is not in the installed Prefect {prefect.__version__}; "
            f"this project is tested with {TESTED_WITH} (see flows/prefect_internals.py)."
        )
    return found  # type: ignore[no-any-return]


def acquire_slot_with_lease(limit: str, lease_seconds: float) -> UUID:
    """Wait for one slot of the global concurrency limit `limit`; the id of its lease."""
    acquire = private("acquire_concurrency_slots_with_lease")
    lease: UUID = acquire([limit], 1, lease_duration=lease_seconds, strict=True).lease_id
    return lease


@contextmanager
def keep_lease(lease_id: UUID, lease_seconds: float) -> Iterator[None]:
    """Renew the lease in the background while the block runs; a failed renewal raises."""
    maintain = private("maintain_concurrency_lease")
    with maintain(lease_id, lease_seconds, raise_on_lease_renewal_failure=True):
        yield
