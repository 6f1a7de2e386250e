"""The PDF/A-2b metadata of a letter and of the merged file: the XMP packet that repeats
the document information, and the sRGB profile of the output intent. Free of reportlab,
so that the merge process does not load it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["DocInfo", "pdf_date", "xmp_packet", "icc_profile", "lang_tag"]

PRODUCER = "dunning"
_TAGS = {"de": "de-CH", "fr": "fr-CH", "it": "it-CH", "en": "en"}


def lang_tag(language: str) -> str:
    """The language of a document as PDF names it: `de-CH`, `fr-CH`, `it-CH`, `en`."""
    return language if "-" in language else _TAGS.get(language, f"{language}-CH")


@lru_cache(maxsize=1)
def icc_profile() -> bytes:
    """The sRGB profile of the output intent."""
    return (Path(__file__).resolve().parent / "color" / "sRGB.icc").read_bytes()


@dataclass(frozen=True)
class DocInfo:
    """The document information of a file, repeated in its XMP metadata."""

    title: str
    author: str
    language: str  # e.g. "de-CH"
    created: datetime  # timezone-aware
    subject: str = ""


def pdf_date(when: datetime) -> str:
    """`D:20261130060002+01'00'`, as the document information writes a date."""
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"D:{when:%Y%m%d%H%M%S}{sign}{hours:02d}'{mins:02d}'"


def xmp_packet(info: DocInfo) -> bytes:
    """The XMP metadata of a PDF/A-2b file: the same title, author, dates and producer as
    the document information, and the PDF/A identification."""
    when = info.created.isoformat(timespec="seconds")
    lang = escape(info.language)
    subject = escape(info.subject)
    text = f"""<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>
<x:xmpmeta xmlns:x='adobe:ns:meta/'>
<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
<rdf:Description rdf:about='' xmlns:pdfaid='http://www.aiim.org/pdfa/ns/id/'>
<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/'>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>{escape(info.title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{escape(info.author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>{subject}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
</rdf:Description>
<rdf:Description rdf:about='' xmlns:xmp='http://ns.adobe.com/xap/1.0/'>
<xmp:CreateDate>{when}</xmp:CreateDate><xmp:ModifyDate>{when}</xmp:ModifyDate>
<xmp:MetadataDate>{when}</xmp:MetadataDate><xmp:CreatorTool>dunning</xmp:CreatorTool>
</rdf:Description>
<rdf:Description rdf:about='' xmlns:pdf='http://ns.adobe.com/pdf/1.3/'>
<pdf:Producer>dunning</pdf:Producer><pdf:Keywords></pdf:Keywords>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end='w'?>"""
    return text.encode("utf-8")
