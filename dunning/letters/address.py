"""Lays out the recipient's address for the window of a C5/C6 right-window envelope.

Swiss Post's addressing rules: left-aligned, three to six lines without blank lines, the
street and number (or P.O. box) on the second-last line and postcode and town on the last,
followed abroad by the country in capitals, named in the letter's language (Swiss Post reads
German, French, Italian and English); no country line for Switzerland and Liechtenstein. Every
line that carries delivery information is printed, and no word is cut. What does not fit
is shortened in this order, each step only if the previous one is not enough:

1. a smaller type, from 10 pt down to 8 pt;
2. the name and its addition (e.g. "z. H. Frau Muster") share lines;
3. the usual street abbreviations ("strasse" -> "str.", "Avenue" -> "Av." ...);
4. the name and the addition are cut after a whole word and end with "…"; the address
   then carries a warning naming what was cut, as does a word too long for the window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from reportlab.pdfbase.pdfmetrics import stringWidth

from dunning.letters.fmt import pdf_text
from dunning.letters.pdfa import REG
from dunning.model import Address

__all__ = ["AddressBlock", "layout_address", "fit_line", "MAX_LINES"]

MAX_LINES = 6
SIZES = (10.0, 9.5, 9.0, 8.5, 8.0)
LEADING = 1.15  # times the type size
_FONT = REG
_ELLIPSIS = "…"
_PREFIX = re.compile(r"\b(?:z\. ?H\.|c/o|p\. ?a\.|à l'att\. de|att\.n?) \S+", re.IGNORECASE)
_ABBREVIATIONS = (
    (re.compile(r"(?<=\w)strasse\b"), "str."),
    (re.compile(r"\bStrasse\b"), "Str."),
    (re.compile(r"\bAvenue\b"), "Av."),
    (re.compile(r"\bBoulevard\b"), "Bd"),
    (re.compile(r"\bChemin\b"), "Ch."),
    (re.compile(r"\bRoute\b"), "Rte"),
    (re.compile(r"\bPlatz\b"), "Pl."),
    (re.compile(r"\bVia\b"), "V."),
)


@dataclass(frozen=True)
class AddressBlock:
    lines: tuple[str, ...]
    size: float
    warning: str | None  # what had to be cut, naming the contact; None when all fits


def country_line(country: str | None, language: str) -> str | None:
    """The destination country in capitals, in the letter's language ("DEUTSCHLAND",
    "ALLEMAGNE", "GERMANIA", "GERMANY"); None for Switzerland and Liechtenstein."""
    code = (country or "CH").strip().upper() or "CH"
    if code in ("CH", "LI"):
        return None
    names = _territories(language if language in ("de", "fr", "it", "en") else "fr")
    return pdf_text(str(names.get(code, code)).upper())


@lru_cache(maxsize=8)
def _territories(language: str) -> dict[str, str]:
    return {code: str(name) for code, name in Locale.parse(language).territories.items()}


def layout_address(
    addr: Address, language: str, width: float, courtesy: str | None = None
) -> AddressBlock:
    """The address lines and type size that fit `width` points and six lines. `courtesy`
    ("Herr", "Madame") is a person's first line, left out first when space is short."""
    name = [_glued(pdf_text(x)) for x in (addr.name, addr.extra or "") if x and x.strip()]
    street = pdf_text(" ".join(x for x in (addr.street, addr.house_num) if x))
    place = pdf_text(" ".join(x for x in (addr.pcode, addr.city) if x))
    country = country_line(addr.country, language)
    fixed = [x for x in (street, place, country) if x]
    attempts = (
        *([([courtesy, *name], fixed)] if courtesy else []),
        (name, fixed),
        ([", ".join(name)], fixed),
        ([", ".join(name)], [_abbreviate(street), *fixed[1:]] if street else fixed),
    )
    for head, tail in attempts:
        for size in SIZES:
            lines = _fit(head, tail, size, width)
            if lines is not None:
                return AddressBlock(tuple(lines), size, None)
    return _forced(addr.name, name, attempts[-1][1], width)


def _fit(head: list[str], tail: list[str], size: float, width: float) -> list[str] | None:
    """Name lines wrapped at words, each tail line whole; None if that takes too much."""
    if any(_width(x, size) > width for x in tail):
        return None
    wrapped = [part for text in head for part in _words(text, size, width)]
    if any(_width(x, size) > width for x in wrapped):  # a single word too wide
        return None
    lines = wrapped + tail
    return lines if len(lines) <= MAX_LINES else None


def _forced(contact: str, name: list[str], tail: list[str], width: float) -> AddressBlock:
    size = SIZES[-1]
    budget = MAX_LINES - len(tail)
    lines = _words(", ".join(name), size, width)
    head = lines[:budget]
    if len(lines) > budget:
        head[-1] = fit_line(head[-1] + " " + lines[budget], size, width)
    cut = len(lines) > budget or any(_width(x, size) > width for x in head + tail)
    head = [fit_line(x, size, width) for x in head]
    tail = [_hard_cut(x, size, width) for x in tail]
    warning = (
        f"the address of {contact!r} does not fit the envelope window; printed as "
        + " / ".join(head + tail)
        if cut
        else None
    )
    return AddressBlock(tuple(head + tail), size, warning)


def fit_line(text: str, size: float, width: float, font: str = _FONT) -> str:
    """`text` if it fits, else cut after the last whole word that leaves room for "…"."""
    if _width(text, size, font) <= width:
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        candidate = " ".join(words).rstrip(",;:-") + _ELLIPSIS
        if _width(candidate, size, font) <= width:
            return candidate
    return _hard_cut(text, size, width, font)


def _hard_cut(text: str, size: float, width: float, font: str = _FONT) -> str:
    # A single word wider than the window: cut where it must be (the warning says so).
    while len(text) > 1 and _width(text + _ELLIPSIS, size, font) > width:
        text = text[:-1]
    return text if _width(text, size, font) <= width else text + _ELLIPSIS


def _words(text: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and _width(candidate, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def _glued(text: str) -> str:
    # "z. H. Frau Muster", "c/o Muster": the words of an addressee's prefix stay on one line.
    return _PREFIX.sub(lambda m: m.group(0).replace(" ", "\xa0"), text)


def _abbreviate(text: str) -> str:
    for pattern, short in _ABBREVIATIONS:
        text = pattern.sub(short, text)
    return text


def _width(text: str, size: float, font: str = _FONT) -> float:
    return float(stringWidth(text, font, size))
