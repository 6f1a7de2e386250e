"""A date, an amount, a rate, an IBAN or a reference in a wrapped sentence stays on one line,
wherever the line happens to end."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dunning.letters import render_letter
from dunning.letters.samples import SAMPLE_CREDITOR, sample_letter
from tests.dunning.letters.letter_helpers import page_texts

# language -> pieces that must each stand whole on one line of the letter
WHOLE = {
    "fr": ["10 décembre 2026", "18 septembre 2026", "CHF 1'226.90", "5 %"],
    "en": ["10 December 2026", "18 September 2026", "CHF 1'226.90", "5 %"],
    "it": ["10 dicembre 2026", "18 settembre 2026", "CHF 1'226.90", "5 %"],
}
# Without a QR-bill (a currency it does not take) the letter names the ordinary IBAN (the
# policy's transfer_iban beside its QR-IBAN) and a creditor reference; the creditor's phone
# number closes the same paragraph.
IBAN_REFERENCE_PHONE = [
    "CH58 0079 1123 0008 8901 2",
    "RF44 RE00 042",
    "+41 44 123 45 67",
]


def _lines(path: Path) -> list[str]:
    return [
        " ".join(line.split())
        for page in page_texts(path)
        for line in page.replace("\xa0", " ").splitlines()
    ]


def _broken(lines: list[str], piece: str) -> bool:
    """Whether `piece` starts at the end of one line and goes on on the next."""
    words = piece.split(" ")
    for before, after in zip(lines, lines[1:], strict=False):
        for cut in range(1, len(words)):
            head, tail = " ".join(words[:cut]), " ".join(words[cut:])
            if before.endswith(head) and after.startswith(tail):
                return True
    return False


@pytest.mark.parametrize("lang", sorted(WHOLE))
def test_no_line_ends_inside_a_date_an_amount_or_a_rate(lang: str, tmp_path: Path) -> None:
    for filler in range(0, 40):
        body = "x " * filler + "{due_date} {total_due} {invoice_date} {deadline}. " * 2
        letter = sample_letter(language=lang, body=body)
        lines = _lines(render_letter(letter, tmp_path / f"{filler}.pdf").path)
        for piece in WHOLE[lang]:
            assert not _broken(lines, piece), (filler, piece)


def test_no_line_ends_inside_the_iban_the_reference_or_the_phone_number(tmp_path: Path) -> None:
    for length in range(1, 60):
        creditor = replace(SAMPLE_CREDITOR, name="Muster " + "m" * length)
        letter = sample_letter(creditor=creditor, currency="USD")
        lines = _lines(render_letter(letter, tmp_path / f"{length}.pdf").path)
        text = " ".join(lines)
        for piece in IBAN_REFERENCE_PHONE:
            assert piece in text
            assert not _broken(lines, piece), (length, piece)
