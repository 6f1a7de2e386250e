"""Running the sandbox: in the foreground (`serve`) or in a background thread."""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from connectors.sandbox.app import create_app
from connectors.sandbox.config import SandboxConfig
from connectors.sandbox.state import SandboxState

__all__ = ["SandboxURL", "create_app", "running_sandbox", "serve"]

START_TIMEOUT_S = 20.0


class SandboxURL(str):
    """The base URL of a running sandbox (a plain `str`), carrying its in-memory account."""

    state: SandboxState
    app: FastAPI

    @property
    def url(self) -> str:
        return str(self)


def _uvicorn_config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    # httptools parses faster than h11 (a quarter less server CPU); use it when installed.
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=http,
        loop=loop,
        ws="none",
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
    )


def serve(config: SandboxConfig, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the sandbox until interrupted (Ctrl-C)."""
    uvicorn.Server(_uvicorn_config(create_app(config), host, port)).run()


@contextmanager
def running_sandbox(
    config: SandboxConfig, host: str = "127.0.0.1", port: int = 0
) -> Iterator[SandboxURL]:
    """Start the sandbox in a background thread; yield its base URL; stop it on exit.

    `port=0` picks a free port. The URL is a `SandboxURL`, whose `.state` is the account.
    """
    app = create_app(config)
    # The protocol number matters: asyncio sets TCP_NODELAY on accepted connections only
    # when the listening socket says IPPROTO_TCP; without it every answer waits ~40 ms.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(_uvicorn_config(app, host, sock.getsockname()[1]))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="bexio-sandbox", daemon=True
    )
    thread.start()
    url = SandboxURL(f"http://{host}:{sock.getsockname()[1]}")
    url.state, url.app = app.state.sandbox, app
    try:
        _wait_until_up(url, config.token, server, thread)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_until_up(url: str, token: str, server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the sandbox server stopped while starting")
        if server.started:
            try:
                httpx.get(f"{url}/_sandbox/stats", headers=headers, timeout=2).raise_for_status()
                return
            except httpx.HTTPError:
                pass
        time.sleep(0.01)
    raise RuntimeError(f"the sandbox did not answer within {START_TIMEOUT_S:.0f} s")
