"""Swiss reminder letters: one PDF per letter with the QR-bill payment part, and the
merged file of a run with one bookmark per letter.

Four languages (de, fr, it, en) with Swiss formatting. A debtor whose data cannot go
into a QR-bill still gets a letter, without the payment part, and the result says why.
"""

from __future__ import annotations

from dunning.letters.batch import render_letters
from dunning.letters.fmt import bookmark_title_text, letter_file_name, resolve_language
from dunning.letters.merge import merge_letters
from dunning.letters.render import render_letter
from dunning.letters.types import LetterInput, LetterResult

__all__ = [
    "LetterInput",
    "LetterResult",
    "resolve_language",
    "letter_file_name",
    "render_letter",
    "render_letters",
    "bookmark_title",
    "merge_letters",
]


def bookmark_title(letter: LetterInput) -> str:
    """The bookmark of a letter in the merged file: `RE-00042 · Muster AG · 1. Mahnung`."""
    return bookmark_title_text(letter.invoice.document_nr, letter.debtor.name, letter.title)
