"""Letters and the merged file are PDF/A-2b as far as the file itself shows: every font
embedded, XMP metadata naming PDF/A-2 conformance B and repeating the document
information, an sRGB output intent, the letter's language and the run's time."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

import dunning.letters.merge as merge
from dunning.letters import merge_letters, render_letter
from dunning.letters.samples import sample_letter

STARTED = datetime(2026, 11, 30, 6, 0, 2, tzinfo=ZoneInfo("Europe/Zurich"))
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
_XMP = "{http://ns.adobe.com/xap/1.0/}"


def _fonts(reader: PdfReader) -> list[DictionaryObject]:
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts += [d.get_object() for d in font.get("/DescendantFonts", [font])]
    return fonts


def _xmp(reader: PdfReader) -> ET.Element:
    stream = reader.trailer["/Root"]["/Metadata"].get_object()
    assert "/Filter" not in stream, "PDF/A wants the XMP metadata unfiltered"
    return ET.fromstring(stream.get_data())


def _assert_pdfa_2b(path: Path, language: str) -> PdfReader:
    reader = PdfReader(path)
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
        assert "LiberationSans" in font["/BaseFont"]
    xmp = _xmp(reader)
    assert xmp.findtext(f".//{_PDFAID}part") == "2"
    assert xmp.findtext(f".//{_PDFAID}conformance") == "B"
    assert xmp.findtext(f".//{_XMP}CreateDate") == "2026-11-30T06:00:02+01:00"
    root = reader.trailer["/Root"]
    (intent,) = [i.get_object() for i in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.get_data()[36:40] == b"acsp"
    assert root["/Lang"] == language
    info = reader.metadata
    assert info is not None
    assert info["/CreationDate"] == "D:20261130060002+01'00'"
    assert info["/Producer"] == info["/Creator"] == "dunning"
    assert info["/Author"] == "Muster AG"
    return reader


@pytest.mark.parametrize(
    ("language", "tag"), [("de", "de-CH"), ("fr", "fr-CH"), ("it", "it-CH"), ("en", "en")]
)
def test_a_letter_is_pdfa_2b_in_its_language(tmp_path: Path, language: str, tag: str) -> None:
    letter = replace(sample_letter(7, language=language), created=STARTED)
    render_letter(letter, tmp_path / "letter.pdf")
    reader = _assert_pdfa_2b(tmp_path / "letter.pdf", tag)
    assert reader.metadata is not None and "RE-00007" in str(reader.metadata["/Title"])


def test_the_merged_file_is_pdfa_2b_and_keeps_one_copy_of_each_font(tmp_path: Path) -> None:
    parts = []
    for n, language in enumerate(("de", "fr", "it", "en", "de"), start=1):
        path = tmp_path / f"{n}.pdf"
        render_letter(replace(sample_letter(n, language=language), created=STARTED), path)
        parts.append((path, f"RE-{n}"))
    out = tmp_path / "letters.pdf"
    merge_letters(
        parts, out, title="Mahnlauf 30.11.2026", language="de", author="Muster AG", created=STARTED
    )
    reader = _assert_pdfa_2b(out, "de-CH")
    assert len(reader.pages) == 5
    programs = {
        f["/FontDescriptor"].get_object().raw_get("/FontFile2").idnum for f in _fonts(reader)
    }
    assert len(programs) == 2, "regular and bold, each written once"
    assert out.stat().st_size < 3 * (tmp_path / "1.pdf").stat().st_size


def test_a_merge_longer_than_it_remembers_objects_keeps_one_copy_of_each_font(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large run's merge remembers only its most recent objects: those every letter
    # uses, the fonts, stay remembered and are still written once. Twelve letters give
    # more objects than these 16.
    monkeypatch.setattr(merge, "_SHARED", 16)
    parts = []
    for n in range(1, 13):
        path = tmp_path / f"{n}.pdf"
        render_letter(replace(sample_letter(n), created=STARTED), path)
        parts.append((path, f"RE-{n}"))
    out = tmp_path / "letters.pdf"
    merge_letters(parts, out, title="Mahnlauf", language="de", created=STARTED)
    reader = PdfReader(out)
    assert len(reader.pages) == 12
    programs = {
        f["/FontDescriptor"].get_object().raw_get("/FontFile2").idnum for f in _fonts(reader)
    }
    assert len(programs) == 2, "regular and bold, each written once"
