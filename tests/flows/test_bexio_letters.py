"""Letters from bexio (`[letters] source = "bexio"`): each reminder's own PDF, downloaded
once, merged with a bookmark each; a failed download is retried without a second reminder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pypdf import PdfReader

from connectors.sandbox.gate import Tampered
from dunning.policy_file import example_policy_path
from flows.commands import run_demo
from tests.support.checks import DONE, check_exactly_once
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.harness import manifest_of, run_flow
from tests.support.sandbox import REFERENCE_DATE

PDF_ROUTE = "GET /2.0/kb_invoice/{invoice_id}/kb_reminder/{reminder_id}/pdf"
LETTERHEAD = "Bahnhofstrasse 1, 8001 Zürich"  # the sandbox account's, on bexio's logo paper


def bexio_policy(folder: Path, *, logo_paper: bool = True) -> Path:
    """The example policy with its letters from bexio."""
    text = example_policy_path().read_text(encoding="utf-8")
    text = text.replace('source = "own"', 'source = "bexio"', 1)
    if not logo_paper:
        text = text.replace("logo_paper = true", "logo_paper = false", 1)
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def text_of(path: Path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)


def swiss(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def reminder_of(bexio, line) -> dict:  # noqa: ANN001
    return next(
        r for r in bexio.state.reminders[line["invoice_id"]] if r["id"] == line["reminder_id"]
    )


def test_letters_from_bexio_are_its_reminder_pdfs_one_per_escalation(bexio, output, tmp_path):
    state, summary = run_flow(
        reference_date=REFERENCE_DATE,
        confirm_reference_date=True,
        policy=str(bexio_policy(tmp_path)),
    )
    assert state.is_completed(), state.message
    record = manifest_of(summary)
    run_dir = output / record["run_id"]
    lettered = [ln for ln in record["lines"] if ln["outcome"] in DONE]
    assert lettered and all(ln["letter"] for ln in lettered)
    for line in lettered:
        reminder = reminder_of(bexio, line)
        text = text_of(run_dir / line["letter"])
        assert reminder["title"] in text and swiss(reminder["is_valid_to"]) in text, text[:300]
        assert line["document_nr"] in text and LETTERHEAD in text
        assert "Zahlteil" not in text  # bexio's document, not ours with a QR-bill
        assert reminder["is_sent"]
    assert sorted(p.name for p in (run_dir / "letters").iterdir()) == sorted(
        Path(ln["letter"]).name for ln in lettered
    )
    merged = PdfReader(run_dir / "letters.pdf")
    assert len(merged.pages) == len(merged.outline) == len(lettered)
    # Titled as bexio titles them, in the account's language: the policy's default, German.
    german = {"Zahlungserinnerung", "1. Mahnung", "Letzte Mahnung"}
    assert {item.title.split(" · ")[-1] for item in merged.outline} <= german
    assert check_exactly_once(bexio, output, [record["run_id"]]).problems == []
    downloads = bexio.stats()["requests"][PDF_ROUTE]
    assert downloads == {"200": len(lettered)}


def test_logo_paper_false_asks_bexio_for_its_pdf_without_letterhead_and_send_uses_bexio(
    bexio, output, tmp_path
):
    policy = bexio_policy(tmp_path, logo_paper=False)
    state, summary = run_flow(
        reference_date=REFERENCE_DATE, confirm_reference_date=True, policy=str(policy), send=True
    )
    assert state.is_completed(), state.message
    record = manifest_of(summary)
    lettered = [ln for ln in record["lines"] if ln["letter"]]
    assert lettered
    for line in lettered:
        text = text_of(output / record["run_id"] / line["letter"])
        assert swiss(reminder_of(bexio, line)["is_valid_to"]) in text
        assert LETTERHEAD not in text and "Muster AG" not in text
    # --send e-mails each reminder with an address through bexio, once.
    mailed = [m["reminder_id"] for m in bexio.admin("GET", "/outbox")]
    assert mailed and len(set(mailed)) == len(mailed)
    assert set(mailed) <= {ln["reminder_id"] for ln in lettered}


def test_a_failed_download_is_retried_with_no_letter_lost_or_doubled(bexio, output, tmp_path):
    policy = bexio_policy(tmp_path)
    broken: list[int] = []

    def break_every_third_pdf(reminder: dict) -> None:
        if reminder["id"] % 3 == 0:  # bexio fails this PDF again and again: 503
            broken.append(reminder["kb_invoice_id"])
            path = f"/2.0/kb_invoice/{reminder['kb_invoice_id']}/kb_reminder/{reminder['id']}/pdf"
            bexio.tampered[f"GET {path}"] = Tampered(503, b'{"error_code": 503}', False, None)

    bexio.state.on_reminder_created = break_every_third_pdf
    run = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]
    first = run_cli([*run, "--policy", str(policy)])

    assert first.code == 1, first.text
    (run_id,) = new_runs(output)
    lines = {ln["invoice_id"]: ln for ln in load_manifest(output, run_id)["lines"]}
    assert broken and all(lines[i]["outcome"] == "FAILED" for i in broken)
    assert all("PDF" in lines[i]["error"] and lines[i]["letter"] is None for i in broken)
    created = bexio.state.counters["reminders_created"]

    bexio.state.on_reminder_created = None
    bexio.tampered.clear()
    again = run_cli(["retry", run_id])

    assert again.code == 0, again.text
    assert bexio.state.counters["reminders_created"] == created  # none made twice
    assert check_exactly_once(bexio, output, [run_id]).problems == []
    lettered = [ln for ln in load_manifest(output, run_id)["lines"] if ln["outcome"] in DONE]
    assert {ln["invoice_id"] for ln in lettered} >= set(broken)
    # Each letter was downloaded once: the retry fetched only the ones still missing.
    assert bexio.stats()["requests"][PDF_ROUTE]["200"] == len(lettered)
    assert not [p for p in (output / run_id / "letters").iterdir() if p.suffix != ".pdf"]


def test_the_demo_with_letters_bexio_merges_bexios_reminder_pdfs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DUNNING_POLICY", raising=False)
    assert run_demo(12, REFERENCE_DATE, tmp_path / "demo", "bexio") == 0
    (merged,) = (tmp_path / "demo").glob("*/letters.pdf")
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(merged).pages]
    assert pages and all(" zu Rechnung " in page and LETTERHEAD in page for page in pages)
    assert not any("Zahlteil" in page for page in pages)


def test_the_demo_refuses_letters_for_a_policy_of_ones_own(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DUNNING_POLICY", str(bexio_policy(tmp_path)))
    assert run_demo(12, REFERENCE_DATE, tmp_path / "demo", "own") == 2
    said = capsys.readouterr()
    text = said.out + said.err
    assert "--letters own" in text and "[letters]" in text and "Traceback" not in text
    assert not list((tmp_path / "demo").glob("*/manifest.json"))


def test_downloads_keep_to_the_pdf_routes_own_rate_limit(start_company, tmp_path):
    # bexio counts PDF downloads in a bucket of their own, smaller than the general one.
    bexio = start_company(invoices=40, seed=7, search_rate_limit=3, window_seconds=1)
    state, summary = run_flow(
        reference_date=REFERENCE_DATE,
        confirm_reference_date=True,
        policy=str(bexio_policy(tmp_path)),
    )
    assert state.is_completed(), state.message
    record = manifest_of(summary)
    lettered = [ln for ln in record["lines"] if ln["outcome"] in DONE]
    assert len(lettered) > 3  # more letters than one window allows
    assert check_exactly_once(bexio, tmp_path / "out", [record["run_id"]]).problems == []
    downloads = bexio.stats()["requests"][PDF_ROUTE]
    assert downloads.get("200") == len(lettered)
    assert downloads.get("429", 0) < len(lettered)  # paced by the budget, not by refusals
