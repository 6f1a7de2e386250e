"""A run's large files (its proposal, its manifest) are written and read one item at a
time, and are the same JSON as a file written whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dunning.runs import RunFolder, StoredItems, WrittenWhole

RUN_ID = "2026-11-30-0badcafe"
HEAD = {"run_id": RUN_ID, "counts": {"outcomes": {"ESCALATED": 2}}, "status": "completed"}
LINES = [
    {"invoice_id": 1, "note": 'a note, with "quotes",\nand a line break,'},
    {"invoice_id": 2, "note": "Café de l'Hôtel-de-Ville ]"},
]


def _folder(tmp_path: Path) -> RunFolder:
    return RunFolder.create(tmp_path, RUN_ID, {"run.json": {"run_id": RUN_ID}})


def test_a_file_written_item_by_item_is_the_json_of_the_whole(tmp_path):
    folder = _folder(tmp_path)
    folder.save_json_items("manifest.json", HEAD, "lines", iter(LINES))
    assert folder.load_json("manifest.json") == {**HEAD, "lines": LINES}
    assert list(StoredItems(folder, "manifest.json", "lines")) == LINES
    assert folder.json_head("manifest.json", "lines") == HEAD


@pytest.mark.parametrize("head", [{}, HEAD])
def test_a_file_without_items_is_read_as_such(tmp_path, head):
    folder = _folder(tmp_path)
    folder.save_json_items("manifest.json", head, "lines", iter([]))
    assert folder.load_json("manifest.json") == {**head, "lines": []}
    assert list(folder.json_items("manifest.json", "lines")) == []
    assert folder.json_head("manifest.json", "lines") == head


def test_a_file_an_older_version_wrote_whole_still_gives_its_head(tmp_path):
    folder = _folder(tmp_path)
    folder.save_json("proposal.json", {"decisions": LINES, "expired_blocks": [{"hold_id": 3}]})
    assert folder.json_head("proposal.json", "decisions") == {"expired_blocks": [{"hold_id": 3}]}
    with pytest.raises(WrittenWhole):
        list(folder.json_items("proposal.json", "decisions"))
    assert folder.json_head("nothing.json", "decisions") is None
    assert json.loads((folder.path / "proposal.json").read_text("utf-8"))["decisions"] == LINES
