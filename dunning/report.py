"""Texts people read about a run: the proposal table, the approval form's description,
and the summary. Plain data and Markdown; the flow publishes them as Prefect artifacts."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from itertools import islice
from typing import Any

from dunning.money import money_text
from dunning.periods import is_settings_stop
from dunning.proposal import Decision, Reason

__all__ = [
    "final_step",
    "proposal_rows",
    "totals_by_currency",
    "approval_description",
    "summary_markdown",
    "markdown_text",
]

_LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\x85\u2028\u2029]+\s*")
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def markdown_text(text: object) -> str:
    """Text from outside (bexio, a policy file) made inert in Markdown: one line, and every
    ASCII punctuation character escaped, so it reads as itself and cannot open a heading,
    a link, an image, HTML or a table cell."""
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))


def final_step(unpaid_extension: bool) -> str:
    """What happens to a FINAL invoice once approved: the API marks it unpaid, or a person
    must act (BEXIO_UNPAID_EXTENSION)."""
    return "unpaid" if unpaid_extension else "manual action"


def _date(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


# Rows of the proposal table in Prefect: a larger table costs the Prefect server and the
# browser memory by its size, and is read through the run's spreadsheet instead.
PROPOSAL_TABLE_ROWS = 5_000


def _proposed_first(decisions: Sequence[Decision], limit: int | None) -> list[Decision]:
    """The proposed decisions, then the others, each in their order; the first `limit`.
    Two passes when limited, so that a large run's decisions are not all held at once."""
    if limit is None:
        return sorted(decisions, key=lambda d: not d.proposed)
    first = list(islice((d for d in decisions if d.proposed), limit))
    rest = islice((d for d in decisions if not d.proposed), limit - len(first))
    return first + list(rest)


def proposal_rows(
    decisions: Sequence[Decision],
    reference_date: date | None = None,
    *,
    unpaid_extension: bool = True,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """One row per open invoice, the proposed ones first: what is proposed and why (due
    date, days overdue on `reference_date`, last reminder), and the amounts; the first
    `limit` of them when given."""
    rows = []
    for d in _proposed_first(decisions, limit):
        inv = d.invoice
        latest = inv.latest_reminder
        due = latest.valid_to if latest else inv.valid_to
        if d.to_level:
            level = f"{d.from_level} → {d.to_level}"
        elif d.reason is Reason.FINAL:
            level = f"{d.from_level} → {final_step(unpaid_extension)}"
        else:
            level = str(d.from_level)
        total = d.amounts.total_due if d.amounts else inv.remaining
        fees = sum((f.amount for f in d.amounts.fees), Decimal(0)) if d.amounts else None
        overdue = (reference_date - due).days if reference_date else None
        rows.append(
            {
                "id": inv.id,
                "invoice": inv.document_nr,
                "customer": inv.contact_name or "",
                "level": level,
                "reason": d.reason.value + (f" ({d.block_reason})" if d.block_reason else ""),
                "due": _date(due),
                "days overdue": overdue if overdue is not None and overdue > 0 else "",
                "last reminder": _date(latest.valid_from) if latest else "",
                "fees": money_text(fees) if fees is not None else "",
                "interest": money_text(d.amounts.interest) if d.amounts else "",
                "total": f"{inv.currency} {money_text(total)}",
            }
        )
    return rows


def proposal_table_description(name: str, shown: int, total: int, sheet_url: str) -> str:
    """The proposal table's description: whose it is, and when the table shows only the
    first of the open invoices, how many and where every one is."""
    if shown >= total:
        return f"Proposal of {name}"
    return (
        f"Proposal of {name}: the first {shown:,} of {total:,} open invoices, the proposed "
        f"ones first; the run's spreadsheet [run.xlsx]({sheet_url}) lists every one."
    )


def totals_by_currency(decisions: Iterable[Decision]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for d in decisions:
        totals[d.invoice.currency] += d.amounts.total_due if d.amounts else d.invoice.remaining
    return dict(sorted(totals.items()))


def _money_list(totals: Mapping[str, Decimal]) -> str:
    return (
        ", ".join(cur + " " + money_text(amount, group="'") for cur, amount in totals.items())
        or "–"
    )


def approval_description(
    run_id: str,
    reference_date: str,
    decisions: Sequence[Decision],
    draft_url: str | None,
    *,
    unpaid_extension: bool = True,
    warnings: Sequence[str] = (),
    letters_from_bexio: bool = False,
    sheet_url: str | None = None,
    large_form: bool = False,
) -> str:
    """Markdown shown above the approval form; `warnings` are the run's counted warnings
    (`dunning.run_warnings`), the draft letters' among them. With `letters_from_bexio` it
    says that the drafts are ours and the letters sent will be bexio's."""
    proposed = [d for d in decisions if d.proposed]
    escalate = [d for d in proposed if d.reason is Reason.ESCALATE]
    final = [d for d in proposed if d.reason is Reason.FINAL]
    counts: defaultdict[str, int] = defaultdict(int)
    for d in decisions:
        counts[d.reason.value] += 1
    lines = [
        f"### Dunning run {run_id} · reference date {reference_date}",
        "",
        f"**{len(escalate)}** invoices to move up one level, **{len(final)}** past the last "
        f"level (→ {final_step(unpaid_extension)}) "
        f"(of {len(decisions)} open invoices).",
        "",
        f"Total due on the proposed letters: **{_money_list(totals_by_currency(escalate))}**.",
        "",
        "Open invoices by reason: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + ".",
    ]
    if draft_url:
        lines += ["", f"[Draft letters (merged PDF)]({draft_url})"]
    if sheet_url:
        lines += ["", f"[Every open invoice of the run as a spreadsheet (run.xlsx)]({sheet_url})"]
    if letters_from_bexio:
        lines += [
            "",
            "The letters will be bexio's reminder PDFs (the policy's `[letters] source = "
            '"bexio"`): the drafts show our own letters with the same deadline, but bexio\'s '
            "carry no fees, no interest and not our QR-bill.",
        ]
    lines += _warning_list(warnings)
    if large_form:
        lines += [
            "",
            f"With {len(proposed):,} invoices the form does not list them one by one: look "
            "through the spreadsheet or the draft letters, then hold back level steps, "
            "currencies, or invoices and customers by number (RE-00123, #123 or customer "
            "42), tick 'Approve', add a note, and resume the run. To hold invoices until a "
            "date (e.g. a customer promised to pay), name them under 'Hold until a date' "
            "and give the date and the reason: later runs leave them out until then.",
        ]
    else:
        lines += [
            "",
            "Untick the invoices that must wait, add a note, then resume the run. To hold "
            "invoices until a date (e.g. a customer promised to pay), pick them under 'Hold "
            "until a date' and give the date and the reason: later runs leave them out "
            "until then.",
        ]
    return "\n".join(lines)


def _warning_list(warnings: Sequence[str]) -> list[str]:
    if not warnings:
        return []
    return ["", "**To check:**", "", *(f"- {markdown_text(w)}" for w in warnings)]


def summary_markdown(
    manifest: Mapping[str, Any],
    merged_url: str | None,
    sheet_url: str | None = None,
    *,
    files_url: str | None = None,
    warnings: Sequence[str] = (),
) -> str:
    """Markdown summary of a finished run: counts, totals, the warnings counted by kind,
    failures with their errors, and links to the merged letters, to the run's spreadsheet
    and (under `files_url`, the run folder's address) to its debt-enforcement files."""
    lines = [
        f"# Dunning run {manifest['run_id']}",
        "",
        f"Reference date **{manifest['reference_date']}** · status **{manifest['status']}** · "
        f"policy {markdown_text(manifest['policy']['version'])}",
        "",
        "| reason | invoices |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in manifest["counts"]["reasons"].items()]
    lines += ["", "| outcome | invoices |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in manifest["counts"]["outcomes"].items()]
    seen = _SummaryLines(manifest["lines"], (files_url or "").rstrip("/"))
    lines += ["", f"Total due on the letters: **{_money_list(seen.totals)}**"]
    lines += [
        "",
        "Fees and interest to invoice separately (not in the letters' payment parts): "
        f"**{_money_list({k: v for k, v in sorted(seen.separately.items()) if v})}**",
    ]
    lines += _warning_list(warnings)
    if merged_url:
        lines += ["", f"[All letters (merged PDF)]({merged_url})"]
    if manifest.get("print_pdf"):
        name = manifest["print_pdf"]
        link = f"[{name}]({files_url.rstrip('/')}/{name})" if files_url else name
        lines += ["", f"Letters to print and post: **{manifest['letters_to_print']}** ({link})"]
    elif manifest.get("merged_pdf") and manifest.get("status") != "dry_run":
        lines += ["", "Letters to print and post: **0** (every letter was e-mailed)"]
    if sheet_url:
        lines += ["", f"[Every invoice of the run (spreadsheet, run.xlsx)]({sheet_url})"]
    lines += _enforcement(manifest, seen.handed, files_url)
    if seen.removed.count:
        lines += ["", f"## {seen.removed.count} removed by the approver", ""]
        for note in sorted(seen.notes):
            lines += [f"Note: {markdown_text(note)}", ""]
        lines += seen.removed.first
    if seen.stopped.count:
        lines += ["", f"## {seen.stopped.count} failed — the policy does not match bexio", ""]
        lines += seen.stopped.first
    if seen.failed.count:
        lines += [
            "",
            f"## {seen.failed.count} failed — retry with `dunning retry {manifest['run_id']}`",
            "",
        ]
        lines += seen.failed.first
    if seen.manual.count:
        lines += ["", f"## {seen.manual.count} need a manual step", ""]
        lines += seen.manual.first
    if seen.warned.count:
        lines += ["", f"## {seen.warned.count} with a warning", ""]
        lines += seen.warned.first
    return "\n".join(lines)


class _Listed:
    """How many lines of a kind, and the items of the first `_LISTED` of them."""

    def __init__(self) -> None:
        self.count = 0
        self.first: list[str] = []

    def add(self, item: Callable[[], str]) -> None:
        self.count += 1
        if len(self.first) < _LISTED:
            self.first.append(item())


_LISTED = 200  # items listed per kind; the run's spreadsheet has them all


class _SummaryLines:
    """What the summary tells of a run's lines, gathered in one pass over them: a large
    run's lines are read from its manifest one at a time."""

    def __init__(self, lines: Iterable[Mapping[str, Any]], base: str) -> None:
        self.base = base  # the run folder's address, which the listed requests link to
        self.totals: dict[str, Decimal] = defaultdict(Decimal)
        self.separately: dict[str, Decimal] = defaultdict(Decimal)
        self.notes: set[str] = set()
        self.removed, self.stopped, self.failed = _Listed(), _Listed(), _Listed()
        self.manual, self.warned, self.handed = _Listed(), _Listed(), _Listed()
        for line in lines:
            self._add(line)

    def _add(self, ln: Mapping[str, Any]) -> None:
        if ln["letter"] and ln["total_due"]:
            self.totals[ln["currency"]] += Decimal(ln["total_due"])
        if ln["letter"] and ln.get("invoice_separately"):
            self.separately[ln["currency"]] += Decimal(ln["invoice_separately"])
        if ln.get("enforcement"):
            self.handed.add(lambda: _handed_item(ln, self.base))
        if ln["outcome"] == "DESELECTED":
            if ln.get("note"):
                self.notes.add(ln["note"])
            self.removed.add(
                lambda: f"- {markdown_text(ln['document_nr'])} · id {ln['invoice_id']}"
            )
        elif ln["outcome"] == "FAILED":
            failed = self.stopped if is_settings_stop(ln["error"]) else self.failed
            failed.add(lambda: _item(ln, "error"))
        elif ln["outcome"] == "MANUAL_ACTION":
            self.manual.add(lambda: _item(ln, "note"))
        if ln.get("warning"):
            self.warned.add(lambda: _item(ln, "warning"))


_GROUP = "'"  # the Swiss thousands separator


def _enforcement(manifest: Mapping[str, Any], handed: _Listed, files_url: str | None) -> list[str]:
    """The debt-enforcement hand-off: the CSV and a request per invoice past the last level."""
    if not manifest.get("enforcement_csv") or not handed.count:
        return []
    base = (files_url or "").rstrip("/")
    return [
        "",
        f"## {handed.count} for debt enforcement",
        "",
        f"[Every request's fields (CSV, enforcement.csv)]({base}/{manifest['enforcement_csv']})",
        "",
        *handed.first,
    ]


def _handed_item(line: Mapping[str, Any], base: str) -> str:
    return (
        f"- [{markdown_text(line['document_nr'])}]({base}/{line['enforcement']}) · "
        f"{line['currency']} {money_text(Decimal(line['open_amount']), group=_GROUP)}"
    )


def _item(line: Mapping[str, Any], field: str) -> str:
    return f"- {markdown_text(line['document_nr'])}: {markdown_text(line[field])}"
