"""The run's merged file, the batch renderer and the letters' file names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from dunning.letters import (
    bookmark_title,
    letter_file_name,
    merge_letters,
    render_letter,
    render_letters,
)
from dunning.letters.samples import sample_letter

RUN_START = datetime(2026, 11, 30, 6, 0, 2, tzinfo=UTC)  # the run the merge belongs to


def test_merged_file_has_one_bookmark_per_letter_pointing_at_its_first_page(tmp_path: Path) -> None:
    long_body = "\n\n".join(["Bitte beachten Sie unsere Zahlungsbedingungen. " * 8] * 6)
    letters = [
        sample_letter(n, language=lang, body=long_body if n == 2 else None)
        for n, lang in enumerate(["de", "fr", "de", "it", "en"], start=1)
    ]
    parts = []
    for letter in letters:
        result = render_letter(
            letter, tmp_path / letter_file_name(letter.invoice.document_nr, letter.level)
        )
        parts.append((result.path, bookmark_title(letter)))
    out = tmp_path / "letters.pdf"
    pages = merge_letters(
        iter(parts), out, title="Mahnlauf 30.11.2026", language="de", created=RUN_START
    )

    reader = PdfReader(out)
    assert pages == len(reader.pages) == 6  # the second letter has two pages
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert outline == [
        (title, page) for (_, title), page in zip(parts, [0, 1, 3, 4, 5], strict=False)
    ]
    for (_, title), page in zip(parts, [0, 1, 3, 4, 5], strict=False):
        assert title.split(" · ")[0] in reader.pages[page].extract_text()
    assert reader.metadata.title == "Mahnlauf 30.11.2026"
    assert reader.trailer["/Root"]["/Lang"] == "de-CH"

    doc = pdfium.PdfDocument(str(out))
    try:
        assert len(doc) == 6
        assert [(b.get_title(), b.get_dest().get_index()) for b in doc.get_toc()] == outline
    finally:
        doc.close()


def test_bookmark_title_names_document_debtor_and_level() -> None:
    assert bookmark_title(sample_letter(42)) == "RE-00042 · Beispiel GmbH · 1. Mahnung"


def test_batch_rendering_on_two_processes_keeps_the_input_order(tmp_path: Path) -> None:
    letters = [
        (sample_letter(n, language=["de", "fr", "it", "en"][n % 4]), tmp_path / f"{n}.pdf")
        for n in range(1, 41)
    ]
    results = render_letters(letters, processes=2)
    assert [r.path for r in results] == [path for _, path in letters]
    assert all(
        r.qr_payload and f"RE-{n:05d}" in r.qr_payload for n, r in enumerate(results, start=1)
    )
    single = render_letters(letters[:3], processes=1)
    assert [r.qr_payload for r in single] == [r.qr_payload for r in results[:3]]


@pytest.mark.parametrize(
    ("number", "level", "expected"),
    [
        ("RE-00042", 1, "RE-00042-L1.pdf"),
        ("RE-2026/0042", 1, "RE-2026_0042-L1.pdf"),
        ("RE 7", 3, "RE_7-L3.pdf"),
    ],
)
def test_plain_document_numbers_give_readable_file_names(
    number: str, level: int, expected: str
) -> None:
    assert letter_file_name(number, level) == expected


@pytest.mark.parametrize(
    "number",
    [
        "../RE-9",
        "..\\..\\etc\\passwd",
        "/abs/RE",
        ".hidden",
        "RE\x00-1",
        "",
        "..",
        "RÉ:1?*",
        "x" * 500,
        "CON",
        "a/../../b",
    ],
)
def test_unsafe_document_numbers_stay_inside_the_run_folder(number: str, tmp_path: Path) -> None:
    name = letter_file_name(number, 2)
    assert name.endswith("-L2.pdf") and len(name) <= 120
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and name.split(".")[0].upper() != "CON"
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()


def test_altered_document_numbers_stay_distinct() -> None:
    numbers = ["RÉ-1", "RÈ-1", "R?-1", "R*-1", "x" * 300, "x" * 301, "", "..", "../RE-9", "RE-9"]
    names = [letter_file_name(n, 1) for n in numbers]
    assert len(set(names)) == len(names)


def test_a_merge_that_fails_leaves_the_earlier_merged_file_whole(tmp_path: Path) -> None:
    letter = sample_letter(1)
    (tmp_path / "letters").mkdir()
    part = render_letter(letter, tmp_path / "letters" / "RE-1-1-L1.pdf").path
    out = tmp_path / "letters.pdf"
    merge_letters([(part, "RE-1")], out, title="Mahnlauf", language="de", created=RUN_START)
    before = out.read_bytes()

    with pytest.raises(FileNotFoundError):
        merge_letters(
            [(part, "RE-1"), (tmp_path / "letters" / "gone.pdf", "RE-2")],
            out,
            title="Mahnlauf",
            language="de",
            created=RUN_START,
        )

    assert out.read_bytes() == before
    assert len(PdfReader(out).pages) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letters", "letters.pdf"]


@pytest.mark.parametrize(
    ("number", "invoice_id", "level", "expected"),
    [
        ("RE-77", 5, 1, "RE-77-5-L1.pdf"),
        ("RE-77", 6, 1, "RE-77-6-L1.pdf"),
        ("5", 9, 2, "5-9-L2.pdf"),
        ("9", 9, 2, "9-9-L2.pdf"),
    ],
)
def test_a_run_names_each_letter_after_its_invoice(
    number: str, invoice_id: int, level: int, expected: str
) -> None:
    from dunning.letter_plan import run_letter_name

    assert run_letter_name(number, invoice_id, level) == expected
