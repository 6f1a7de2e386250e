"""Swiss formatting of amounts and dates, text clean-up, file names and bookmark titles.

Numbers follow the Swiss convention that CLDR (through babel) records for amounts in each
of the four languages: an apostrophe between thousands and a point before the decimals,
also in French (`1'234.50`), since CLDR's fr_CH uses the point as its currency decimal
(its general decimal is the comma). A letter shows one number format throughout, so an
interest rate takes the same point (`5.25 %`, also in French).

Text that a letter wraps keeps a date, an amount and a reference on one line: their inner
spaces are no-break spaces, which the wrapping never breaks at.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date

from dunning.money import money_text
from dunning.policy import LANGUAGES

try:  # optional: turns non-Latin names into readable Latin text instead of dropping them
    from text_unidecode import unidecode as _unidecode
except ImportError:  # pragma: no cover - depends on the environment
    _unidecode = None

__all__ = [
    "resolve_language",
    "format_amount",
    "format_rate",
    "numeric_date",
    "prose_date",
    "no_break",
    "fill_placeholders",
    "pdf_text",
    "latin_text",
    "letter_file_name",
    "bookmark_title_text",
]


def resolve_language(contact_language: str | None, default_language: str) -> str:
    """The letter language: the contact's if supported, else the default, else German."""
    for candidate in (contact_language, default_language):
        code = (candidate or "").strip().lower().replace("_", "-").split("-")[0]
        if code in LANGUAGES:
            return sys.intern(code)  # one text for every letter in that language
    return "de"


@lru_cache(maxsize=8)
def _symbols(language: str) -> tuple[str, str]:
    locale = Locale.parse(f"{language}_CH")
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    group = symbols.get("currencyGroup") or symbols["group"]
    decimal = symbols.get("currencyDecimal") or symbols["decimal"]
    # A typographic apostrophe would not survive every font and text extraction.
    return group.replace("\u2019", "'"), decimal


def format_amount(amount: Decimal, language: str) -> str:
    """`1'234.50`: grouped, two decimals, rounded half-up to the cent."""
    group, decimal = _symbols(language)
    return money_text(amount, group=group, point=decimal)


def format_rate(rate: Decimal, language: str) -> str:
    """An interest rate without trailing zeros, with the amounts' point: `5`, `5.25`."""
    _, point = _symbols(language)
    return format(rate.normalize(), "f").replace(".", point)


def numeric_date(day: date, language: str) -> str:
    """`30.11.2026`, the Swiss numeric date in every language."""
    return format_date(day, "dd.MM.yyyy", locale=f"{language}_CH")


def prose_date(day: date, language: str) -> str:
    """A date inside a sentence: numeric in German, written out in the other languages."""
    if language == "de":
        return numeric_date(day, language)
    return no_break(format_date(day, "long", locale=f"{language}_CH"))


_BREAKABLE = re.compile(r"[ \u202f\u2009]")


def no_break(text: str) -> str:
    """`text` with no-break spaces, so that a wrapped line never splits it."""
    return _BREAKABLE.sub("\xa0", text)


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace only the known `{name}` placeholders; any other brace stays as written."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def _fallback(char: str, allowed: Callable[[str], bool]) -> str:
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", char) if allowed(c))
    if decomposed:
        return decomposed
    if _unidecode is not None:
        return "".join(c for c in _unidecode(char) if allowed(c))
    return ""


def _winansi(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return unicodedata.category(char)[0] != "C"


def _qr_allowed(char: str) -> bool:
    # The Latin set of the QR-bill guidelines 2.3: Basic Latin, Latin-1 Supplement,
    # Latin Extended-A, Ș ș Ț ț and the euro sign.
    code = ord(char)
    return 0x20 <= code <= 0x7E or 0xA0 <= code <= 0x17F or 0x218 <= code <= 0x21B or code == 0x20AC


_SPACES = re.compile(r"[^\S\xa0]+")  # a no-break space is kept: it glues "CHF" to its amount


def _clean(text: str, allowed: Callable[[str], bool]) -> str:
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if text.isascii():
        return text
    out = [c if allowed(c) else _fallback(c, allowed) for c in text]
    return _SPACES.sub(" ", "".join(out)).strip()


@lru_cache(maxsize=4096)
def pdf_text(text: str) -> str:
    """Text that the standard PDF fonts can show (WinAnsi); others are transliterated."""
    return _clean(text, _winansi)


@lru_cache(maxsize=4096)
def latin_text(text: str, limit: int | None = None) -> str:
    """Text within the QR-bill character set, cut to `limit` characters after a whole
    word (a single word longer than `limit` is cut where it must be)."""
    cleaned = _clean(text, _qr_allowed)
    if not limit or len(cleaned) <= limit:
        return cleaned
    head = cleaned[: limit + 1]
    space = head.rfind(" ")
    return (head[:space] if space > 0 else cleaned[:limit]).rstrip(" ,;:-")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_SEPARATORS = re.compile(r"[/\\ ]")
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(10)}
_MAX_STEM = 80


def letter_file_name(document_nr: str, level: int) -> str:
    """`RE-2026/0042`, 1 -> `RE-2026_0042-L1.pdf`; never a path, never hidden.

    Slashes, backslashes and spaces become `_`. Any other character outside
    `A-Z a-z 0-9 . _ -`, a cut to length or an empty number adds a short hash of the
    original, so that such numbers stay distinct.
    """
    stem = _SEPARATORS.sub("_", document_nr)
    altered = bool(_UNSAFE.search(stem)) or not stem.strip("._")
    stem = _UNSAFE.sub("_", stem)
    if stem.startswith("."):
        stem, altered = stem.lstrip("."), True
    if len(stem) > _MAX_STEM:
        stem, altered = stem[:_MAX_STEM], True
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    if altered:
        digest = hashlib.sha256(document_nr.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem = f"{stem}-{digest}" if stem.strip("._") else f"document-{digest}"
    return f"{stem}-L{int(level)}.pdf"


def bookmark_title_text(document_nr: str, debtor_name: str, title: str) -> str:
    """`RE-00042 · Muster AG · 1. Mahnung`."""
    parts = (document_nr.strip(), _SPACES.sub(" ", debtor_name).strip(), title.strip())
    return " · ".join(p for p in parts if p)
