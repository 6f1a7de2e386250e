"""A letter longer than its first page: the body keeps its size, the text flows onto
continuation pages headed by the recipient, the date and the page count, and the payment
part sits at the foot of the last page, where it still scans."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from dunning.letters import render_letter
from dunning.letters.samples import sample_letter
from tests.dunning.letters.letter_helpers import page_texts, payload_of, read_qr

PARAGRAPH = (
    "Wir verweisen auf unsere Allgemeinen Geschäftsbedingungen, die Sie mit der "
    "Auftragsbestätigung erhalten haben. "
) * 3
CONTINUATION = {
    "de": "Seite 2 von 3",
    "fr": "Page 2 sur 3",
    "it": "Pagina 2 di 3",
    "en": "Page 2 of 3",
}
DATE = {
    "de": "30.11.2026",
    "fr": "30 novembre 2026",
    "it": "30 novembre 2026",
    "en": "30 November 2026",
}


def _body(paragraphs: int) -> str:
    return "\n\n".join([PARAGRAPH] * paragraphs)


def _sizes_of(path: Path, word: str) -> set[float]:
    """The type sizes of every occurrence of `word` on every page."""
    sizes = set()
    pdf = pdfium.PdfDocument(str(path))
    try:
        for page in pdf:
            text = page.get_textpage()
            whole = text.get_text_range()
            start = whole.find(word)
            while start >= 0:
                sizes.add(round(pdfium_c.FPDFText_GetFontSize(text.raw, start), 1))
                start = whole.find(word, start + 1)
    finally:
        pdf.close()
    return sizes


def _objects_outside_the_sheet(path: Path) -> list[tuple[int, tuple[float, ...]]]:
    outside: list[tuple[int, tuple[float, ...]]] = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for number, page in enumerate(pdf, 1):
            width, height = page.get_size()
            for obj in page.get_objects():
                left, bottom, right, top = obj.get_bounds()
                # The payment part's cutting line runs edge to edge: half its stroke may
                # stand over the edge.
                if min(left, bottom) < -1 or right > width + 1 or top > height + 1:
                    outside.append((number, (left, bottom, right, top)))
    finally:
        pdf.close()
    return outside


@pytest.mark.parametrize("lang", ["de", "fr", "it", "en"])
def test_a_three_page_letter_heads_its_continuation_pages_in_its_language(
    lang: str, tmp_path: Path
) -> None:
    letter = sample_letter(language=lang, body=_body(17))
    result = render_letter(letter, tmp_path / "long.pdf")
    pages = page_texts(result.path)
    assert len(pages) == 3
    assert CONTINUATION[lang] not in pages[0]
    assert CONTINUATION[lang] in pages[1]
    assert CONTINUATION[lang].replace("2", "3", 1) in pages[2]
    for page in pages[1:]:
        assert DATE[lang] in page and "Beispiel GmbH" in page and "RE-00042" in page
    assert _sizes_of(result.path, "Geschäftsbedingungen") == {10.0}
    assert _objects_outside_the_sheet(result.path) == []


@pytest.mark.parametrize(
    ("paragraphs", "pages", "alone"), [(3, 2, True), (7, 2, False), (17, 3, False)]
)
def test_the_payment_part_scans_at_the_foot_of_the_last_page(
    paragraphs: int, pages: int, alone: bool, tmp_path: Path
) -> None:
    result = render_letter(sample_letter(body=_body(paragraphs)), tmp_path / "long.pdf")
    texts = page_texts(result.path)
    assert len(texts) == pages
    assert ("Freundliche Grüsse" not in texts[-1]) is alone  # a page of its own when needed
    assert all("Empfangsschein" not in text for text in texts[:-1])
    (code,) = read_qr(result.path)
    assert payload_of(code) == result.qr_payload
    # The code lies in the bottom 105 mm of the A4 page (297 mm at 200 dpi).
    bottom_edge = max(point.y for point in (code.position.bottom_left, code.position.bottom_right))
    top_edge = min(point.y for point in (code.position.top_left, code.position.top_right))
    scale = 200 / 25.4
    assert top_edge > (297 - 105) * scale and bottom_edge < 297 * scale


def test_a_letter_that_fits_keeps_one_page_without_page_numbers(tmp_path: Path) -> None:
    result = render_letter(sample_letter(), tmp_path / "short.pdf")
    (text,) = page_texts(result.path)
    assert "Seite" not in text


@pytest.mark.parametrize("lang", ["de", "fr", "it", "en"])
@pytest.mark.parametrize("level", [1, 2, 3])
def test_every_default_letter_fits_one_page_with_its_payment_part(
    lang: str, level: int, tmp_path: Path
) -> None:
    # The last level says the most: two fees, interest and the enforcement sentence.
    result = render_letter(sample_letter(language=lang, level=level), tmp_path / "l.pdf")
    assert len(page_texts(result.path)) == 1
    sizes = _sizes_of(result.path, "RE-00042")  # in the body, the subject and the QR-bill
    assert 10.0 in sizes and not sizes & {9.0, 9.5}
