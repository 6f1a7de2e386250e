"""A mapping whose values wait in a temporary file: what a run keeps per invoice until its
end (each letter's facts, each invoice's result) without a large run holding them all.

In memory a shelf keeps only where each value starts in its file. A value is pickled
when given and read back each time it is asked for; giving a key a new value appends it
and the key keeps its place in the order. The file is our own, written by this process
and deleted when the shelf is let go (or the process ends).
"""

from __future__ import annotations

import os
import pickle
import struct
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator, MutableMapping
from typing import TypeVar, cast

__all__ = ["Shelf"]

V = TypeVar("V")

_LENGTH = struct.Struct("<I")  # each value's pickle is preceded by its length


class Shelf(MutableMapping[int, V]):
    """Values by integer key (an invoice id), in the order their keys were first given."""

    def __init__(self, items: Iterable[tuple[int, V]] = ()) -> None:
        self._file = tempfile.TemporaryFile(prefix="dunning-shelf-")
        # Closed (and so deleted) when the shelf is let go: a run hands its shelves on
        # without saying which holder is the last.
        self.close = weakref.finalize(self, self._file.close)
        self._starts: dict[int, int] = {}  # key -> where its latest value starts
        self._end = 0
        self._lock = threading.Lock()  # two values given at once never share a place
        for key, value in items:
            self[key] = value

    def __setitem__(self, key: int, value: V) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        record = _LENGTH.pack(len(data)) + data
        with self._lock:
            start = self._end
            written = 0
            while written < len(record):
                written += os.pwrite(self._file.fileno(), record[written:], start + written)
            self._end += len(record)
            self._starts[key] = start

    def __getitem__(self, key: int) -> V:
        start = self._starts[key]
        fd = self._file.fileno()
        (length,) = _LENGTH.unpack(_read(fd, _LENGTH.size, start))
        # Our own file, written by this process just before: safe to unpickle.
        return cast(V, pickle.loads(_read(fd, length, start + _LENGTH.size)))  # noqa: S301

    def __delitem__(self, key: int) -> None:
        del self._starts[key]  # its bytes stay in the file until the shelf goes

    def __contains__(self, key: object) -> bool:
        return key in self._starts  # without reading the value

    def __iter__(self) -> Iterator[int]:
        return iter(list(self._starts))  # keys given meanwhile are not seen

    def __len__(self) -> int:
        return len(self._starts)


def _read(fd: int, size: int, start: int) -> bytes:
    data = os.pread(fd, size, start)
    while len(data) < size:  # a short read: ask again for the rest
        more = os.pread(fd, size - len(data), start + len(data))
        if not more:
            raise OSError(f"a shelf's file ended at {start + len(data)}, {size} bytes expected")
        data += more
    return data
