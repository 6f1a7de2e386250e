"""`manifest.json`, the record of a run (shape in docs/INTERFACES.md), and its summary.

One line per open invoice, in proposal order, with what was decided, what happened and
the letter made for it; counts per reason and per outcome; the run's status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from dunning.enforcement import ENFORCEMENT_CSV
from dunning.outcome import Result
from dunning.proposal import Decision
from dunning.record import SCHEMA, counted, manifest_line
from dunning.run_plan import RunStatus

if TYPE_CHECKING:  # the letters package imports the PDF libraries
    from dunning.letters.types import PaymentRef

__all__ = ["LetterFile", "PRINT_PDF", "build_manifest", "manifest_head", "manifest_lines"]

PRINT_PDF = "letters-to-print.pdf"  # the letters to post: those not e-mailed


class LetterFile(Protocol):
    """A letter as the manifest names it: its file inside the run folder, any warning, and
    the account and reference it asks the payment to carry."""

    @property
    def relative(self) -> str: ...

    @property
    def warning(self) -> str | None: ...

    @property
    def payment_ref(self) -> PaymentRef | None: ...

    @property
    def from_bexio(self) -> bool: ...  # bexio's reminder PDF: it claims no fee or interest


def build_manifest(
    meta: Mapping[str, Any],
    decisions: Sequence[Decision],
    results: Mapping[int, Result],
    letters: Mapping[int, LetterFile],
    status: RunStatus,
    *,
    run_id: str,
    flow_run_id: str,
    now: str,
    enforcement: Mapping[int, str] | None = None,
    to_print: int = 0,
) -> dict[str, Any]:
    """The manifest of a run started as `meta` (its `run.json`), whole: `manifest_head`
    and its `manifest_lines`."""
    head = manifest_head(
        meta,
        decisions,
        results,
        status,
        run_id=run_id,
        flow_run_id=flow_run_id,
        now=now,
        letters=bool(letters),
        enforcement=bool(enforcement),
        to_print=to_print,
    )
    lines = manifest_lines(decisions, results, letters, enforcement)
    return {**head, "lines": list(lines)}


def manifest_head(
    meta: Mapping[str, Any],
    decisions: Iterable[Decision],
    results: Mapping[int, Result],
    status: RunStatus,
    *,
    run_id: str,
    flow_run_id: str,
    now: str,
    letters: bool,
    enforcement: bool,
    to_print: int = 0,
) -> dict[str, Any]:
    """The manifest but its lines: `now` is when the run ended, unless it is awaiting
    approval; `letters` whether there are any (merged in letters.pdf), `enforcement`
    whether debt-enforcement requests were made; `to_print` letters are posted, merged in
    PRINT_PDF."""
    reasons: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for d in decisions:
        reasons[d.reason.value] += 1
        if (result := results.get(d.invoice.id)) is not None:
            outcomes[result.outcome.value] += 1
    return {
        "schema": SCHEMA,
        "run_id": run_id,
        "flow_run_id": flow_run_id or meta.get("flow_run_id") or "",
        "reference_date": meta["reference_date"],
        "status": status.value,
        "policy": meta["policy"],
        "started_at": meta["started_at"],
        "finished_at": None if status is RunStatus.AWAITING_APPROVAL else now,
        "counts": counted(reasons, outcomes),
        "merged_pdf": "letters.pdf" if letters else None,
        "enforcement_csv": ENFORCEMENT_CSV if enforcement else None,
        "letters_to_print": to_print,
        "print_pdf": PRINT_PDF if to_print else None,
    }


def manifest_lines(
    decisions: Iterable[Decision],
    results: Mapping[int, Result],
    letters: Mapping[int, LetterFile],
    enforcement: Mapping[int, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """The manifest's lines, one per decision, made as they are asked for. `enforcement`
    names the debt-enforcement request of each invoice handed over. An invoice whose letter
    is bexio's reminder PDF, which claims none of our fees or interest, has nothing to
    invoice separately."""
    requests = enforcement or {}
    for d in decisions:
        letter = letters.get(d.invoice.id)
        line = manifest_line(
            d,
            results.get(d.invoice.id),
            letter.relative if letter else None,
            letter.warning if letter else None,
            letter.payment_ref if letter else None,
        )
        line["enforcement"] = requests.get(d.invoice.id)
        if letter and letter.from_bexio and line["invoice_separately"] is not None:
            line["invoice_separately"] = "0.00"
        yield line
