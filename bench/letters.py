"""Benchmark of the letters: letters/s with and without the QR-bill on 1 and 2 processes,
and the streaming merge of 10,000 letters (time and peak RSS of a fresh process).

Run: `python bench/letters.py [--letters N] [--merge N]`; `run()` returns the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dunning.letters import bookmark_title, letter_file_name, render_letters
from dunning.letters.samples import sample_letter

_LANGS = ("de", "fr", "it", "en")


def _jobs(count: int, folder: Path, qr: bool) -> list:
    jobs = []
    for n in range(1, count + 1):
        # A currency the QR-bill does not take: the letter is rendered without payment part.
        currency = "CHF" if qr else "USD"
        letter = sample_letter(n, language=_LANGS[n % 4], level=1 + n % 3, currency=currency)
        jobs.append((letter, folder / letter_file_name(letter.invoice.document_nr, letter.level)))
    return jobs


def _rate(count: int, processes: int, qr: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        jobs = _jobs(count, Path(tmp), qr)
        render_letters(jobs[:20], processes=1)  # warm the caches of this process
        start = time.perf_counter()
        results = render_letters(jobs, processes=processes)
        seconds = time.perf_counter() - start
    assert all((r.qr_payload is not None) == qr for r in results)
    return count / seconds


_MERGE_CHILD = """
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path
from dunning.letters import merge_letters
parts = [(Path(p), t) for p, t in json.load(open(sys.argv[1]))]
start = time.perf_counter()
pages = merge_letters(parts, Path(sys.argv[2]), title="Benchmark", language="de", created=datetime.now(UTC))
seconds = time.perf_counter() - start
# VmHWM is this process's own peak; ru_maxrss would keep the parent's peak across exec.
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"pages": pages, "seconds": seconds, "peak_rss_mb": int(hwm.split()[1]) / 1024}))
"""


def _merge(count: int) -> dict:
    """Render `count` letters (2 processes), then merge them in a fresh process."""
    folder = Path(tempfile.mkdtemp(prefix="letters-bench-"))
    try:
        jobs = _jobs(count, folder, qr=True)
        render_letters(jobs, processes=2)
        listing = folder / "parts.json"
        listing.write_text(json.dumps([[str(p), bookmark_title(text)] for text, p in jobs]))
        out = folder / "letters.pdf"
        done = subprocess.run(
            [sys.executable, "-c", _MERGE_CHILD, str(listing), str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(done.stdout)
        assert figures["pages"] == count
        _check_merged(out, count)
        return {
            "letters": count,
            "seconds": round(figures["seconds"], 2),
            "peak_rss_mb": round(figures["peak_rss_mb"], 1),
            "output_mb": round(out.stat().st_size / 2**20, 1),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check_merged(path: Path, count: int) -> None:
    """The merged file opens in pdfium with every page and one bookmark per letter."""
    import pypdfium2 as pdfium  # a test dependency; only the benchmark needs it here

    doc = pdfium.PdfDocument(str(path))
    try:
        toc = list(doc.get_toc(max_depth=1))
        assert len(doc) == count and len(toc) == count
        assert toc[0].get_dest().get_index() == 0 and toc[-1].get_dest().get_index() == count - 1
    finally:
        doc.close()


def run(letters: int = 1000, merge_letters_count: int = 10_000) -> dict:
    """Letters/s (QR-bill and plain, 1 and 2 processes) and the merge figures."""
    figures = {
        "qr_per_s_1core": round(_rate(letters, 1, qr=True), 1),
        "qr_per_s_2cores": round(_rate(letters, 2, qr=True), 1),
        "plain_per_s_1core": round(_rate(letters, 1, qr=False), 1),
        "plain_per_s_2cores": round(_rate(letters, 2, qr=False), 1),
    }
    figures["merge"] = _merge(merge_letters_count)
    figures["merge_1000"] = _merge(1000)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--merge", type=int, default=10_000)
    args = parser.parse_args()
    figures = run(args.letters, args.merge)
    figures["bench_peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
