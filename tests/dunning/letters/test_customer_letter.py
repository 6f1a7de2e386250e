"""One letter per customer: its table's headings are printed whole in every language, and
it speaks of the invoices in the plural."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dunning.letters.customer import render_customer_letter
from dunning.letters.samples import sample_letter
from tests.dunning.letters.letter_helpers import page_texts

HEADINGS = {
    "de": ("Rechnung", "Datum", "Fällig am", "Stufe"),
    "fr": ("Facture", "Date", "Échéance", "Niveau"),
    "it": ("Fattura", "Data", "Scadenza", "Livello"),
    "en": ("Invoice", "Date", "Due date", "Level"),
}


@pytest.mark.parametrize("language", sorted(HEADINGS))
def test_the_customer_letters_table_headings_are_whole(language: str, tmp_path: Path) -> None:
    first = replace(sample_letter(), language=language)
    second = replace(first, invoice=replace(first.invoice, id=first.invoice.id + 1))
    render_customer_letter([first, second], tmp_path / "customer.pdf")
    page = page_texts(tmp_path / "customer.pdf")[0]
    for heading in HEADINGS[language]:
        assert heading in page, (heading, page)
    assert "Rechnungsdat\n" not in page
    plural = {"de": "diesen Rechnungen", "fr": "ces factures", "it": "queste fatture"}
    singular = {"de": "dieser Rechnung", "fr": "cette facture", "it": "questa fattura"}
    words = " ".join(page.split())
    if language in plural:
        assert plural[language] in words and singular[language] not in words, words
    else:
        assert "these invoices" in words and "this invoice" not in words, words
