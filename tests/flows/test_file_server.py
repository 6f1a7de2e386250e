"""`dunning serve-files` over real HTTP: the letters and the spreadsheet the artifacts link
open; the run's policy, blocks, journal, manifest and any listing do not."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flows.file_server import make_server
from tests.support.cli import run_cli

RUN = "2026-12-04-0a1b2c3d"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    run = tmp_path / RUN
    for name in (
        "letters.pdf",
        "letters/1001-de.pdf",
        "draft/letters.pdf",
        "draft/letters/1001-de.pdf",
        "run.xlsx",
        "manifest.json",
        "journal.jsonl",
        "policy.toml",
        "blocks.toml",
        "run.json",
        "errors.log",
        "draft/proposal.json",
    ):
        (run / name).parent.mkdir(parents=True, exist_ok=True)
        (run / name).write_bytes(b"content of " + name.encode())
    company_run = tmp_path / "muster-ag" / RUN
    for name in ("letters.pdf", "policy.toml"):
        (company_run / name).parent.mkdir(parents=True, exist_ok=True)
        (company_run / name).write_bytes(b"content of " + name.encode())
    (tmp_path / "secret.txt").write_bytes(b"outside")
    (run / "letters" / "sneaky.pdf").symlink_to(tmp_path / "secret.txt")
    server = make_server(tmp_path, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "name",
    [
        "letters.pdf",
        "letters/1001-de.pdf",
        "draft/letters.pdf",
        "draft/letters/1001-de.pdf",
        "run.xlsx",
    ],
)
def test_the_files_the_artifacts_link_open(served: str, name: str) -> None:
    response = httpx.get(f"{served}/{RUN}/{name}")
    assert response.status_code == 200
    assert response.content == b"content of " + name.encode()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"/{RUN}/",
        f"/{RUN}",
        f"/{RUN}/letters/",
        f"/{RUN}/draft/",
        f"/{RUN}/policy.toml",
        f"/{RUN}/blocks.toml",
        f"/{RUN}/journal.jsonl",
        f"/{RUN}/manifest.json",
        f"/{RUN}/run.json",
        f"/{RUN}/errors.log",
        f"/{RUN}/draft/proposal.json",
        f"/{RUN}/letters/sneaky.pdf",
        f"/{RUN}/letters/%2e%2e/policy.toml",
        f"/{RUN}/letters/..%2fpolicy.toml",
        "/secret.txt",
    ],
)
def test_listings_and_the_runs_own_records_are_not_served(served: str, path: str) -> None:
    response = httpx.get(served + path)
    assert response.status_code == 404
    assert b"content of" not in response.content
    assert b"outside" not in response.content
    assert b"Directory listing" not in response.content


def test_a_companys_letters_open_under_its_folder_and_its_policy_does_not(served: str) -> None:
    assert httpx.get(f"{served}/muster-ag/{RUN}/letters.pdf").content == b"content of letters.pdf"
    assert httpx.get(f"{served}/muster-ag/{RUN}/policy.toml").status_code == 404
    assert httpx.get(f"{served}/muster-ag/").status_code == 404


def test_serve_files_into_a_folder_it_cannot_make_says_so_in_one_paragraph(
    tmp_path: Path,
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    folder = tmp_path / "a-file" / "runs"
    result = run_cli(["serve-files", "--output", str(folder), "--port", "0"])
    assert result.code == 2
    assert not result.has_traceback()
    assert "serving" not in result.out
    assert str(folder) in result.err and "cannot be made" in result.err
    assert "--output" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_serve_files_on_a_port_in_use_says_so_in_one_paragraph(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(["serve-files", "--output", str(tmp_path), "--port", str(port)])
    assert result.code == 2
    assert not result.has_traceback()
    assert "serving" not in result.out
    assert f"127.0.0.1:{port}" in result.err and "--port" in result.err
    assert "DUNNING_FILES_URL" in result.err
    assert len(result.err.strip().splitlines()) == 1
