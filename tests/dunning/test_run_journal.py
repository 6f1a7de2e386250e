"""The run's journal survives a line cut short: by a crash, a power loss or a full disk."""

from __future__ import annotations

from pathlib import Path

from dunning.runs import RunFolder

RUN_ID = "2026-11-30-0badcafe"


def _folder(tmp_path: Path) -> RunFolder:
    return RunFolder.create(tmp_path, RUN_ID, {"run.json": {"run_id": RUN_ID}})


def _intent(invoice_id: int) -> dict[str, object]:
    return {"event": "intent", "invoice_id": invoice_id, "action": "create_reminder"}


def test_a_journal_cut_in_its_last_line_is_read_up_to_the_cut(tmp_path):
    folder = _folder(tmp_path)
    folder.journal(_intent(1))
    folder.journal(_intent(2))
    whole = folder.journal_path.read_bytes()
    folder.journal_path.write_bytes(whole[:-9])  # the power went in the middle of line 2
    assert [e["invoice_id"] for e in folder.events()] == [1]


def test_an_event_after_a_cut_line_gets_a_line_of_its_own(tmp_path):
    folder = _folder(tmp_path)
    folder.journal(_intent(1))
    with folder.journal_path.open("ab") as fh:
        fh.write(b'{"event": "intent", "invoice_id": 2, "act')  # the disk was full
    folder.journal(_intent(3))
    folder.journal(_intent(4))
    assert [e["invoice_id"] for e in folder.events()] == [1, 3, 4]
    lines = folder.journal_path.read_bytes().splitlines()
    assert lines[1] == b'{"event": "intent", "invoice_id": 2, "act'
    assert len(lines) == 4


def test_a_character_cut_in_half_does_not_stop_the_reader(tmp_path):
    folder = _folder(tmp_path)
    folder.journal({"event": "result", "invoice_id": 1, "outcome": "CHANGED", "note": "Zürich"})
    whole = folder.journal_path.read_bytes()
    cut = whole[: whole.index("ü".encode()) + 1]  # half of the two bytes of "ü"
    folder.journal_path.write_bytes(cut)
    folder.journal(_intent(2))
    assert [e["invoice_id"] for e in folder.events()] == [2]
