"""A small but real one-page PDF, written by hand: what the sandbox's `/pdf` routes return.

bexio renders its own documents; the sandbox only needs a file that PDF readers open and that
names the document, so a few hundred bytes of hand-made PDF are enough and cost nothing.
"""

from __future__ import annotations

__all__ = ["one_page_pdf"]


def _pdf_text(text: str) -> bytes:
    """A PDF string literal in WinAnsi encoding (what the standard Helvetica font expects)."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def one_page_pdf(lines: list[str]) -> bytes:
    """An A4 page showing `lines` in Helvetica, top left."""
    content = b"BT /F1 12 Tf 72 770 Td 16 TL\n"
    content += b"".join(_pdf_text(line) + b" '\n" for line in lines) + b"ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)
