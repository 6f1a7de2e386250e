"""A small read-only HTTP file server for the output folder (`dunning serve-files`).

Prefect artifacts can only link to http(s); this makes local letters reachable. With an
object store, point DUNNING_FILES_URL at the bucket's public or signed URL instead.

Only what the artifacts link is served: a run's merged PDF and letter PDFs (final and
draft), its run.xlsx, and its debt-enforcement files (enforcement.csv, enforcement/*.pdf).
No directory listing, and never the run's policy and blocks copies, its journal, manifest
or error log: anything else is 404.
"""

from __future__ import annotations

import contextlib
import re
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from dunning.companies import COMPANY_NAME
from dunning.runs import RUN_ID_PATTERN

__all__ = ["CannotServe", "open_server", "serve_folder", "make_server", "is_served"]

_RUN_FILE = re.compile(
    r"^(draft/)?(letters\.pdf|letters/[A-Za-z0-9][A-Za-z0-9._-]*\.pdf)$|^run\.xlsx$"
    r"|^enforcement\.csv$|^enforcement/[A-Za-z0-9_][A-Za-z0-9._-]*\.pdf$"
    r"|^letters-to-print\.pdf$"
)


def is_served(url_path: str) -> bool:
    """Whether a request path names a file the artifacts link: `<run>/letters.pdf`,
    `<run>/letters/<name>.pdf`, the same under `<run>/draft/`, `<run>/run.xlsx`,
    `<run>/letters-to-print.pdf`, `<run>/enforcement.csv` or `<run>/enforcement/<name>.pdf`;
    each also as `<company>/<run>/…` for a company that keeps its runs in the output folder."""
    path = unquote(urlsplit(url_path).path)
    if not path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    run_id, _, rest = path[1:].partition("/")
    if COMPANY_NAME.fullmatch(run_id) and not RUN_ID_PATTERN.match(run_id):
        run_id, _, rest = rest.partition("/")  # a company's run, in its folder of the output
    if not RUN_ID_PATTERN.match(run_id):
        return False
    if any(part in ("", ".", "..") for part in rest.split("/")):
        return False
    return bool(_RUN_FILE.match(rest))


class _ReadOnlyHandler(SimpleHTTPRequestHandler):
    """GET and HEAD only (the base class offers nothing else), of the files `is_served`
    allows and that are regular files reached without a symbolic link; quiet logs."""

    def send_head(self) -> BytesIO | BinaryIO | None:
        if not is_served(self.path):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        asked = Path(self.translate_path(self.path))
        # A symbolic link anywhere on the way could lead out of the run: not served.
        if asked.resolve() != asked or not asked.is_file():
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        return super().send_head()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass


def make_server(folder: Path, host: str, port: int) -> ThreadingHTTPServer:
    handler = partial(_ReadOnlyHandler, directory=str(folder.resolve()))
    return ThreadingHTTPServer((host, port), handler)


class CannotServe(Exception):
    """The folder cannot be made or the address cannot be taken: one paragraph for the user."""


def open_server(folder: Path, host: str, port: int) -> ThreadingHTTPServer:
    """The server of `folder` on host:port, made first when missing; `CannotServe` says
    which of the two failed and what to do."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CannotServe(
            f"{folder}: the output folder cannot be made ({exc.strerror}). Make it as a user "
            'who may (e.g. `sudo install -d -o "$USER" FOLDER`), or name another with --output '
            "or DUNNING_OUTPUT; the worker must write its runs into the same folder."
        ) from None
    try:
        return make_server(folder, host, port)
    except OSError as exc:
        raise CannotServe(
            f"{host}:{port}: cannot listen there ({exc.strerror}). Choose a free port with "
            "--port (or another address with --host), and give the worker "
            f"DUNNING_FILES_URL=http://{host}:<that port> so the links in Prefect point to it."
        ) from None


def serve_folder(server: ThreadingHTTPServer) -> None:
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
