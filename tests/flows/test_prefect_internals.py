"""The private Prefect functions the commit lock uses: present in the installed Prefect,
reached only through flows/prefect_internals.py, and needed only by runs that commit."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from flows.prefect_internals import PRIVATE, PrefectChanged, private
from tests.support.harness import manifest_of as manifest
from tests.support.harness import run_flow

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(PRIVATE))
def test_the_installed_prefect_offers_each_private_function_the_commit_uses(name: str) -> None:
    module, keywords = PRIVATE[name]
    try:
        function = private(name)
    except PrefectChanged as exc:
        pytest.fail(f"Prefect moved {module}.{name}: {exc}")
    parameters = inspect.signature(function).parameters
    missing = [k for k in keywords if k not in parameters]
    assert not missing, f"{module}.{name} no longer takes {', '.join(missing)}"


def _private_prefect_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "prefect" and any(p.startswith("_") for p in parts[1:]):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_only_prefect_internals_reaches_into_private_prefect() -> None:
    sources = [
        p
        for package in ("flows", "connectors", "dunning", "tests", "bench")
        for p in (ROOT / package).rglob("*.py")
    ]
    assert _private_prefect_imports(ROOT / "flows" / "prefect_internals.py") == []
    offenders = [hit for p in sources for hit in _private_prefect_imports(p)]
    assert offenders == [], "import private Prefect parts through flows/prefect_internals.py"


def test_a_dry_run_needs_no_private_prefect_and_a_real_run_names_what_moved(
    bexio: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = "prefect.concurrency._moved_away"
    monkeypatch.setitem(
        PRIVATE, "acquire_concurrency_slots_with_lease", (gone, ("lease_duration",))
    )
    state, summary = run_flow(dry_run=True)
    assert state.is_completed()
    assert manifest(summary)["status"] == "dry_run"

    state, _ = run_flow()
    assert state.is_failed()
    assert f"{gone}.acquire_concurrency_slots_with_lease" in str(state.message)
