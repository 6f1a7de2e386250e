"""`dunning sandbox` from the command line."""

from __future__ import annotations

import socket

from tests.support.cli import run_cli


def test_sandbox_on_a_port_in_use_says_so_in_one_paragraph() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(["sandbox", "--port", str(port)])
    said = " ".join(result.err.split())
    assert result.code == 2 and not result.has_traceback(), result.text
    assert f"127.0.0.1:{port}: cannot listen there" in said and "--port" in said
    assert "bexio sandbox on" not in result.out
