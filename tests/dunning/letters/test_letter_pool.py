"""Letters rendered in the background while the caller goes on: same files, all of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from dunning.letters import render_letters
from dunning.letters.batch import LetterPool
from dunning.letters.samples import sample_letter


def test_background_letters_match_the_ones_rendered_in_process(tmp_path: Path) -> None:
    jobs = [(sample_letter(n, language=["de", "fr", "it", "en"][n % 4]), tmp_path / f"{n}.pdf")
            for n in range(1, 31)]
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
