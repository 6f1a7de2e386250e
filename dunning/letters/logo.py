"""Whether a logo file is an image the letters can print, asked when the policy loads."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.utils import ImageReader

__all__ = ["logo_decodes"]


def logo_decodes(path: Path) -> bool:
    """True for a PNG or JPEG whose every pixel decodes (a cut-off file does not)."""
    try:
        image = ImageReader(str(path))
        width, height = (int(side) for side in image.getSize())
        image.getRGBData()
    except (OSError, ValueError, SyntaxError):  # what the image library raises for bad data
        return False
    return width > 0 and height > 0
