"""Merges the letter PDFs of a run into one file, one bookmark per letter, streaming.

`PdfWriter.append` keeps every page of the run in memory until the end. Here each input
file is read, its page objects are written to the output at once under new object
numbers, and the reader is closed; what stays in memory is one offset per object, one
id per page and the bookmarks (their titles in one buffer). An object whose bytes (its
references renumbered) were written before is that object: the fonts every letter embeds
are written once. Only the objects used most recently are remembered so (`_SHARED`):
those every letter uses stay, those of one letter alone leave, and a run of any size
holds a bounded number.

The file is PDF/A-2b as the letters are: their fonts come embedded, and the catalog gets
XMP metadata and an sRGB output intent of its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import multiprocessing
import os
import re
import secrets
import time
import zlib
from array import array
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeAlias

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
    create_string_object,
)

from dunning.letters.recent import Recent
from dunning.letters.xmp import PRODUCER, DocInfo, icc_profile, lang_tag, pdf_date, xmp_packet

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext, SpawnContext

    # The contexts the letters start processes from (a fork server, or spawn on Windows).
    StartContext: TypeAlias = ForkServerContext | SpawnContext

__all__ = ["merge_letters", "BackgroundMerge"]

_CATALOG, _PAGES, _OUTLINES, _INFO, _METADATA, _INTENT, _PROFILE = 1, 2, 3, 4, 5, 6, 7
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_SHORT = 512  # bytes; a longer object is looked up by its digest
_SHARED = 4096  # objects remembered for sharing, a few hundred letters' worth


class _StreamingWriter:
    def __init__(self, out: BinaryIO):
        self.out = out
        self.offsets = array("q", [0] * (_PROFILE + 1))
        self.page_ids = array("q")
        self.shared: Recent[bytes, int] = Recent(_SHARED)
        self.local: dict[tuple[int, int], int] = {}
        self.reader: PdfReader | None = None
        self.data = b""
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _alloc(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _write(self, obj_id: int, body: bytes) -> None:
        self.offsets[obj_id] = self.out.tell()
        self.out.write(b"%d 0 obj\n%s\nendobj\n" % (obj_id, body))

    def add_file(self, path: Path) -> int | None:
        """Copy the pages of one PDF; returns the id of its first page (None if empty)."""
        self.local = {}
        self.data = Path(path).read_bytes()
        stream = io.BytesIO(self.data)
        reader = self.reader = PdfReader(stream)
        first = None
        for page in reader.pages:
            page_dict = DictionaryObject(page)
            for key in _INHERITED:
                if key not in page_dict and (value := _inherited(page, key)) is not None:
                    page_dict[NameObject(key)] = value
            page_id = self._alloc()
            body, _ = self._serialize(page_dict)
            self._write(page_id, body)
            self.page_ids.append(page_id)
            first = first if first is not None else page_id
        # The reader and its objects refer to each other: closed (and its copy of the
        # file with it), it lets its objects and the file's bytes go at once instead of
        # at the garbage collector's next full pass, dozens of letters later.
        reader.close()
        stream.close()
        self.reader, self.data = None, b""
        return first

    def _ref(self, ind: IndirectObject) -> tuple[int, bool]:
        key = (ind.idnum, ind.generation)
        known = self.local.get(key)
        if known is not None:
            if known == 0:  # a cycle: the object refers back to itself
                known = self.local[key] = self._alloc()
            return known, True
        # An object without references whose text was copied before is not parsed again
        # (the fonts' widths arrays: hundreds of numbers in every letter).
        leaf = self._leaf_text(ind)
        if leaf is not None and (known := self.shared.get(leaf)) is not None:
            self.local[key] = known
            return known, True
        self.local[key] = 0
        body, _ = self._serialize(ind.get_object())
        obj_id = self.local[key]
        # An object written before with the same bytes (its references already renumbered)
        # is that object: fonts, their programs and the output intent are written once.
        # One that takes part in a cycle has its number already and stays its own.
        share = _share_key(body) if obj_id == 0 else None
        if share is not None and (shared := self.shared.get(share)) is not None:
            self.local[key] = shared
            return shared, True
        obj_id = obj_id or self._alloc()
        self.local[key] = obj_id
        self._write(obj_id, body)
        if share is not None:
            self.shared[share] = obj_id
        if leaf is not None:
            self.shared[leaf] = obj_id
        return obj_id, True

    def _leaf_text(self, ind: IndirectObject) -> bytes | None:
        """A key for the object's text in its file when it has no references, else None."""
        offset = self.reader.xref.get(ind.generation, {}).get(ind.idnum) if self.reader else None
        if not isinstance(offset, int):
            return None
        start = self.data.find(b"obj", offset, offset + 32)
        end = self.data.find(b"endobj", start)
        if start < 0 or end < 0:
            return None
        text = self.data[start + 3 : end].strip()
        if len(text) > 4096 or b"stream" in text or _A_REFERENCE.search(text):
            return None
        return b"leaf:" + hashlib.sha256(text).digest()

    def _serialize(self, obj: PdfObject | None) -> tuple[bytes, bool]:
        buf = io.BytesIO()
        has_refs = self._emit(obj, buf)
        return buf.getvalue(), has_refs

    def _emit(self, obj: PdfObject | None, buf: io.BytesIO) -> bool:
        if isinstance(obj, IndirectObject):
            buf.write(b"%d 0 R" % self._ref(obj)[0])
            return True
        if isinstance(obj, StreamObject):
            refs = self._emit_dict(obj, buf, {"/Length": b"%d" % len(obj._data)})
            # The encoded bytes are copied as they are: no decoding, no re-compression.
            buf.write(b"\nstream\n" + obj._data + b"\nendstream")
            return refs
        if isinstance(obj, DictionaryObject):
            return self._emit_dict(obj, buf, {})
        if isinstance(obj, ArrayObject):
            buf.write(b"[")
            refs = False
            for item in obj:
                buf.write(b" ")
                refs = self._emit(item, buf) or refs
            buf.write(b" ]")
            return refs
        if obj is None:
            buf.write(b"null")
            return False
        obj.write_to_stream(buf)
        return False

    def _emit_dict(self, obj: DictionaryObject, buf: io.BytesIO, fixed: dict[str, bytes]) -> bool:
        is_page = obj.get("/Type") == "/Page"
        buf.write(b"<<")
        refs = False
        for key, value in obj.items():
            if key in fixed or (key == "/Parent" and not is_page):
                continue
            buf.write(b"\n")
            NameObject(key).write_to_stream(buf)
            buf.write(b" ")
            if key == "/Parent":
                buf.write(b"%d 0 R" % _PAGES)
            else:
                refs = self._emit(value, buf) or refs
        for key, raw in fixed.items():
            buf.write(b"\n" + key.encode("ascii") + b" " + raw)
        buf.write(b"\n>>")
        return refs

    def finish(self, outlines: _Bookmarks, info: DocInfo) -> None:
        first_item = len(self.offsets)
        for i, (title, page_id) in enumerate(outlines):
            item_id = self._alloc()
            links = b"/Parent %d 0 R" % _OUTLINES
            if i > 0:
                links += b" /Prev %d 0 R" % (item_id - 1)
            if i < len(outlines) - 1:
                links += b" /Next %d 0 R" % (item_id + 1)
            self._write(
                item_id,
                b"<< /Title %s %s /Dest [ %d 0 R /Fit ] >>" % (title, links, page_id),
            )
        kids = b" ".join(b"%d 0 R" % p for p in self.page_ids)
        self._write(
            _PAGES, b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self.page_ids), kids)
        )
        if outlines:
            self._write(
                _OUTLINES,
                b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>"
                % (first_item, len(self.offsets) - 1, len(outlines)),
            )
        else:
            self._write(_OUTLINES, b"<< /Type /Outlines /Count 0 >>")
        self._write(
            _CATALOG,
            b"<< /Type /Catalog /Pages %d 0 R /Outlines %d 0 R /PageMode /UseOutlines "
            b"/Lang %s /Metadata %d 0 R /OutputIntents [ %d 0 R ] >>"
            % (_PAGES, _OUTLINES, _string(info.language), _METADATA, _INTENT),
        )
        self._pdfa(info)
        self._trailer(info.title)

    def _pdfa(self, info: DocInfo) -> None:
        """The document information, its XMP copy and the output intent."""
        when = _string(pdf_date(info.created))
        self._write(
            _INFO,
            b"<< /Title %s /Author %s /Subject %s /Creator (%s) /Producer (%s) "
            b"/CreationDate %s /ModDate %s >>"
            % (
                _string(info.title),
                _string(info.author),
                _string(info.subject),
                PRODUCER.encode(),
                PRODUCER.encode(),
                when,
                when,
            ),
        )
        packet = xmp_packet(info)
        self._write(
            _METADATA,
            b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream"
            % (len(packet), packet),
        )
        self._write(
            _INTENT,
            b"<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB) "
            b"/Info (sRGB IEC61966-2.1) /DestOutputProfile %d 0 R >>" % _PROFILE,
        )
        profile = zlib.compress(icc_profile())
        self._write(
            _PROFILE,
            b"<< /N 3 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
            % (len(profile), profile),
        )

    def _trailer(self, title: str) -> None:
        xref_at = self.out.tell()
        size = len(self.offsets)
        self.out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for start in range(1, size, 4096):
            self.out.write(
                b"".join(b"%010d 00000 n \n" % off for off in self.offsets[start : start + 4096])
            )
        file_id = hashlib.md5(f"{title}/{size}/{xref_at}".encode()).hexdigest().encode()
        self.out.write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [ <%s> <%s> ] >>\n"
            b"startxref\n%d\n%%%%EOF\n" % (size, _CATALOG, _INFO, file_id, file_id, xref_at)
        )


_A_REFERENCE = re.compile(rb"\d\s+\d+\s+R\b")


def _share_key(body: bytes) -> bytes:
    return body if len(body) <= _SHORT else hashlib.sha256(body).digest()


def _inherited(page: DictionaryObject, key: str) -> PdfObject | None:
    node = page.get("/Parent")
    for _ in range(64):  # a page tree deeper than this is broken
        if node is None:
            return None
        node = node.get_object()
        if key in node:
            found: PdfObject = node.raw_get(key)
            return found
        node = node.get("/Parent")
    return None


class _Bookmarks:
    """The bookmarks of a merged file in order: each title as the PDF string it is written
    as, all in one buffer, with the number of its page. A run of 100,000 letters holds a
    few bytes more than its titles, not three objects per letter."""

    def __init__(self) -> None:
        self._titles = bytearray()
        self._ends = array("q")
        self._pages = array("q")

    def append(self, title: str, page_id: int) -> None:
        self._titles += _string(title)
        self._ends.append(len(self._titles))
        self._pages.append(page_id)

    def __len__(self) -> int:
        return len(self._pages)

    def __iter__(self) -> Iterator[tuple[bytes, int]]:
        start = 0
        for end, page_id in zip(self._ends, self._pages, strict=True):
            yield bytes(self._titles[start:end]), page_id
            start = end


def _string(text: str) -> bytes:
    buf = io.BytesIO()
    create_string_object(text).write_to_stream(buf)
    return buf.getvalue()


def merge_letters(
    parts: Iterable[tuple[Path, str]],
    out_path: Path,
    *,
    title: str,
    language: str,
    author: str = "",
    created: datetime,
) -> int:
    """Write every (file, bookmark) in order into `out_path`; returns the pages written.

    `language` is the document language, e.g. "de-CH" (a bare "de" becomes "de-CH");
    `author` the creditor; `created` the run's start, timezone-aware (the core reads no clock).
    """
    outlines = _Bookmarks()
    with _replacing(Path(out_path)) as out:
        writer = _StreamingWriter(out)
        for path, bookmark in parts:
            first = writer.add_file(path)
            if first is not None:
                outlines.append(bookmark, first)
        writer.finish(outlines, _info(title, language, author, created))
    return len(writer.page_ids)


@contextlib.contextmanager
def _replacing(out_path: Path, partial: Path | None = None) -> Iterator[BinaryIO]:
    """A file that takes the name `out_path` only once it is complete: it is written under
    a temporary name in the same folder and renamed, so `out_path` is always either the
    earlier file or the whole new one. On an error the temporary file is removed."""
    partial = partial or partial_path(out_path)
    try:
        with open(partial, "wb") as out:
            yield out
        os.replace(partial, out_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def partial_path(out_path: Path) -> Path:
    """Where a merged file is written before it is renamed: the same folder (a rename
    there is atomic), a hidden name that no other writer picks."""
    return out_path.with_name(f".{out_path.name}.{secrets.token_hex(4)}.part")


def _info(title: str, language: str, author: str, created: datetime) -> DocInfo:
    return DocInfo(title=title, author=author, language=lang_tag(language), created=created)


class BackgroundMerge:
    """`merge_letters` in a process of its own, fed letters in order while they are being
    rendered, so that only the end of the file is left to write when the last one is done.

    `append` the parts in their final order, then `finish` (returns the pages written), or
    `cancel` (the file is then incomplete: merge again). `context` is a multiprocessing
    context whose processes are safe to start from the caller (e.g. a fork server).
    """

    def __init__(self, out_path: Path, context: StartContext) -> None:
        self._inbox = context.Queue()  # never blocks the sender, even if the merge failed
        self._outbox = context.SimpleQueue()
        self._partial = partial_path(Path(out_path))
        self._process = context.Process(
            target=_merge_in_background,
            name="letters-merge",
            args=(Path(out_path), self._partial, self._inbox, self._outbox),
            daemon=True,
        )
        self._process.start()

    def append(self, parts: list[tuple[Path, str]]) -> None:
        self._inbox.put(("add", [(Path(p), t) for p, t in parts]))

    def finish(self, *, title: str, language: str, created: datetime, author: str = "") -> int:
        self._inbox.put(("finish", _info(title, language, author, created)))
        while self._outbox.empty():
            if not self._process.is_alive() and self._outbox.empty():
                self.cancel()
                raise RuntimeError("the merge of the letters stopped without an answer")
            time.sleep(0.02)
        answer = self._outbox.get()
        self._process.join()
        if answer[0] != "done":
            raise RuntimeError(f"the merge of the letters failed: {answer[1]}")
        pages: int = answer[1]
        return pages

    def cancel(self) -> None:
        self._inbox.cancel_join_thread()  # what is still queued may be dropped
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._partial.unlink(missing_ok=True)  # a stopped merge leaves no half file


def _merge_in_background(
    out_path: Path,
    partial: Path,
    inbox: multiprocessing.Queue[tuple[Any, ...]],
    outbox: multiprocessing.SimpleQueue[tuple[Any, ...]],
) -> None:
    if hasattr(os, "nice"):
        os.nice(10)  # like the render processes: background work yields to the caller
    try:
        with _replacing(out_path, partial) as out:
            writer = _StreamingWriter(out)
            outlines = _Bookmarks()
            while (message := inbox.get())[0] == "add":
                for path, bookmark in message[1]:
                    first = writer.add_file(path)
                    if first is not None:
                        outlines.append(bookmark, first)
            writer.finish(outlines, message[1])
        outbox.put(("done", len(writer.page_ids)))
    except Exception as exc:  # noqa: BLE001 - reported to the caller, who merges again
        outbox.put(("error", f"{type(exc).__name__}: {exc}"))
