"""Imported last by the fork server the letters' processes come from, never elsewhere.

The server has imported the renderer and the merge by now. It renders one letter in each
language, so that what the first letter of a process builds (the fonts' tables, the QR
code's encoder, the formats of each language) is built once here, and then freezes its
objects: the garbage collector of a process forked from it never walks them, so the
pages holding them stay shared with the server instead of being copied into every render
and merge process. Nor does a forked process run the caller's main module again.
"""

from __future__ import annotations

import contextlib
import gc
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from multiprocessing import spawn
from pathlib import Path
from typing import Any

from dunning.letters.merge import merge_letters
from dunning.letters.render import render_letter
from dunning.letters.samples import sample_letter
from dunning.policy import LANGUAGES


def _warm_up() -> None:
    """Render and merge a letter per language in a folder of its own, removed after.
    Without a place for them (no writable temporary folder) the processes start cold."""
    with contextlib.suppress(OSError), tempfile.TemporaryDirectory(prefix="dunning-") as folder:
        parts = []
        for n, language in enumerate(LANGUAGES, start=1):
            path = Path(folder) / f"{n}.pdf"
            render_letter(sample_letter(n, language=language), path)
            parts.append((path, language))
        created = datetime(2026, 1, 1, tzinfo=UTC)
        merge_letters(parts, Path(folder) / "merged.pdf", title="", language="de", created=created)


_PREPARE = spawn.prepare
_CALLERS_MAIN = ("init_main_from_path", "init_main_from_name")


def _prepare_without_the_callers_main(data: Mapping[str, Any]) -> None:
    """A process started from here runs the renderer or the merge, never code of the
    caller's main module; by default it would run that module again first (for the
    `dunning` command: its command line and what it imports, in every process)."""
    _PREPARE({key: value for key, value in data.items() if key not in _CALLERS_MAIN})


spawn.prepare = _prepare_without_the_callers_main
_warm_up()
gc.collect()
gc.freeze()
