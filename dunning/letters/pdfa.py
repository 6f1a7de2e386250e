"""What makes a letter, and the merged file, PDF/A-2b: embedded fonts, XMP metadata that
repeats the document information, and an sRGB output intent.

The fonts are Liberation Sans (regular and bold), which the QR-bill style guide allows in
place of Arial or Helvetica; they ship in `fonts/` with their licence. reportlab embeds a
subset of each font in every file. To keep that cheap, every letter starts with the same
subset (the WinAnsi characters, to which the letters keep their text), so the font program is built and
compressed once per process and is the same in every letter: the merged file keeps one
copy. A character outside that set still prints; it only makes that letter's subset its own.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace
from reportlab.pdfgen.canvas import Canvas

from dunning.letters.xmp import DocInfo, icc_profile, xmp_packet

__all__ = ["REG", "BOLD", "prepare_canvas"]

_HERE = Path(__file__).resolve().parent
REG, BOLD = "LiberationSans", "LiberationSans-Bold"
# What the letters print (`fmt.pdf_text` keeps text within WinAnsi), beyond ASCII.
_SEED = "".join(map(chr, range(32, 127))) + bytes(range(0x80, 0x100)).decode(
    "cp1252", errors="ignore"
).replace("\xa0", "")


class _CachedFlate:
    """Flate compression that remembers its last results: the same font program is
    compressed once, not once per letter."""

    pdfname = "FlateDecode"

    def __init__(self) -> None:
        self._done: dict[bytes, bytes] = {}

    def encode(self, text: bytes | str) -> bytes:
        data = text.encode("utf8") if isinstance(text, str) else text
        found = self._done.get(data)
        if found is None:
            found = zlib.compress(data)
            if len(self._done) > 16:
                self._done.clear()
            self._done[data] = found
        return found

    def decode(self, encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


_FLATE = _CachedFlate()


class _Face(TTFontFace):  # type: ignore[misc]
    """A font face whose subsets are built once per set of characters."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self._subsets: dict[tuple[int, ...], bytes] = {}

    def makeSubset(self, subset: list[int]) -> bytes:  # noqa: N802 - reportlab's name
        key = tuple(subset)
        found = self._subsets.get(key)
        if found is None:
            found = super().makeSubset(subset)
            if len(self._subsets) > 16:
                self._subsets.clear()
            self._subsets[key] = found
        return bytes(found)

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:  # noqa: N802
        ref = super().addSubsetObjects(doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{self.filename}({fontname})")
        if stream is not None and getattr(stream, "filters", None):
            stream.filters = [_FLATE]
        return ref


# Texts each cache of a font remembers before it starts again: the words and lines every
# letter repeats are found again at once, while the lines of each letter alone (names,
# amounts) no longer pile up in a render process over a large run.
_CACHED = 4_096


class _Font(TTFont):  # type: ignore[misc]
    """A TrueType font that remembers the widths of the texts it measured (the layout
    measures the same words many times) and writes its widths array once."""

    def __init__(self, name: str, filename: Path) -> None:
        super().__init__(name, str(filename))
        self.face = _Face(str(filename))
        self._widths: dict[str, float] = {}
        self._arrays: dict[tuple[int, ...], _Raw] = {}
        self._split: dict[str, list[tuple[int, bytes]]] = {}
        self._seeded = frozenset(map(ord, _SEED)) | {0xA0}  # printed as a space

    def seed(self, doc: Any) -> None:
        """Give the document the common subset, in the same order in every document."""
        self.splitString(_SEED, doc)
        self._assignState(doc).dunning_seeded = True

    def splitString(  # noqa: N802 - reportlab's name
        self, text: str | bytes, doc: Any, encoding: str = "utf-8"
    ) -> list[tuple[int, bytes]]:
        # In a seeded document a text of common characters always encodes the same way.
        seeded = isinstance(text, str) and getattr(self.state.get(doc), "dunning_seeded", False)
        if seeded and (found := self._split.get(text)) is not None:  # type: ignore[arg-type]
            return found
        result: list[tuple[int, bytes]] = super().splitString(text, doc, encoding)
        if seeded and self._seeded.issuperset(map(ord, text)):  # type: ignore[arg-type]
            if len(self._split) > _CACHED:
                self._split.clear()
            self._split[text] = result  # type: ignore[index]
        return result

    def stringWidth(self, text: str | bytes, size: float, encoding: str = "utf8") -> float:  # noqa: N802
        if isinstance(text, bytes):
            text = text.decode(encoding or "utf8")
        width = self._widths.get(text)
        if width is None:
            get, default = self.face.charWidths.get, self.face.defaultWidth
            width = float(sum(get(ord(char), default) for char in text))
            if len(self._widths) > _CACHED:
                self._widths.clear()
            self._widths[text] = width
        return 0.001 * size * width

    def addObjects(self, doc: Any) -> None:  # noqa: N802 - reportlab's name
        subsets = [tuple(subset) for subset in self._assignState(doc).subsets]
        names = [self.getSubsetInternalName(n, doc)[1:] for n in range(len(subsets))]
        super().addObjects(doc)
        fonts = doc.idToObject["BasicFonts"].dict
        for name, subset in zip(names, subsets, strict=True):
            if name in fonts:  # an object of its own, which the merge copies once
                fonts[name].Widths = doc.Reference(_Raw(self._widths_array(subset).data))
        for key, obj in doc.idToObject.items():
            if key.startswith("toUnicodeCMap:") and getattr(obj, "filters", None):
                obj.filters = [_FLATE]  # the same map in every letter: compressed once

    def _widths_array(self, subset: tuple[int, ...]) -> _Raw:
        found = self._arrays.get(subset)
        if found is None:
            widths = (self.face.getCharWidth(code) for code in subset)
            found = _Raw(b"[ " + b" ".join(b"%g" % w for w in widths) + b" ]")
            self._arrays[subset] = found
        return found


class _Raw(pdfdoc.PDFObject):  # type: ignore[misc]
    """A PDF value written once as bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


def _register() -> None:
    for name, file in ((REG, "LiberationSans-Regular.ttf"), (BOLD, "LiberationSans-Bold.ttf")):
        try:
            pdfmetrics.getFont(name)
        except KeyError:
            pdfmetrics.registerFont(_Font(name, _HERE / "fonts" / file))


_register()


class _Stamp:
    """reportlab's time stamp, set to the run's time instead of the clock's."""

    def __init__(self, when: datetime) -> None:
        offset = when.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        self.t = when.timestamp()
        self.lt = when.timetuple()
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh, self.dmm = int(minutes / 60), abs(minutes) % 60
        self.tzname = when.tzname()


def prepare_canvas(c: Canvas, info: DocInfo) -> None:
    """Make a new canvas write PDF/A-2b: the document information and its XMP copy, the
    output intent, and the fonts' common subset (before anything is drawn)."""
    doc = c._doc
    for name in (REG, BOLD):
        pdfmetrics.getFont(name).seed(doc)
    doc._timeStamp = _Stamp(info.created)
    c.setTitle(info.title)
    c.setAuthor(info.author)
    c.setSubject(info.subject)
    c.setCreator("dunning")
    c.setProducer("dunning")
    c.setKeywords("")
    doc.info.trapped = "False"
    metadata = _Metadata(xmp_packet(info))
    catalog = doc.Catalog
    catalog.Metadata = doc.Reference(metadata, "XMPMetadata")
    # The catalog writes only the keys it knows; the output intent is one more.
    catalog.__NoDefault__ = [*pdfdoc.PDFCatalog.__NoDefault__, "OutputIntents"]
    catalog.OutputIntents = pdfdoc.PDFArray([doc.Reference(_output_intent(), "OutputIntent")])


class _Metadata(pdfdoc.PDFObject):  # type: ignore[misc]
    """The XMP stream, unfiltered as PDF/A asks (reportlab's streams always name a filter)."""

    def __init__(self, packet: bytes) -> None:
        self.packet = packet

    def format(self, document: Any) -> bytes:
        head = b"<< /Length %d /Subtype /XML /Type /Metadata >>" % len(self.packet)
        return head + b"\nstream\n" + self.packet + b"\nendstream"


def _output_intent() -> pdfdoc.PDFDictionary:
    profile = pdfdoc.PDFStream(
        dictionary=pdfdoc.PDFDictionary({"N": 3}), content=icc_profile(), filters=[_FLATE]
    )
    return pdfdoc.PDFDictionary(
        {
            "Type": pdfdoc.PDFName("OutputIntent"),
            "S": pdfdoc.PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": pdfdoc.PDFString("sRGB"),
            "Info": pdfdoc.PDFString("sRGB IEC61966-2.1"),
            "DestOutputProfile": profile,
        }
    )
