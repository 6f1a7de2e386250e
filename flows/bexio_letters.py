"""Letters from bexio (`[letters] source = "bexio"`): each created reminder's own PDF.

A letter file appears complete under its name or not at all (written under a temporary
name, then renamed), so a file that is there is whole: a retry downloads only the letters
still missing, and never loses one it had.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from connectors.client import BexioClient
from dunning.outcome import Failure
from flows import progress
from flows.prefect_tasks import download_letter_files

__all__ = ["fetch_bexio_letters"]

BATCH = 200


def fetch_bexio_letters(
    client: BexioClient, wanted: Sequence[tuple[int, int, Path]], *, logopaper: bool
) -> dict[int, Failure]:
    """Download the PDF of each (invoice id, reminder id) whose file is not there yet, into
    that file; returns the invoices whose PDF could not be had, with why."""
    missing = [item for item in wanted if not item[2].is_file()]
    failed: dict[int, Failure] = {}
    with progress.stage("download", len(wanted)):
        progress.advance("download", len(wanted) - len(missing))
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            got = download_letter_files(client, [(i, r) for i, r, _ in batch], logopaper)
            for (invoice_id, _, path), content in zip(batch, got, strict=True):
                if isinstance(content, Failure):
                    failed[invoice_id] = content
                else:
                    _write_whole(path, content)
            progress.advance("download", len(batch))
    return failed


def _write_whole(path: Path, content: bytes) -> None:
    """Write `content` to `path` so that the file is either complete or absent."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        with partial.open("wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
