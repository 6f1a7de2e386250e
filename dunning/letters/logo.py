"""The creditor's logo: a PNG or JPEG image, or an SVG drawn as vectors. Whether a file is
one the letters can print is asked when the policy loads."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.lib.utils import ImageReader

from dunning.letters.pdfa import BOLD, REG

__all__ = ["logo_problem", "is_svg", "svg_logo", "SvgError"]


class SvgError(ValueError):
    """An SVG file that cannot be drawn; the message says why."""


def is_svg(path: Path) -> bool:
    """An SVG file, by its name or its first bytes."""
    if path.suffix.lower() in (".svg", ".svgz"):
        return True
    try:
        with open(path, "rb") as file:
            head = file.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith((b"<?xml", b"<svg", b"<!DOCTYPE svg")) or b"<svg" in head


def logo_problem(path: Path) -> str | None:
    """What keeps the file from being printed as a logo, or None: a PNG or JPEG must
    decode to its last pixel (a cut-off file does not), an SVG must have a size svglib
    reads."""
    if is_svg(path):
        try:
            svg_logo(path)
        except SvgError as exc:
            return str(exc)
        return None
    with open(path, "rb") as file:
        head = file.read(8)
    if not head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or not _decodes(path):
        return f"{path} is not a PNG, JPEG or SVG image that can be read"
    return None


def _decodes(path: Path) -> bool:
    try:
        image = ImageReader(str(path))
        width, height = (int(side) for side in image.getSize())
        image.getRGBData()
    except (OSError, ValueError, SyntaxError):  # what the image library raises for bad data
        return False
    return width > 0 and height > 0


@lru_cache(maxsize=4)
def svg_logo(path: Path) -> Drawing:
    """The SVG as a reportlab drawing whose text uses the letters' embedded fonts (a
    PDF/A file may not name a font it does not carry)."""
    quiet = logging.getLogger("svglib")
    level, quiet.level = quiet.level, logging.CRITICAL  # its warnings are not the user's
    try:
        drawing = _read(path)
    finally:
        quiet.level = level
    if drawing is None or not drawing.width or not drawing.height:
        raise SvgError(f"{path} is not an SVG image that can be read (no width and height)")
    _embedded_fonts(drawing)
    drawing.initialFontName = REG
    return drawing


def _read(path: Path) -> Drawing | None:
    from svglib.svglib import svg2rlg  # only a policy with an SVG logo loads svglib

    try:
        found: Drawing | None = svg2rlg(str(path))
    except Exception as exc:  # noqa: BLE001 - svglib and lxml raise many kinds for bad files
        raise SvgError(f"{path} is not an SVG image that can be read ({exc})") from None
    return found


def _embedded_fonts(node: object) -> None:
    if isinstance(node, String):
        node.fontName = BOLD if "bold" in str(node.fontName).lower() else REG
    if isinstance(node, Group | Drawing):
        for child in node.contents:
            _embedded_fonts(child)
