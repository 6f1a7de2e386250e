"""Every invoice's letter has a file of its own, whatever its document number: two
invoices with the same number, or one without a number (shown by its id) and one numbered
like that id, each keep their letter, and the merged PDF holds each letter once."""

from __future__ import annotations

from pypdf import PdfReader

from tests.reliability.bad_answers import escalating
from tests.support.checks import check_exactly_once
from tests.support.cli import load_manifest, new_runs, run_cli
from tests.support.sandbox import REFERENCE_DATE

RUN = ["run", "--reference-date", REFERENCE_DATE.isoformat(), "--confirm-reference-date"]


def _same_level(company, invoice_ids: list[int]) -> list[int]:
    """The largest group of these invoices whose letters announce the same level."""
    by_level: dict[int, list[int]] = {}
    for invoice_id in invoice_ids:
        reminders = company.state.reminders.get(invoice_id, [])
        level = max((r["reminder_level"] for r in reminders), default=0)
        by_level.setdefault(level, []).append(invoice_id)
    return max(by_level.values(), key=len)


def test_invoices_sharing_a_number_each_keep_their_own_letter(company, tmp_path):
    same_a, same_b, unnumbered, numbered_like_it, *_ = _same_level(company, escalating(company))
    invoices = company.state.invoices
    invoices[same_a]["document_nr"] = invoices[same_b]["document_nr"] = "RE-77"
    invoices[unnumbered]["document_nr"] = None
    invoices[numbered_like_it]["document_nr"] = str(unnumbered)

    result = run_cli(RUN)

    assert result.code == 0, result.text
    output = tmp_path / "out"
    (run_id,) = new_runs(output)
    folder = output / run_id
    lines = {ln["invoice_id"]: ln for ln in load_manifest(output, run_id)["lines"]}
    mine = [lines[i] for i in (same_a, same_b, unnumbered, numbered_like_it)]
    assert [ln["outcome"] for ln in mine] == ["ESCALATED"] * 4
    letters = [ln["letter"] for ln in lines.values() if ln["letter"]]
    assert len(set(letters)) == len(letters)
    for line in mine:  # each letter names its own invoice's debtor and amount
        text = " ".join(PdfReader(folder / line["letter"]).pages[0].extract_text().split())
        name = company.state.invoices[line["invoice_id"]]["contact_address"].split("\n")[0]
        assert name.split()[0] in text, (line["invoice_id"], text[:300])
    merged = [" ".join(p.extract_text().split()) for p in PdfReader(folder / "letters.pdf").pages]
    assert (
        len(merged)
        == len(set(merged))
        == sum(len(PdfReader(folder / letter).pages) for letter in letters)
    )
    assert check_exactly_once(company, output, [run_id]).problems == []
