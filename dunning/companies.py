"""Companies: the bexio accounts one installation runs for, read from `companies.toml`.

A fiduciary office keeps the books of many companies, each its own bexio account with its
own token, policy, blocks, runs, schedule and approval. The file names them; the token
itself never appears in it, only the name of the Prefect Secret block that holds it. The
format is in docs/INTERFACES.md; mistakes are reported like those of the policy file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dunning.file_checks import FileError, Problems, parse_toml, read_file, shown

__all__ = [
    "COMPANY_NAME",
    "Company",
    "CompaniesError",
    "load_companies",
    "parse_companies",
    "find_company",
]

_KEYS = (
    "name",
    "token_block",
    "policy",
    "blocks",
    "output",
    "schedule",
    "approval",
    "base_url",
)
# A deployment name, a Prefect tag, a folder name and part of a concurrency limit's name.
COMPANY_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?")
# Prefect block names: lower-case letters, digits and dashes.
_BLOCK = re.compile(r"[a-z0-9-]{1,100}")
_CRON_FIELD = re.compile(r"[0-9*/,\-A-Za-z]+")


class CompaniesError(FileError):
    """The companies file is missing, unreadable or wrong; `str()` says where and why."""


@dataclass(frozen=True)
class Company:
    """One bexio account and everything its runs need besides the token."""

    name: str
    token_block: str  # the Prefect Secret block holding the account's API token
    policy: Path
    output: Path
    blocks: Path | None = None
    schedule: str | None = None  # cron in Europe/Zurich; None: runs only when triggered
    approval: bool = True
    base_url: str | None = None  # None: BEXIO_BASE_URL

    @property
    def tag(self) -> str:
        """The Prefect tag of the company's deployment and runs, to filter the UI by."""
        return f"company:{self.name}"


def load_companies(path: Path, default_output: Path) -> tuple[Company, ...]:
    """Read and validate a companies file; relative paths are taken from its folder, and a
    company without `output` keeps its runs in `default_output/<name>`."""
    data = read_file(Path(path), "companies file", CompaniesError)
    return _companies(data, str(path), Path(path).parent, default_output)


def parse_companies(
    text: str, source: str = "companies.toml", default_output: Path = Path("dunning-output")
) -> tuple[Company, ...]:
    return _companies(text.encode("utf-8"), source, Path(source).parent, default_output)


def find_company(companies: tuple[Company, ...], name: str, source: str) -> Company:
    for company in companies:
        if company.name == name:
            return company
    known = ", ".join(c.name for c in companies)
    raise CompaniesError(source, [("", f'no company is named "{name}"; the file names {known}')])


def _companies(data: bytes, source: str, folder: Path, default_output: Path) -> tuple[Company, ...]:
    document = parse_toml(data, source, CompaniesError)
    problems = Problems(source)
    problems.table(document, "", ("company",), required=("company",))
    items = document.get("company", [])
    if not isinstance(items, list) or not items:
        problems.add("company", "must be one or more tables, each starting with [[company]]")
        items = []
    companies = [
        _company(item, f"company[{n}]", folder, default_output, problems)
        for n, item in enumerate(items, 1)
    ]
    _unique(companies, "name", problems)
    _unique(companies, "output", problems)
    problems.raise_if_any(CompaniesError)
    return tuple(c for c in companies if c is not None)


def _company(
    value: Any, path: str, folder: Path, default_output: Path, problems: Problems
) -> Company | None:
    table = problems.table(value, path, _KEYS, required=("name", "token_block", "policy"))
    if table is None:
        return None
    before = len(problems.items)
    name = _pattern(table.get("name"), f"{path}.name", COMPANY_NAME, "a name", problems)
    block = _pattern(
        table.get("token_block"), f"{path}.token_block", _BLOCK, "a block name", problems
    )
    policy = _path(table, "policy", path, folder, problems)
    blocks = _path(table, "blocks", path, folder, problems)
    output = _path(table, "output", path, folder, problems)
    schedule = (
        _cron(table["schedule"], f"{path}.schedule", problems) if "schedule" in table else None
    )
    approval = table.get("approval", True)
    if not isinstance(approval, bool):
        problems.add(f"{path}.approval", f"must be true or false (got {shown(approval)})")
    base_url = problems.text(table["base_url"], f"{path}.base_url") if "base_url" in table else None
    if len(problems.items) > before or name is None or block is None or policy is None:
        return None
    return Company(
        name=name,
        token_block=block,
        policy=policy,
        output=output or default_output / name,
        blocks=blocks,
        schedule=schedule,
        approval=approval,
        base_url=base_url,
    )


def _pattern(
    value: Any, path: str, pattern: re.Pattern[str], what: str, problems: Problems
) -> str | None:
    text = problems.text(value, path) if value is not None else None
    if text is None:
        return None
    if not pattern.fullmatch(text):
        problems.add(
            path,
            f"{what} of lower-case letters, digits and dashes, starting and ending with a "
            f"letter or digit (got {shown(value)})",
        )
        return None
    return text


def _path(
    table: dict[str, Any], key: str, path: str, folder: Path, problems: Problems
) -> Path | None:
    if key not in table:
        return None
    text = problems.text(table[key], f"{path}.{key}")
    return folder / Path(text).expanduser() if text is not None else None


def _cron(value: Any, path: str, problems: Problems) -> str | None:
    text = problems.text(value, path)
    if text is None:
        return None
    fields = text.split()
    if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(f) for f in fields):
        problems.add(
            path,
            f'must be a cron line of five fields, like "0 6 1 * *" (06:00 on the 1st of '
            f"each month, Europe/Zurich), not {shown(value)}",
        )
        return None
    return text


def _unique(companies: list[Company | None], field: str, problems: Problems) -> None:
    seen: dict[object, int] = {}
    for n, company in enumerate(companies, 1):
        if company is None:
            continue
        value = getattr(company, field)
        if value in seen:
            problems.add(
                f"company[{n}].{field}",
                f"is the same as company[{seen[value]}]'s ({value}); each company needs its own",
            )
        seen.setdefault(value, n)
