"""The core stays pure: no network, no Prefect, no outer layers; PDF tools only in letters."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "dunning"
NEVER = {"prefect", "httpx", "tenacity", "connectors", "flows"}
LETTERS_ONLY = {"reportlab", "pypdf", "qrbill", "zxingcpp", "babel", "pypdfium2"}
CLOCKS = {("date", "today"), ("datetime", "today"), ("datetime", "now"), ("datetime", "utcnow")}


def imported_roots(source: str) -> set[str]:
    """Top-level packages a module imports, including `importlib.import_module("x")`."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and _name(node.func) in {"import_module", "__import__"}
        ):
            roots.add(node.args[0].value.split(".")[0])
    return roots


def clock_calls(source: str) -> set[str]:
    """Calls such as `date.today()`: the core takes the reference date as an argument."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and (_name(node.func.value), node.func.attr) in CLOCKS
        ):
            found.add(f"{_name(node.func.value)}.{node.func.attr}()")
    return found


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


@pytest.mark.parametrize(
    ("source", "roots"),
    [
        pytest.param("import prefect.flows", {"prefect"}, id="import"),
        pytest.param("from httpx import Client", {"httpx"}, id="from import"),
        pytest.param("from . import money", set(), id="relative import is ours"),
        pytest.param(
            "import importlib\nimportlib.import_module('tenacity')",
            {"importlib", "tenacity"},
            id="dynamic import",
        ),
        pytest.param(
            "def f():\n    import connectors.client", {"connectors"}, id="import inside a function"
        ),
    ],
)
def test_the_checker_sees_every_kind_of_import(source: str, roots: set[str]) -> None:
    assert imported_roots(source) == roots


def test_the_checker_sees_clock_calls() -> None:
    assert clock_calls("import datetime\nx = datetime.date.today()") == {"date.today()"}
    assert clock_calls("from datetime import datetime\nx = datetime.now(tz)") == {"datetime.now()"}


def test_the_core_is_where_the_checks_look() -> None:
    names = {path.name for path in core_modules()}
    assert {"rules.py", "policy_file.py", "blocks.py", "money.py"} <= names


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(CORE.parent)))
def test_core_module_imports(path: Path) -> None:
    roots = imported_roots(path.read_text(encoding="utf-8"))
    assert not roots & NEVER, f"{path.name} imports {sorted(roots & NEVER)}"
    if "letters" not in path.relative_to(CORE).parts:
        assert not roots & LETTERS_ONLY, f"{path.name} imports {sorted(roots & LETTERS_ONLY)}"


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(CORE.parent)))
def test_core_module_does_not_read_the_clock(path: Path) -> None:
    assert clock_calls(path.read_text(encoding="utf-8")) == set()
