"""The gallery of sample letters (`dunning letters-sample`), read back page by page: the
address in the envelope window with the country named in the letter's language, nothing
off the sheet, a QR-bill that decodes on every CHF/EUR letter, continuation pages."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from dunning.letters.gallery import Gallery, GalleryLetter, write_gallery
from flows.cli import main
from tests.dunning.letters.letter_helpers import (
    A4,
    MM,
    WINDOW,
    inside,
    payload_of,
    read_qr,
    text_boxes,
)

COUNTRIES = {
    "DE": {"de": "DEUTSCHLAND", "fr": "ALLEMAGNE", "it": "GERMANIA", "en": "GERMANY"},
    "FR": {"de": "FRANKREICH", "fr": "FRANCE", "it": "FRANCIA", "en": "FRANCE"},
    "IT": {"de": "ITALIEN", "fr": "ITALIE", "it": "ITALIA", "en": "ITALY"},
}


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Gallery:
    return write_gallery(tmp_path_factory.mktemp("gallery"))


def _pages(path: Path) -> int:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def test_the_gallery_has_every_case_in_four_languages_in_one_file(gallery: Gallery) -> None:
    names = [g.name for g in gallery.letters]
    for lang in ("de", "fr", "it", "en"):
        for case in ("level-1", "level-3-woman", "long-name", "germany", "no-city", "logo"):
            assert f"{lang}-{case}" in names
    assert {g.letter.level for g in gallery.letters} == {1, 2, 3}
    pdf = pdfium.PdfDocument(str(gallery.merged))
    try:
        toc = [item.get_title() for item in pdf.get_toc(max_depth=1)]
        assert toc == names
        assert len(pdf) == sum(_pages(g.result.path) for g in gallery.letters)
    finally:
        pdf.close()


def _place_and_country(g: GalleryLetter) -> list[str]:
    address = g.letter.debtor.address
    wanted = [" ".join(x for x in (address.pcode, address.city) if x)]
    if address.country not in ("CH", "LI"):
        wanted.append(COUNTRIES[address.country][g.letter.language])
    return wanted


def test_postcode_town_and_country_are_inside_the_window_in_the_letters_language(
    gallery: Gallery,
) -> None:
    for g in gallery.letters:
        boxes = [(w, box) for w, box in text_boxes(g.result.path) if box[1] < 100]
        for wanted in _place_and_country(g):
            hits = [box for words, box in boxes if words == wanted]
            assert hits, (g.name, wanted, [w for w, _ in boxes][:14])
            assert all(inside(box, WINDOW) for box in hits), (g.name, wanted, hits)


def test_nothing_is_drawn_outside_the_sheet(gallery: Gallery) -> None:
    sheet = (0.0, 0.0, A4[0] * MM, A4[1] * MM)
    for g in gallery.letters:
        pdf = pdfium.PdfDocument(str(g.result.path))
        try:
            for number, page in enumerate(pdf):
                for obj in page.get_objects():
                    left, bottom, right, top = obj.get_bounds()
                    box = (left, sheet[3] - top, right, sheet[3] - bottom)
                    # Half a point: the dashed separation line's width at the sheet's edges.
                    assert inside(box, sheet, slack=0.5), (g.name, number, box)
        finally:
            pdf.close()
        for number in range(_pages(g.result.path)):
            outside = [
                w for w, box in text_boxes(g.result.path, number) if not inside(box, (0, 0, *A4))
            ]
            assert outside == [], (g.name, number)


def test_every_chf_and_eur_letter_carries_a_qr_bill_that_decodes(gallery: Gallery) -> None:
    for g in gallery.letters:
        if g.letter.amounts.currency not in ("CHF", "EUR"):
            assert g.result.qr_payload is None, g.name
            assert read_qr(g.result.path) == [], g.name
            continue
        codes = read_qr(g.result.path)
        assert len(codes) == 1 and payload_of(codes[0]) == g.result.qr_payload, g.name


def test_a_long_letter_continues_on_numbered_pages(gallery: Gallery) -> None:
    numbered = {"de": "Seite 2 von", "fr": "Page 2 sur", "it": "Pagina 2 di", "en": "Page 2 of"}
    for lang, words in numbered.items():
        (g,) = [g for g in gallery.letters if g.name == f"{lang}-long-letter"]
        assert _pages(g.result.path) >= 2
        assert any(w.startswith(words) for w, _ in text_boxes(g.result.path, 1)), lang


def test_letters_sample_writes_the_gallery_where_it_is_told(tmp_path: Path, capsys) -> None:
    assert main(["letters-sample", "--output", str(tmp_path / "samples")]) == 0
    assert (tmp_path / "samples" / "letters.pdf").is_file()
    assert len(list((tmp_path / "samples" / "letters").glob("*.pdf"))) == 48
    (tmp_path / "file").write_text("x")
    assert main(["letters-sample", "--output", str(tmp_path / "file")]) == 2
    err = capsys.readouterr().err
    assert "--output" in err and "not a folder" in err and "Traceback" not in err
