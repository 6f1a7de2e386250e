"""Reads and validates the policy file (TOML) into a `Policy`.

The file is written by a bookkeeper, so every mistake is reported in words, with the field's
path, and all mistakes at once. The format is described in docs/INTERFACES.md and
shown, with comments, in the example policy shipped next to this module.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, ValidationError

from dunning.accounts import is_qr_iban
from dunning.file_checks import FileError, Problems, key_path, parse_toml, read_file, shown
from dunning.policy import LANGUAGES, Creditor, Letters, Level, Policy

__all__ = ["PolicyError", "PLACEHOLDERS", "load_policy", "parse_policy", "example_policy_path"]

PLACEHOLDERS = ("document_nr", "invoice_date", "due_date", "deadline", "total_due")
MAX_LEVELS = 9
MAX_DAYS = 3650  # ten years: more is a typo, and it keeps every deadline a real date

_TOP = (
    "version",
    "interest_rate_percent",
    "interest_from",
    "final_action",
    "minimum_amount",
    "default_language",
    "creditor",
    "letters",
    "levels",
)
_LEVEL = ("title", "grace_days", "payment_days", "fee", "texts")
# Field -> longest text the QR-bill accepts (Swiss Implementation Guidelines, structured address).
_CREDITOR_TEXT = {"name": 70, "street": 70, "house_num": 16, "pcode": 16, "city": 35}
_CREDITOR = (*_CREDITOR_TEXT, "country", "iban", "transfer_iban", "email", "phone")
_MOVED_TO_LETTERS = ("logo", "letterhead_paper")  # were [creditor] settings before [letters]
_LETTERS = ("source", "logo_paper", "logo", "letterhead_paper", "per_customer")
_IBAN_LENGTH = 21  # CH and LI alike
_CURRENCY = re.compile(r"[A-Z]{3}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class PolicyError(FileError):
    """The policy file is missing, unreadable or wrong; `str()` says where and why."""


def example_policy_path() -> Path:
    """The example policy shipped with the package (Swiss defaults, a sample creditor)."""
    return Path(__file__).with_name("example_policy.toml")


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; raises `PolicyError` with every problem found."""
    data = read_file(Path(path), "policy file", PolicyError)
    return _policy(data, str(path), Path(path).parent)


def parse_policy(text: str, source: str = "policy.toml") -> Policy:
    """Validate policy text; `source` names it in errors, and a relative logo path is read
    from its folder. The hash is of its UTF-8 bytes."""
    return _policy(text.encode("utf-8"), source, Path(source).parent)


def _policy(data: bytes, source: str, folder: Path) -> Policy:
    document = parse_toml(data, source, PolicyError)
    problems = Problems(source)
    problems.table(document, "", _TOP, required=("version", "creditor", "levels"))
    fields = _top_fields(document, problems)
    creditor = _creditor(document["creditor"], problems) if "creditor" in document else None
    levels = _levels(document["levels"], problems) if "levels" in document else None
    letters = _letters(document.get("letters", {}), folder, problems)
    if creditor is not None:
        _transfer_iban_needed(creditor, problems)
    problems.raise_if_any(PolicyError)
    assert creditor is not None and levels is not None and letters is not None  # raised above
    return Policy(
        sha256=hashlib.sha256(data).hexdigest(),
        creditor=creditor,
        levels=levels,
        letters=letters,
        **fields,
    )


def _top_fields(document: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """The plain top-level settings; absent optional ones keep the `Policy` defaults."""
    checks: dict[str, Callable[[Any], Any]] = {
        "version": lambda v: problems.text(v, "version"),
        "interest_rate_percent": lambda v: problems.amount(
            v, "interest_rate_percent", "the interest rate", maximum=Decimal(100), places=4
        ),
        "interest_from": lambda v: problems.choice(
            v, "interest_from", ("due_date", "first_reminder")
        ),
        "final_action": lambda v: problems.choice(v, "final_action", ("propose_unpaid", "none")),
        "minimum_amount": lambda v: _per_currency(v, "minimum_amount", "the minimum", problems),
        "default_language": lambda v: problems.choice(v, "default_language", LANGUAGES),
    }
    return {key: check(document[key]) for key, check in checks.items() if key in document}


def _creditor(value: Any, problems: Problems) -> Creditor | None:
    if isinstance(value, dict):
        for key in _MOVED_TO_LETTERS:
            if key in value:
                problems.add(
                    f"creditor.{key}", "belongs in the [letters] table now: move the line there"
                )
        value = {k: v for k, v in value.items() if k not in _MOVED_TO_LETTERS}
    table = problems.table(
        value, "creditor", _CREDITOR, required=(*_CREDITOR_TEXT, "country", "iban")
    )
    if table is None:
        return None
    fields: dict[str, Any] = {}
    for key, longest in _CREDITOR_TEXT.items():
        if key in table:
            raw = table[key]
            # A house number or postcode written without quotes is still meant as text.
            if key in ("house_num", "pcode") and isinstance(raw, int) and not isinstance(raw, bool):
                raw = str(raw)
            fields[key] = problems.text(raw, f"creditor.{key}", max_length=longest)
    if "country" in table:
        fields["country"] = _country(table["country"], problems)
    if "iban" in table:
        fields["iban"] = _iban(table["iban"], problems)
    if "transfer_iban" in table:
        fields["transfer_iban"] = _transfer_iban(table["transfer_iban"], problems)
    if "email" in table:
        fields["email"] = _email(table["email"], problems)
    if "phone" in table:
        fields["phone"] = problems.text(table["phone"], "creditor.phone", max_length=40)
    complete = all(key in table for key in (*_CREDITOR_TEXT, "country", "iban"))
    if not complete or any(v is None for v in fields.values()):
        return None
    return Creditor(**fields)


def _country(value: Any, problems: Problems) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[A-Z]{2}", value):
        return value
    problems.add(
        "creditor.country",
        f'must be a two-letter country code in capitals, like "CH", not {shown(value)}',
    )
    return None


def _iban(value: Any, problems: Problems) -> str | None:
    text = problems.text(value, "creditor.iban")
    if text is None:
        return None
    compact = stdnum_iban.compact(text)
    if compact[:2] not in ("CH", "LI"):
        problems.add(
            "creditor.iban",
            f"must be a Swiss or Liechtenstein IBAN (CH… or LI…), "
            f"the only ones a QR-bill accepts (got {shown(value)})",
        )
        return None
    if len(compact) != _IBAN_LENGTH:
        problems.add(
            "creditor.iban",
            f"a Swiss or Liechtenstein IBAN has {_IBAN_LENGTH} "
            f"characters, this one {len(compact)} (got {shown(value)})",
        )
        return None
    try:
        stdnum_iban.validate(compact)
    except InvalidChecksum:
        problems.add(
            "creditor.iban",
            f"the check digits do not match, so the IBAN has a typo (got {shown(value)})",
        )
        return None
    except ValidationError:
        problems.add("creditor.iban", f"is not a valid IBAN (got {shown(value)})")
        return None
    return compact


def _transfer_iban(value: Any, problems: Problems) -> str | None:
    """Any valid IBAN that takes ordinary transfers: printed where a letter has no QR-bill."""
    text = problems.text(value, "creditor.transfer_iban")
    if text is None:
        return None
    compact = stdnum_iban.compact(text)
    try:
        stdnum_iban.validate(compact)
    except ValidationError:
        problems.add(
            "creditor.transfer_iban",
            f"is not a valid IBAN: a typo in the number or its check digits (got {shown(value)})",
        )
        return None
    if is_qr_iban(compact):
        problems.add(
            "creditor.transfer_iban",
            f"is a QR-IBAN, which takes only QR-bill payments; give the account's ordinary "
            f"IBAN (got {shown(value)})",
        )
        return None
    return compact


def _transfer_iban_needed(creditor: Creditor, problems: Problems) -> None:
    """Our letters never show a QR-IBAN for an ordinary transfer: with a QR-IBAN they need
    the ordinary IBAN, for a letter without QR-bill and for a creditor reference of ours.
    Also with `source = "bexio"`: its drafts and dry runs show our own letters."""
    if is_qr_iban(creditor.iban) and creditor.transfer_iban is None:
        problems.add(
            "creditor.transfer_iban",
            "is required, because creditor.iban is a QR-IBAN, which takes QR-bill payments "
            "with a QR reference only: the letters name this ordinary IBAN where they have no "
            "QR-bill (a currency other than CHF or EUR), and put it in the QR-bill with a "
            "creditor reference where the invoice's own QR-bill cannot be read; add the "
            "account's ordinary IBAN as transfer_iban under [creditor]",
        )


def _letters(value: Any, folder: Path, problems: Problems) -> Letters | None:
    """The `[letters]` table; every setting is optional."""
    table = problems.table(value, "letters", _LETTERS)
    if table is None:
        return None
    fields: dict[str, Any] = {}
    if "source" in table:
        fields["source"] = problems.choice(table["source"], "letters.source", ("own", "bexio"))
    for key in ("logo_paper", "letterhead_paper", "per_customer"):
        if key in table:
            fields[key] = _flag(table[key], f"letters.{key}", problems)
    if "logo" in table:
        fields["logo"] = _logo(table["logo"], folder, problems)
    if any(v is None for v in fields.values()):
        return None
    letters = Letters(**fields)
    if letters.letterhead_paper and "logo" in table:
        problems.add(
            "letters.letterhead_paper",
            "is true, so the letterhead stays empty for the printed paper; leave out "
            "letters.logo or set letterhead_paper = false",
        )
    if letters.source == "bexio":
        for key in ("logo", "letterhead_paper", "per_customer"):
            if table.get(key) not in (None, False):
                problems.add(
                    f"letters.{key}",
                    'applies to our own letters only; with source = "bexio" the letters are '
                    "bexio's own PDFs (its logo is chosen with logo_paper)",
                )
    return letters


def _flag(value: Any, path: str, problems: Problems) -> bool | None:
    if not isinstance(value, bool):
        problems.add(path, f"must be true or false (got {shown(value)})")
        return None
    return value


def _logo(value: Any, folder: Path, problems: Problems) -> Path | None:
    """The logo file, relative to the policy file's folder: a PNG, JPEG or SVG that reads."""
    text = problems.text(value, "letters.logo")
    if text is None:
        return None
    written = Path(text).expanduser()
    if not written.is_absolute() and ".." in written.parts:
        # A run keeps a copy of the logo beside its copy of the policy, for its retries.
        problems.add(
            "letters.logo",
            f"a relative path must stay in the policy file's folder (got {shown(text)}); "
            "give an absolute path instead",
        )
        return None
    path = folder / written
    try:
        path.read_bytes()
    except OSError as exc:
        problems.add(
            "letters.logo",
            f"cannot be read from {path} ({exc.strerror or exc}); a relative path is taken "
            "from the policy file's folder",
        )
        return None
    problem = _logo_problem(path)
    if problem is not None:
        problems.add("letters.logo", problem)
        return None
    return path


def _logo_problem(path: Path) -> str | None:
    from dunning.letters.logo import logo_problem  # the image libraries only for a logo

    return logo_problem(path)


def _email(value: Any, problems: Problems) -> str | None:
    text = problems.text(value, "creditor.email")
    if text is not None and not _EMAIL.fullmatch(text):
        problems.add("creditor.email", f"is not an e-mail address (got {shown(value)})")
        return None
    return text


def _levels(value: Any, problems: Problems) -> tuple[Level, ...] | None:
    if not isinstance(value, list):
        problems.add(
            "levels",
            f"must be a list of levels, each starting with a [[levels]] line, not {shown(value)}",
        )
        return None
    if not 1 <= len(value) <= MAX_LEVELS:
        problems.add("levels", f"there must be 1 to {MAX_LEVELS} levels (found {len(value)})")
    levels = [_level(item, number, problems) for number, item in enumerate(value, 1)]
    if not levels or any(level is None for level in levels):
        return None
    return tuple(level for level in levels if level is not None)


def _level(value: Any, number: int, problems: Problems) -> Level | None:
    path = f"levels[{number}]"
    table = problems.table(value, path, _LEVEL, required=("title", "grace_days", "payment_days"))
    if table is None:
        return None
    title = _per_language(table.get("title"), f"{path}.title", problems, required=True)
    grace = (
        problems.whole(table.get("grace_days"), f"{path}.grace_days", 0, MAX_DAYS)
        if "grace_days" in table
        else None
    )
    pay = (
        problems.whole(table.get("payment_days"), f"{path}.payment_days", 1, MAX_DAYS)
        if "payment_days" in table
        else None
    )
    fees = _per_currency(table.get("fee", {}), f"{path}.fee", "the fee", problems)
    texts = _per_language(table.get("texts", {}), f"{path}.texts", problems, required=False)
    for language, text in (texts or {}).items():
        _check_placeholders(text, f"{path}.texts.{language}", problems)
    if title is None or grace is None or pay is None or fees is None or texts is None:
        return None
    return Level(
        number=number, title=title, grace_days=grace, payment_days=pay, fees=fees, texts=texts
    )


def _per_currency(
    value: Any, path: str, what: str, problems: Problems
) -> dict[str, Decimal] | None:
    if not isinstance(value, dict):
        problems.add(
            path,
            f'must be a table of amounts per currency, like {{ CHF = "20.00" }}, '
            f"not {shown(value)}",
        )
        return None
    amounts: dict[str, Decimal] = {}
    for code, raw in value.items():
        where = key_path(path, code)
        if not _CURRENCY.fullmatch(code):
            problems.add(where, "is not a currency code; write three capital letters, like CHF")
            continue
        amount = problems.amount(raw, where, what)
        if amount is not None:
            amounts[code] = amount
    return amounts if len(amounts) == len(value) else None


def _per_language(
    value: Any, path: str, problems: Problems, required: bool
) -> dict[str, str] | None:
    if not isinstance(value, dict):
        problems.add(
            path,
            f'must be a table of texts per language, like {{ de = "…", fr = "…" }}, '
            f"not {shown(value)}",
        )
        return None
    if required and not value:
        problems.add(path, 'needs a text in at least one language, like { de = "1. Mahnung" }')
        return None
    texts: dict[str, str] = {}
    for language, raw in value.items():
        where = key_path(path, language)
        if language not in LANGUAGES:
            problems.add(where, "is not a language of the letters; use de, fr, it or en")
            continue
        text = problems.text(raw, where)
        if text is not None:
            texts[language] = text
    return texts if len(texts) == len(value) else None


def _check_placeholders(text: str, path: str, problems: Problems) -> None:
    """Only the known `{name}` placeholders; a literal brace is written `{{` or `}}`."""
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        problems.add(
            path,
            'has a "{" or "}" without its partner; write "{{" or "}}" for a brace '
            "that should be printed",
        )
        return
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name in PLACEHOLDERS and (spec or conversion):
            problems.add(path, f'placeholders take no format or conversion; write "{{{name}}}"')
        elif name not in PLACEHOLDERS:
            used = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            problems.add(
                path,
                f'uses the placeholder "{used}", which is not known; the known ones are {known}',
            )
