"""The token never leaves the process; document numbers never write outside the run's
folder; TLS verification cannot be turned off for a real host."""

from __future__ import annotations

import ast
import ssl
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from pypdf import PdfReader

from connectors.client import BexioClient
from connectors.errors import AuthError
from connectors.session import is_loopback
from flows.settings import load_settings
from tests.reliability.bad_answers import escalating
from tests.support.checks import check_exactly_once
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.mailbox import Mailbox
from tests.support.sandbox import REFERENCE_DATE, REPO, TOKEN

SMTP_PASSWORD = "smtp-pass-SECRET-4711"
RUN = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]


def _texts_of_files(folder: Path) -> dict[str, str]:
    """Every file's bytes as text, for PDFs also the text of every page, for spreadsheets
    their XML."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            found[str(path)] = path.read_bytes().decode("latin-1")
            if path.suffix == ".pdf":
                found[f"{path} (text)"] = "\n".join(p.extract_text() for p in PdfReader(path).pages)
            if path.suffix == ".xlsx":  # a zip: its sheets' XML, uncompressed
                with zipfile.ZipFile(path) as sheet:
                    found[f"{path} (xml)"] = "\n".join(
                        sheet.read(name).decode("utf-8") for name in sheet.namelist()
                    )
    return found


def _prefect_records(flow_run_id: str) -> list[str]:
    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
        )
        artifacts = client.read_artifacts()
        run = client.read_flow_run(flow_run_id)
    return (
        [log.message for log in logs]
        + [f"{a.key} {a.description} {a.data}" for a in artifacts]
        + [repr(run.parameters), repr(run.state)]
    )


@pytest.fixture
def mailbox(monkeypatch) -> Iterator[Mailbox]:
    """The letters go out by e-mail, through a server that wants a login: its password is
    a secret like the token."""
    with Mailbox.started(login=("dunning", SMTP_PASSWORD)) as box:
        box.use(monkeypatch)
        yield box


def test_the_token_appears_in_no_output_log_artifact_record_or_error(
    company, mailbox, tmp_path, monkeypatch
):
    company.faults(0.05)  # retries and errors get logged too
    first = run_cli(RUN + ["--send"])
    (run_id,) = new_runs(tmp_path / "out")
    company.faults(0.0)
    again = run_cli(["retry", run_id]) if first.code == 1 else first
    assert again.code == 0, again.text
    record = load_manifest(tmp_path / "out", run_id)
    monkeypatch.setenv("BEXIO_TOKEN", TOKEN + "-but-wrong")
    refused = run_cli(RUN)
    assert refused.code == 2 and "401" in refused.text
    settings = load_settings()
    with BexioClient(company.url, TOKEN) as client:
        client._session._http.headers["Authorization"] = "Bearer wrong"
        with pytest.raises(AuthError) as error:
            client.currencies()
    seen = {
        "cli": "\n".join(r.text for r in (first, again, refused)),
        "settings": f"{settings!r} {settings} {settings.model_dump()} {settings.model_dump_json()}",
        "client and error": f"{BexioClient(company.url, TOKEN)!r} {error.value} {error.value!r}",
        **_texts_of_files(tmp_path / "out"),
        **{f"prefect {i}": text for i, text in enumerate(_prefect_records(record["flow_run_id"]))},
    }
    assert len(seen) > 10
    # Any part of the token that a mask might keep, but no run of hex digits: a record's
    # random ids may well contain "0815".
    parts = (TOKEN, "SECRET", TOKEN[-8:], SMTP_PASSWORD)
    leaks = [where for where, text in seen.items() if any(part in text for part in parts)]
    assert leaks == []
    assert mailbox.logins >= 1 and mailbox.received  # the letters went out with it


NASTY = [
    "../RE-9",
    "RE-2026/0042",
    "/etc/passwd",
    "..",
    "C:\\Windows\\win.ini",
    "RE 17",
    "RE_17",
    ".hidden",
    "CON",
    "RE-" + "9" * 200,
]


def test_document_numbers_cannot_write_outside_the_run_folder(company, tmp_path):
    targets = escalating(company)[: len(NASTY)]
    assert len(targets) >= 6
    for invoice_id, number in zip(targets, NASTY, strict=False):
        company.state.invoices[invoice_id]["document_nr"] = number
    outside = {
        p for p in tmp_path.parent.rglob("*") if "out" not in p.relative_to(tmp_path.parent).parts
    }
    result = run_cli(RUN)
    assert result.code == 0, result.text
    (run_id,) = new_runs(tmp_path / "out")
    folder = (tmp_path / "out" / run_id).resolve()
    letters = [
        ln["letter"] for ln in load_manifest(tmp_path / "out", run_id)["lines"] if ln["letter"]
    ]
    assert len(letters) == len(set(letters)) >= len(targets)  # one file per letter, none shared
    for letter in letters:
        path = (folder / letter).resolve()
        assert path.parent == folder / "letters" and path.is_file(), letter
    now = {
        p for p in tmp_path.parent.rglob("*") if "out" not in p.relative_to(tmp_path.parent).parts
    }
    assert now == outside
    assert check_exactly_once(company, tmp_path / "out", [run_id]).problems == []


@pytest.mark.parametrize(
    "host", ["api.bexio.com", "127.0.0.1.example.com", "localhost.example.com", "10.0.0.1", "[::2]"]
)
def test_tls_verification_cannot_be_turned_off_for_a_real_host(host):
    assert not is_loopback(host.strip("[]"))
    with pytest.raises(ValueError, match="loopback"):
        BexioClient(f"https://{host}", "t", verify=False)


def test_the_client_of_a_run_verifies_certificates(monkeypatch):
    monkeypatch.setenv("BEXIO_BASE_URL", "https://api.bexio.com")
    monkeypatch.setenv("BEXIO_TOKEN", "t")
    from flows.run_inputs import make_client

    with make_client(load_settings()) as client:
        context = client._session._http._transport._pool._ssl_context
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_no_code_path_turns_tls_verification_off():
    """Outside the sandbox, `verify=` is only ever passed on as given (default True)."""
    offenders = []
    for path in [*REPO.joinpath("flows").rglob("*.py"), *REPO.joinpath("connectors").rglob("*.py")]:
        if "sandbox" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            passes_own = isinstance(node, ast.keyword) and isinstance(node.value, ast.Name)
            if (
                isinstance(node, ast.keyword)
                and node.arg == "verify"
                and not (passes_own and node.value.id == "verify")
            ):
                offenders.append(f"{path.name}:{node.value.lineno}")
    assert offenders == []
