"""bexio's generic v2 search and listing rules: criteria, `order_by`, `limit` and `offset`.

A search body is a JSON array of `{"field", "value", "criteria"}`, all ANDed; `criteria`
defaults to `like`. Each field has a kind that decides how values compare: numbers as
numbers, money as exact decimals, dates and text as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

from connectors.sandbox.errors import ApiError

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Kind", "compile_search", "named_ids", "order", "page"]

Item = Mapping[str, Any]
Kind = Literal["int", "money", "text"]
Test = Callable[[Item], bool]
T = TypeVar("T", bound=Mapping[str, Any])

DEFAULT_LIMIT = 500
MAX_LIMIT = 2000

_ALIASES = {
    "equal": "=",
    "not_equal": "!=",
    "greater_than": ">",
    "greater_equal": ">=",
    "less_than": "<",
    "less_equal": "<=",
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _invalid(message: str) -> ApiError:
    return ApiError(422, "Could not save the entity", errors=[message])


def _coerce(kind: Kind, value: Any, field: str) -> Any:
    if value is None:
        return None
    try:
        if kind == "int":
            return int(value)
        if kind == "money":
            return Decimal(str(value))
    except (TypeError, ValueError, InvalidOperation):
        raise _invalid(f"{field}: invalid value {value!r}") from None
    return str(value)


def _like(pattern: str, negate: bool) -> Callable[[Any], bool]:
    """SQL LIKE with % and _ when present, else a case-insensitive substring match."""
    if "%" not in pattern and "_" not in pattern:
        pattern = f"%{pattern}%"
    parts = (".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    regex = re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
    return lambda v: (v is not None and regex.fullmatch(str(v)) is not None) != negate


def _test(criterion: Any, fields: Mapping[str, Kind]) -> Test:
    if not isinstance(criterion, dict) or "field" not in criterion:
        raise _invalid("search: each criterion needs a field")
    name = criterion["field"]
    if name not in fields:
        raise _invalid(f"{name}: field is not searchable")
    kind = fields[name]
    criteria = criterion.get("criteria") or "like"
    criteria = _ALIASES.get(criteria, criteria)
    value = criterion.get("value")
    read: Callable[[Item], Any] = (
        (lambda item: _coerce(kind, item.get(name), name))
        if kind != "text"
        else (lambda item: item.get(name))
    )
    if criteria in ("is_null", "not_null"):
        want_null = criteria == "is_null"
        return lambda item: (item.get(name) in (None, "")) == want_null
    if criteria in ("in", "not_in"):
        if not isinstance(value, list):
            raise _invalid(f"{name}: criteria {criteria} needs an array value")
        allowed = {_coerce(kind, v, name) for v in value}
        inside = criteria == "in"
        return lambda item: (read(item) in allowed) == inside
    if value is None or isinstance(value, (list, dict)):
        raise _invalid(f"{name}: a single value is required")
    if criteria in ("like", "not_like"):
        match = _like(str(value), criteria == "not_like")
        return lambda item: match(item.get(name))
    if criteria not in _COMPARE:
        raise _invalid(f"{name}: unknown criteria {criteria!r}")
    compare, wanted = _COMPARE[criteria], _coerce(kind, value, name)
    return lambda item: (got := read(item)) is not None and compare(got, wanted)


def compile_search(body: Any, fields: Mapping[str, Kind]) -> Test:
    """One predicate for a whole search body; 422 for a bad field, criteria or value."""
    if not isinstance(body, list):
        raise _invalid("search: the body must be an array of criteria")
    tests = [_test(criterion, fields) for criterion in body]
    return lambda item: all(test(item) for test in tests)


def named_ids(body: list[Any]) -> set[int] | None:
    """The ids a search body's first `id` criterion (`in` or `=`) allows, else None: only
    those objects can match. For a body that `compile_search` accepted."""
    for criterion in body:
        if criterion["field"] != "id":
            continue
        criteria = criterion.get("criteria") or "like"
        criteria = _ALIASES.get(criteria, criteria)
        if criteria == "in":
            values = {_coerce("int", v, "id") for v in criterion["value"]}
        elif criteria == "=":
            values = {_coerce("int", criterion["value"], "id")}
        else:
            continue
        return {v for v in values if v is not None}
    return None


def order(items: Sequence[T], order_by: str, fields: Mapping[str, Kind]) -> Sequence[T]:
    """Sort by `order_by` ("id", "total_desc", "updated_at_desc,id"...); 422 for other fields."""
    keys: list[tuple[str, bool]] = []
    for part in (p.strip() for p in order_by.split(",") if p.strip()):
        name, descending = part, False
        for suffix in ("_asc", "_desc"):
            if part.endswith(suffix) and part[: -len(suffix)] in fields:
                name, descending = part[: -len(suffix)], suffix == "_desc"
        if name not in fields:
            raise _invalid(f"order_by: cannot order by {part!r}")
        keys.append((name, descending))
    if keys in ([], [("id", False)]):
        return items  # stored in id order already
    result = list(items)
    for name, descending in reversed(keys):  # stable sorts, least significant key first
        kind = fields[name]
        result.sort(key=lambda item: _sort_key(kind, item.get(name)), reverse=descending)
    return result


def _sort_key(kind: Kind, value: Any) -> tuple[bool, Any]:
    if value is None:
        return (False, 0 if kind != "text" else "")
    return (True, Decimal(str(value)) if kind == "money" else value)


def page(items: Sequence[T], limit: int, offset: int) -> Sequence[T]:
    """One page: `limit` clamped to 1..2000, `offset` >= 0."""
    if offset < 0:
        raise _invalid("offset: must not be negative")
    limit = min(max(limit, 1), MAX_LIMIT)
    return items[offset : offset + limit]
