"""Reading the TOML files a bookkeeper writes (policy, blocks) and explaining their mistakes.

Every check records a problem with the field's path (e.g. `levels[2].fee.CHF`) and goes on,
so that one error message lists everything that is wrong in the file at once. Lists are
numbered from 1 in paths, like the levels they describe.
"""

from __future__ import annotations

import difflib
import re
import stat
import tomllib
from collections.abc import Collection
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from dunning.errors import DunningError
from dunning.money import decimal_places

__all__ = ["FileError", "Problems", "read_file", "parse_toml", "key_path", "shown"]

MAX_BYTES = 1_000_000  # a policy or blocks file is a few kilobytes
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


class FileError(DunningError, ValueError):
    """A file a person wrote is wrong. `str()` is one paragraph naming file, field and fix."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__(_paragraph(source, self.problems))


def _paragraph(source: str, problems: tuple[tuple[str, str], ...]) -> str:
    items = [f"{path}: {text}" if path else text for path, text in problems]
    if len(items) == 1:
        return f"{source}: {items[0]}."
    numbered = "; ".join(f"({n}) {item}" for n, item in enumerate(items, 1))
    return f"{source}: {len(items)} problems: {numbered}."


class Problems:
    """Collects what is wrong with one file, in the order it was found."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, text: str) -> None:
        self.items.append((path, text))

    def raise_if_any(self, error: type[FileError]) -> None:
        if self.items:
            raise error(self.source, self.items)

    # -- checks; each returns the clean value, or None after recording a problem --

    def table(
        self, value: Any, path: str, allowed: Collection[str], required: Collection[str] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(path, f"must be a table of settings, not {shown(value)}")
            return None
        for key in value:
            if key not in allowed:
                self.add(key_path(path, key), _unknown(key, allowed))
        for key in required:
            if key not in value:
                self.add(key_path(path, key), "is missing; it is required")
        return value

    def text(self, value: Any, path: str, max_length: int | None = None) -> str | None:
        if not isinstance(value, str):
            self.add(path, f"must be text in quotes, not {shown(value)}")
            return None
        if not value.strip():
            self.add(path, "must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.add(path, f"is {len(value)} characters long; at most {max_length} fit")
            return None
        return value

    def whole(self, value: Any, path: str, minimum: int, maximum: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"must be a whole number without quotes, like 10, not {shown(value)}")
            return None
        if value < minimum:
            self.add(path, f"must be at least {minimum} (got {value})")
            return None
        if value > maximum:
            self.add(path, f"must be at most {maximum} (got {value})")
            return None
        return value

    def choice(self, value: Any, path: str, choices: Collection[str]) -> str | None:
        if value not in choices or not isinstance(value, str):
            quoted = [f'"{c}"' for c in choices]
            options = " or ".join(quoted) if len(quoted) == 2 else "one of " + ", ".join(quoted)
            self.add(path, f"must be {options}, not {shown(value)}")
            return None
        return value

    def amount(
        self, value: Any, path: str, what: str, maximum: Decimal | None = None, places: int = 2
    ) -> Decimal | None:
        """A non-negative decimal; TOML numbers arrive as exact Decimals (see parse_toml)."""
        number = _decimal(value)
        if number is None:
            self.add(path, f'{what} must be an amount like "12.50", not {shown(value)}')
        elif number < 0:
            self.add(path, f"{what} must not be negative (got {shown(value)})")
        elif maximum is not None and number > maximum:
            self.add(path, f"{what} must be at most {maximum} (got {shown(value)})")
        elif decimal_places(number) > places:
            self.add(path, f"{what} has more than {places} decimal places (got {shown(value)})")
        else:
            return number
        return None

    def day(self, value: Any, path: str) -> date | None:
        """A calendar date: a TOML date (2026-12-31) or the text "2026-12-31"."""
        if isinstance(value, (datetime, time)):
            self.add(path, f"must be a date without a time, like 2026-12-31, not {shown(value)}")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                self.add(path, f"is not a real date (got {shown(value)})")
                return None
        self.add(path, f"must be a date written like 2026-12-31, not {shown(value)}")
        return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, float):  # not produced by parse_toml; str() keeps 0.1 as 0.1
        number = Decimal(str(value))
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*", value):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _unknown(key: str, allowed: Collection[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    known = ", ".join(sorted(allowed))
    return f"is not a known setting{hint} (known here: {known})"


def key_path(path: str, key: str) -> str:
    """`levels[2]` + `fee` -> `levels[2].fee`; odd keys are quoted so they stay visible."""
    part = key if _BARE_KEY.fullmatch(key) else f'"{key}"'
    return f"{path}.{part}" if path else part


def shown(value: Any) -> str:
    """A value as a bookkeeper would recognise it in the file."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime | date | time):
        return f"the date/time {value.isoformat()}"
    return f"the number {value}"


def read_file(path: Path, what: str, error: type[FileError]) -> bytes:
    """The file's bytes, or an error that says in words why it cannot be read.

    Only a regular file of at most MAX_BYTES is read: a device (`/dev/zero`) would be read
    until memory runs out, and a pipe would wait for a writer that never comes."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise error(
                str(path),
                [("", f"is not a regular file (a device, a pipe or a socket); give a {what}")],
            )
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise error(
                str(path),
                [("", f"is too large for a {what} (more than {MAX_BYTES:,} bytes)")],
            )
        return data
    except FileNotFoundError:
        raise error(
            str(path), [("", f"the {what} does not exist; check the name and folder")]
        ) from None
    except IsADirectoryError:
        raise error(str(path), [("", f"is a folder, not a {what}")]) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise error(str(path), [("", f"the {what} cannot be read ({reason})")]) from None


def parse_toml(data: bytes, source: str, error: type[FileError]) -> dict[str, Any]:
    """Parse TOML with exact decimals (`0.1` stays `Decimal("0.1")`); errors name line/column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            source,
            [("", f"is not UTF-8 text (a bad byte at position {exc.start}); save it as UTF-8")],
        ) from None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except RecursionError:  # the parser descends once per level of nesting
        raise error(
            source,
            [("", "nests lists or tables too deeply to be read; a real file nests a few levels")],
        ) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        where = f"line {found[1]}, column {found[2]}" if found else ""
        detail = _TOML_POSITION.sub("", message).replace(" (at end of document)", "")
        if "end of document" in message:
            where = "at the end of the file"
        raise error(
            source,
            [
                (
                    where,
                    f"this is not valid TOML ({detail}); check the quotes, "
                    "brackets and '=' signs there",
                )
            ],
        ) from None
