"""The letterhead: the creditor's logo from the policy top left on page 1, or nothing at
all on letterhead paper; a logo that cannot be used stops the run when the policy loads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader

from dunning.letters import render_letter
from dunning.letters.samples import sample_letter
from dunning.policy_file import PolicyError, example_policy_path, load_policy
from tests.dunning.letters.letter_helpers import page_texts

MM = 72 / 25.4


def _policy(folder: Path, letters_lines: str) -> Path:
    lines = example_policy_path().read_text(encoding="utf-8").splitlines(keepends=True)
    # The example's own letterhead_paper line would clash with one the test sets.
    text = "".join(line for line in lines if not line.startswith("letterhead_paper"))
    text = text.replace("[letters]\n", f"[letters]\n{letters_lines}\n", 1)
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _logo(path: Path, size: tuple[int, int] = (600, 200)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 30, 40)).save(path)
    return path


def _first_page_objects(path: Path) -> list[tuple[str, tuple[float, float, float, float]]]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[0]
        return [(type(obj).__name__, obj.get_bounds()) for obj in page.get_objects()]
    finally:
        pdf.close()


def test_a_logo_beside_the_policy_is_printed_top_left_on_page_one(tmp_path: Path) -> None:
    _logo(tmp_path / "brand" / "logo.png")
    policy = load_policy(_policy(tmp_path, 'logo = "brand/logo.png"'))
    assert policy.letters.logo == tmp_path / "brand" / "logo.png"
    result = render_letter(replace(sample_letter(), logo=policy.letters.logo), tmp_path / "l.pdf")
    images = [box for kind, box in _first_page_objects(result.path) if kind == "PdfImage"]
    (left, bottom, right, top) = images[0]
    assert len(images) == 1
    assert abs(left - 22 * MM) < 1 and abs(top - (297 - 10) * MM) < 1
    assert abs((top - bottom) - 20 * MM) < 1 and abs((right - left) - 60 * MM) < 1
    assert "Muster AG" in page_texts(result.path)[0]


_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">
<rect width="100" height="100" rx="12" fill="#c81e28"/>
<text x="115" y="65" font-family="Arial" font-weight="bold" font-size="40">Brand</text>
</svg>"""


def test_an_svg_logo_is_drawn_as_vectors_top_left_with_embedded_fonts(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text(_SVG, encoding="utf-8")
    policy = load_policy(_policy(tmp_path, 'logo = "logo.svg"'))
    assert policy.letters.logo == tmp_path / "logo.svg"
    result = render_letter(replace(sample_letter(), logo=policy.letters.logo), tmp_path / "l.pdf")
    objects = _first_page_objects(result.path)
    assert not [kind for kind, _ in objects if kind == "PdfImage"]
    # The red square: 20 mm high (the logo's height), from 10 mm below the top edge.
    (square,) = [box for kind, box in objects if kind == "PdfObject" and _is_square(box)]
    left, bottom, right, top = square
    assert abs(left - 22 * MM) < 1 and abs(top - (297 - 10) * MM) < 1
    assert abs((top - bottom) - 20 * MM) < 1
    assert page_texts(result.path)[0].startswith("Brand")
    fonts = PdfReader(result.path).pages[0]["/Resources"]["/Font"].values()
    assert {str(f.get_object()["/BaseFont"]).split("+")[1] for f in fonts} == {
        "LiberationSans",
        "LiberationSans-Bold",
    }


def _is_square(box: tuple[float, float, float, float]) -> bool:
    left, bottom, right, top = box
    # A square in the upper half: the QR code at the bottom is one too.
    return abs((right - left) - (top - bottom)) < 0.5 and top - bottom > 10 * MM and top > 150 * MM


def test_letterhead_paper_leaves_the_letterhead_empty(tmp_path: Path) -> None:
    policy = load_policy(_policy(tmp_path, "letterhead_paper = true"))
    letter = replace(sample_letter(), letterhead_paper=policy.letters.letterhead_paper)
    result = render_letter(letter, tmp_path / "l.pdf")
    # Nothing above the return address line of the window (53.5 mm from the top).
    highest = max(top for _, (_, _, _, top) in _first_page_objects(result.path))
    assert highest < (297 - 50) * MM
    assert "Bahnhofstrasse 1, 8001 Zürich" in page_texts(result.path)[0]


@pytest.mark.parametrize(
    ("lines", "prepare", "message"),
    [
        ('logo = "logo.png"', None, "cannot be read from"),
        ('logo = "logo.png"', "text", "is not a PNG, JPEG or SVG image that can be read"),
        ('logo = "logo.png"', "broken", "is not a PNG, JPEG or SVG image that can be read"),
        ('logo = "logo.svg"', "svg", "is not an SVG image that can be read (no width"),
        ('logo = "logo.svg"', "bad svg", "is not an SVG image that can be read"),
        ("letterhead_paper = 1", None, "must be true or false"),
        ('logo = "../logo.png"', "png", "must stay in the policy file's folder"),
        ('logo = "logo.png"\nletterhead_paper = true', "png", "leave out letters.logo"),
    ],
)
def test_an_unusable_logo_is_bad_input_when_the_policy_loads(
    lines: str, prepare: str | None, message: str, tmp_path: Path
) -> None:
    if prepare == "text":
        (tmp_path / "logo.png").write_text("not an image", encoding="utf-8")
    elif prepare == "broken":
        data = _logo(tmp_path / "full.png").read_bytes()
        (tmp_path / "logo.png").write_bytes(data[:60])
    elif prepare == "svg":
        (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    elif prepare == "bad svg":
        (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect')
    elif prepare == "png":
        _logo(tmp_path / "logo.png")
    with pytest.raises(PolicyError) as caught:
        load_policy(_policy(tmp_path, lines))
    assert "letters." in str(caught.value) and message in str(caught.value)
    assert "Traceback" not in str(caught.value)
