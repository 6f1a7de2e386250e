"""A small read-only HTTP file server for the output folder (`dunning serve-files`).

Prefect artifacts can only link to http(s); this makes local letters reachable. With an
object store, point DUNNING_FILES_URL at the bucket's public or signed URL instead.
"""

from __future__ import annotations

import contextlib
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["serve_folder", "make_server"]


class _ReadOnlyHandler(SimpleHTTPRequestHandler):
    """GET and HEAD only (the base class offers nothing else); quiet logs."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass


def make_server(folder: Path, host: str, port: int) -> ThreadingHTTPServer:
    handler = partial(_ReadOnlyHandler, directory=str(folder.resolve()))
    return ThreadingHTTPServer((host, port), handler)


def serve_folder(folder: Path, host: str, port: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with make_server(folder, host, port) as server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
