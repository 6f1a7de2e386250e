"""A draft letter for the approver says it is a draft on every page and in its title, in
the letter's language, with the deadline of the final letter; a final letter never does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from dunning.letters import render_letter
from dunning.letters.samples import sample_letter

WORDS = {"de": "ENTWURF", "fr": "PROJET", "it": "BOZZA", "en": "DRAFT"}


@pytest.mark.parametrize("language", sorted(WORDS))
def test_a_draft_is_marked_on_every_page_and_a_final_letter_nowhere(
    tmp_path: Path, language: str
) -> None:
    long_body = "Wir bitten Sie um Zahlung bis zum {deadline}. " * 120
    letter = sample_letter(3, language=language, body=long_body)
    render_letter(replace(letter, draft=True), tmp_path / "draft.pdf")
    render_letter(letter, tmp_path / "final.pdf")
    draft, final = PdfReader(tmp_path / "draft.pdf"), PdfReader(tmp_path / "final.pdf")
    assert len(draft.pages) == len(final.pages) >= 2
    word = WORDS[language]
    assert all(word in page.extract_text() for page in draft.pages)
    assert draft.metadata is not None and str(draft.metadata["/Title"]).startswith(word)
    final_text = " ".join(page.extract_text() for page in final.pages)
    assert not any(w in final_text for w in WORDS.values())
    assert final.metadata is not None and word not in str(final.metadata["/Title"])
    draft_text = " ".join(page.extract_text() for page in draft.pages)
    assert "10.12.2026" in draft_text and "10.12.2026" in final_text
