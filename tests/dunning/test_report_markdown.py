"""Text from bexio (document numbers, error messages) shows in the run's summary as the
text it is: it cannot add a heading, a link, an image or a table row to the artifact."""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt

from dunning.report import summary_markdown

HOSTILE_NR = "RE-9\n## 0 failed — all good\n[login](https://evil.example/login)"
HOSTILE_ERROR = "POST /x: 422: ![img](https://evil.example/i.png) | cell | <b>bold</b> *loud*"


def line(**fields: Any) -> dict[str, Any]:
    base = {
        "invoice_id": 9,
        "document_nr": "RE-1",
        "currency": "CHF",
        "outcome": "ESCALATED",
        "letter": None,
        "total_due": None,
        "note": None,
        "error": None,
        "warning": None,
    }
    return {**base, **fields}


def manifest(*lines: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": "2026-11-30-0123abcd",
        "reference_date": "2026-11-30",
        "status": "failed",
        "policy": {"version": "2026-1"},
        "counts": {"reasons": {"ESCALATE": 3}, "outcomes": {"FAILED": 1}},
        "lines": list(lines),
    }


def tokens(text: str) -> list[Any]:
    found = []
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        found.append(token)
        found.extend(token.children or [])
    return found


def test_bexio_text_adds_no_heading_link_image_or_html_to_the_summary():
    text = summary_markdown(
        manifest(
            line(outcome="FAILED", document_nr=HOSTILE_NR, error=HOSTILE_ERROR),
            line(outcome="MANUAL_ACTION", document_nr="RE-2", note=HOSTILE_ERROR),
            line(document_nr=HOSTILE_NR, warning="# no QR [x](https://evil.example)"),
        ),
        merged_url="http://files.example/run/letters.pdf",
    )
    parsed = tokens(text)
    headings = [t for t in parsed if t.type == "heading_open"]
    assert len(headings) == 4  # the run's title, failed, manual step, warnings
    links = [t.attrs.get("href") for t in parsed if t.type == "link_open"]
    assert links == ["http://files.example/run/letters.pdf"]
    assert not [t for t in parsed if t.type in ("image", "html_inline", "html_block", "em_open")]
    rendered = MarkdownIt("commonmark").render(text)
    assert "RE-9 ## 0 failed — all good [login](https://evil.example/login)" in rendered
    assert "![img](https://evil.example/i.png) | cell | &lt;b&gt;bold&lt;/b&gt; *loud*" in rendered


def test_plain_text_reads_the_same_after_escaping():
    from dunning.report import markdown_text

    rendered = MarkdownIt("commonmark").renderInline(markdown_text("RE-2026/0042 (Müller & Co.)"))
    assert rendered == "RE-2026/0042 (Müller &amp; Co.)"


def test_the_summary_names_the_invoices_the_approver_removed_and_shows_the_note() -> None:
    note = "Disputed by phone; waits for the credit note."
    text = summary_markdown(
        manifest(
            line(invoice_id=7, document_nr="RE-7", outcome="DESELECTED", note=note),
            line(invoice_id=8, document_nr="RE-8", outcome="DESELECTED", note=note),
            line(invoice_id=9, document_nr="RE-9"),
        ),
        None,
    )
    removed = text.split("## 2 removed by the approver", 1)[1]
    assert "Note: Disputed by phone\\; waits for the credit note\\." in removed
    assert "- RE\\-7 · id 7" in removed and "- RE\\-8 · id 8" in removed
    assert "RE\\-9" not in removed


def test_the_summary_links_the_debt_enforcement_csv_and_each_request():
    handed = line(
        invoice_id=4,
        document_nr="RE-4",
        outcome="MARKED_UNPAID",
        open_amount="1234.50",
        enforcement="enforcement/RE-4.pdf",
    )
    record = {**manifest(handed, line()), "enforcement_csv": "enforcement.csv"}
    text = summary_markdown(record, None, files_url="http://files.example/2026-11-30-0123abcd")
    links = [t.attrs["href"] for t in tokens(text) if t.type == "link_open"]
    assert links == [
        "http://files.example/2026-11-30-0123abcd/enforcement.csv",
        "http://files.example/2026-11-30-0123abcd/enforcement/RE-4.pdf",
    ]
    assert "## 1 for debt enforcement" in text and "CHF 1'234.50" in text


def test_a_run_without_debt_enforcement_links_none():
    text = summary_markdown({**manifest(line()), "enforcement_csv": None}, None, files_url="x")
    assert "enforcement" not in text
