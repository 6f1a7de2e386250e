"""The gallery of sample letters (`dunning letters-sample`): every edge case of the layout
in every language, one PDF per letter and all of them in one file, to look at before a
first run or after a change of the letters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from dunning.letters.batch import render_letters
from dunning.letters.merge import merge_letters
from dunning.letters.samples import GALLERY_LOGO_SVG, gallery_letters
from dunning.letters.types import LetterInput, LetterResult

__all__ = ["GalleryLetter", "Gallery", "write_gallery"]


@dataclass(frozen=True)
class GalleryLetter:
    name: str  # e.g. "de-long-name"
    letter: LetterInput
    result: LetterResult


@dataclass(frozen=True)
class Gallery:
    letters: tuple[GalleryLetter, ...]
    merged: Path  # every letter in one file, one bookmark each


def write_gallery(folder: Path, created: datetime | None = None) -> Gallery:
    """Render the gallery into `folder`: `letters/<name>.pdf`, `letters.pdf` and the logo
    the logo case prints (`logo.svg`). `created` dates the files (else each letter's date)."""
    letters_dir = folder / "letters"
    letters_dir.mkdir(parents=True, exist_ok=True)
    logo = folder / "logo.svg"
    logo.write_text(GALLERY_LOGO_SVG, encoding="utf-8")
    cases = [
        (name, letter if created is None else replace(letter, created=created))
        for name, letter in gallery_letters(logo)
    ]
    jobs = [(letter, letters_dir / f"{name}.pdf") for name, letter in cases]
    results = render_letters(jobs)
    merged = folder / "letters.pdf"
    merge_letters(
        [(result.path, name) for (name, _), result in zip(cases, results, strict=True)],
        merged,
        title="dunning: sample letters",
        language="en",
        author=cases[0][1].creditor.name,
        created=created or cases[0][1].created_at(),
    )
    return Gallery(
        tuple(
            GalleryLetter(name, letter, result)
            for (name, letter), result in zip(cases, results, strict=True)
        ),
        merged,
    )
