"""Swiss reminder letters: one PDF per letter with the QR-bill payment part, and the
merged file of a run with one bookmark per letter.

Four languages (de, fr, it, en) with Swiss formatting. A debtor address the QR-bill cannot
take leaves its "Payable by" blank; an amount it cannot carry (a currency other than CHF or
EUR) gives a letter without the payment part. An address shortened to fit the envelope
window, a blank "Payable by" and a missing payment part are named in the result's warning.
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
