"""Letters rendered in the background while the caller goes on: same files, all of them."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from dunning.letters import bookmark_title, merge_letters, render_letters
from dunning.letters.batch import LetterPool, _context
from dunning.letters.samples import sample_letter

RUN_START = datetime(2026, 11, 30, 6, 0, 2, tzinfo=UTC)  # the run the merge belongs to


def test_background_letters_match_the_ones_rendered_in_process(tmp_path: Path) -> None:
    jobs = [
        (sample_letter(n, language=["de", "fr", "it", "en"][n % 4]), tmp_path / f"{n}.pdf")
        for n in range(1, 31)
    ]
    finished: list[int] = []
    with LetterPool(processes=2, on_done=finished.append) as pool:
        pool.submit(jobs[:12])
        pool.submit(jobs[12:])  # a second batch while the first may still be rendering
        results = pool.wait()
    assert sorted(results) == sorted(path for _, path in jobs)
    assert all(path.read_bytes().startswith(b"%PDF") for _, path in jobs)
    assert sum(finished) == len(jobs)
    direct = render_letters(jobs[:3], processes=1)
    assert [results[r.path].qr_payload for r in direct] == [r.qr_payload for r in direct]


def test_a_letter_that_cannot_be_written_is_reported_by_wait(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where a folder should be")
    with LetterPool(processes=2) as pool:
        pool.submit([(sample_letter(1), blocked / "1.pdf")])
        with pytest.raises(OSError):
            pool.wait()


def test_letters_merged_while_they_render_match_a_merge_afterwards(tmp_path: Path) -> None:
    jobs = [(sample_letter(n), tmp_path / f"{n}.pdf") for n in range(1, 41)]
    titles = {path: bookmark_title(letter) for letter, path in jobs}
    in_order: list[Path] = []
    merge = LetterPool.merge_in_background(tmp_path / "streamed.pdf")

    def merge_meanwhile(finished: list) -> None:
        in_order.extend(r.path for r in finished)
        merge.append([(r.path, titles[r.path]) for r in finished])

    with LetterPool(processes=2, in_order=merge_meanwhile) as pool:
        pool.submit(jobs[:25])
        pool.submit(jobs[25:])
        pool.wait()
    pages = merge.finish(title="Lauf", language="de", created=RUN_START)
    assert in_order == [path for _, path in jobs]  # the submission order, whatever finished first
    merge_letters(
        [(p, titles[p]) for _, p in jobs],
        tmp_path / "after.pdf",
        title="Lauf",
        language="de",
        created=RUN_START,
    )
    streamed, after = PdfReader(tmp_path / "streamed.pdf"), PdfReader(tmp_path / "after.pdf")
    assert pages == len(streamed.pages) == len(after.pages) == 40
    assert [i.title for i in streamed.outline] == [i.title for i in after.outline]
    assert [p.extract_text() for p in streamed.pages[::13]] == [
        p.extract_text() for p in after.pages[::13]
    ]


def test_a_background_merge_that_fails_says_so(tmp_path: Path) -> None:
    merge = LetterPool.merge_in_background(tmp_path / "out.pdf")
    merge.append([(tmp_path / "missing.pdf", "Mahnung")])
    with pytest.raises(RuntimeError, match="merge of the letters failed"):
        merge.finish(title="Lauf", language="de", created=RUN_START)


def test_the_letter_processes_start_with_their_server_objects_frozen() -> None:
    # Frozen, the objects a process shares with the fork server are never walked by its
    # garbage collector: their pages stay shared instead of being copied into each process.
    with _context().Pool(1) as pool:
        assert pool.apply(gc.get_freeze_count) > 10_000


def test_the_letter_processes_do_not_run_the_callers_main_module_again(tmp_path: Path) -> None:
    # As the `dunning` command starts them: from a script. Each run of the script's
    # module (and so of everything it imports) adds a line to `runs.txt`.
    script = tmp_path / "caller.py"
    script.write_text(
        textwrap.dedent(
            """
            import os
            from datetime import UTC, datetime
            from pathlib import Path
            from dunning.letters.batch import LetterPool
            from dunning.letters.samples import sample_letter

            here = Path(__file__).parent
            with open(here / "runs.txt", "a") as runs:
                runs.write(f"{os.getpid()}\\n")
            if __name__ == "__main__":
                with LetterPool(processes=2) as pool:
                    merge = pool.merge_in_background(here / "merged.pdf")
                    pool.submit([(sample_letter(1), here / "letter.pdf")])
                    pool.wait()
                    merge.append([(here / "letter.pdf", "Mahnung")])
                    merge.finish(title="Lauf", language="de", created=datetime.now(UTC))
            """
        )
    )
    subprocess.run([sys.executable, str(script)], check=True, timeout=120)
    assert len(PdfReader(tmp_path / "merged.pdf").pages) == 1
    assert len((tmp_path / "runs.txt").read_text().splitlines()) == 1


def test_a_pool_that_keeps_nothing_gives_each_result_in_order_only(tmp_path: Path) -> None:
    jobs = [(sample_letter(n), tmp_path / f"{n}.pdf") for n in range(1, 21)]
    given: list[Path] = []
    with LetterPool(
        processes=2, in_order=lambda done: given.extend(r.path for r in done), keep=False
    ) as pool:
        pool.submit(jobs)
        assert pool.wait() == {}  # a large run holds no result per letter here
    assert given == [path for _, path in jobs]
