"""Where things land on the page: the address inside the envelope window, nothing off the
sheet, a QR-bill on every CHF/EUR letter, read back from the rendered pages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from dunning.letters import render_letter
from dunning.letters.samples import SAMPLE_CREDITOR, sample_letter
from dunning.model import Address
from tests.dunning.letters.letter_helpers import A4, WINDOW, payload_of, read_qr
from tests.dunning.letters.letter_helpers import inside as _inside
from tests.dunning.letters.letter_helpers import text_boxes as _boxes

LONG_GERMAN = Address(
    name="Bayerische Gesellschaft für Wald- und Forstwirtschaft mbH",
    extra="Abteilung Rechnungswesen, z. H. Herrn Maximilian Obermüller",
    street="Maximiliansplatz",
    house_num="12a",
    pcode="80539",
    city="München",
    country="DE",
)
LONG_SWISS = Address(
    name="Genossenschaft für landwirtschaftliche Maschinen und Geräte der Nordostschweiz",
    extra="c/o Treuhandbüro Hürlimann-Zimmermann & Partner AG",
    street="Obere Kirchgasse und Untere Bahnhofstrasse",
    house_num="112b",
    pcode="8595",
    city="Altnau-Kesswil-Uttwil am Bodensee",
)
LONG_FOREIGN = Address(
    name="Société Nouvelle des Établissements Dupont-Lefèvre et Fils SARL",
    street="Boulevard du Maréchal de Lattre de Tassigny",
    house_num="145",
    pcode="69006",
    city="Lyon",
    country="FR",
)
LONG_SWISS_PLACE = "8595 Altnau-Kesswil-Uttwil am Bodensee"
NO_CITY = Address(name="Ohne Ort AG", street="Weg", house_num="1", pcode="8000", city=None)
LONG_CREDITOR = dataclasses.replace(
    SAMPLE_CREDITOR,
    name="Schweizerische Gesellschaft für Qualitätsmanagement und Zertifizierung AG",
)
CASES = {
    "german": (LONG_GERMAN, "80539 München", "DEUTSCHLAND"),
    "swiss": (LONG_SWISS, "8595 Altnau-Kesswil-Uttwil am Bodensee", None),
    "foreign": (LONG_FOREIGN, "69006 Lyon", "FRANKREICH"),
    "no-city": (NO_CITY, "8000", None),
}


@pytest.mark.parametrize("case", CASES)
def test_postcode_town_and_country_are_inside_the_envelope_window(
    case: str, tmp_path: Path
) -> None:
    address, place, country = CASES[case]
    result = render_letter(
        sample_letter(address=address, creditor=LONG_CREDITOR), tmp_path / "l.pdf"
    )
    boxes = [(w, box) for w, box in _boxes(result.path) if box[1] < 100]  # not the QR-bill
    for wanted in (place, country, address.street):
        if wanted:
            hits = [box for words, box in boxes if words == wanted or words.startswith(wanted)]
            assert hits, f"{wanted!r} is not on the page: {[w for w, _ in boxes][:12]}"
            assert all(_inside(box, WINDOW) for box in hits), (wanted, hits)
    assert (country is None) == (address.country in ("CH", "LI"))


@pytest.mark.parametrize("case", CASES)
def test_nothing_is_drawn_outside_the_sheet(case: str, tmp_path: Path) -> None:
    result = render_letter(
        sample_letter(address=CASES[case][0], creditor=LONG_CREDITOR), tmp_path / "l.pdf"
    )
    pdf = pdfium.PdfDocument(str(result.path))
    pages = len(pdf)
    pdf.close()
    for page in range(pages):
        outside = [w for w, box in _boxes(result.path, page) if not _inside(box, (0, 0, *A4))]
        assert outside == []


def test_the_return_address_fits_the_window_width(tmp_path: Path) -> None:
    result = render_letter(sample_letter(creditor=LONG_CREDITOR), tmp_path / "l.pdf")
    sender = [
        (words, box)
        for words, box in _boxes(result.path)
        if words.startswith("Schweizerische") and 45 < box[1] < 60
    ]
    assert sender and all(_inside(box, WINDOW) for _, box in sender)
    # the name gives way to the street and town, which a return address is for
    assert sender[0][0].endswith("…, Bahnhofstrasse 1, 8001 Zürich"), sender


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("currency", ["CHF", "EUR"])
def test_every_chf_and_eur_letter_carries_a_qr_bill_that_decodes(
    case: str, currency: str, tmp_path: Path
) -> None:
    letter = sample_letter(address=CASES[case][0], creditor=LONG_CREDITOR, currency=currency)
    result = render_letter(letter, tmp_path / "l.pdf")
    codes = read_qr(result.path, preview=f"layout-{case}-{currency}")
    assert len(codes) == 1 and payload_of(codes[0]) == result.qr_payload


def test_an_address_that_cannot_fit_is_shortened_with_a_warning(tmp_path: Path) -> None:
    address = dataclasses.replace(
        LONG_SWISS,
        extra="Abteilung Finanz- und Rechnungswesen, Kreditorenbuchhaltung Region Ost, "
        "z. H. Frau Dr. Anna-Barbara Zimmermann-Hürlimann, Büro 3. Stock links",
    )
    result = render_letter(sample_letter(address=address), tmp_path / "l.pdf")
    assert result.warning is not None and "envelope window" in result.warning
    words = [w for w, box in _boxes(result.path) if _inside(box, WINDOW)]
    assert "8595 Altnau-Kesswil-Uttwil am Bodensee" in words


def test_a_name_too_long_for_the_qr_bill_is_cut_after_a_whole_word(tmp_path: Path) -> None:
    result = render_letter(sample_letter(address=LONG_SWISS), tmp_path / "l.pdf")
    name = payload_of(read_qr(result.path)[0]).split("\r\n")[21]
    assert len(name) <= 70 and LONG_SWISS.name.startswith(name)
    assert LONG_SWISS.name[len(name)] == " "


def test_a_person_is_addressed_as_swiss_post_shows_it(tmp_path: Path) -> None:
    letter = sample_letter(
        address=Address(
            name="Hans Schweizer",
            street="Gerechtigkeitsgasse",
            house_num="10",
            pcode="3011",
            city="Bern",
        )
    )
    debtor = dataclasses.replace(letter.debtor, salutation="Herr", last_name="Schweizer")
    result = render_letter(dataclasses.replace(letter, debtor=debtor), tmp_path / "l.pdf")
    window = [w for w, box in _boxes(result.path) if _inside(box, WINDOW)][1:]  # after sender
    assert window == ["Herr", "Hans Schweizer", "Gerechtigkeitsgasse 10", "3011 Bern"]


def test_a_courtesy_line_gives_way_before_any_delivery_line(tmp_path: Path) -> None:
    extra = "Abteilung Finanz- und Rechnungswesen, Kreditorenbuchhaltung Ost"
    letter = sample_letter(address=dataclasses.replace(LONG_SWISS, extra=extra))
    debtor = dataclasses.replace(letter.debtor, salutation="Frau", last_name="Hürlimann")
    result = render_letter(dataclasses.replace(letter, debtor=debtor), tmp_path / "l.pdf")
    window = [w for w, box in _boxes(result.path) if _inside(box, WINDOW)]
    assert "Frau" not in window and result.warning is None
    assert window[-2:] == ["Obere Kirchgasse und Untere Bahnhofstrasse 112b", LONG_SWISS_PLACE]
