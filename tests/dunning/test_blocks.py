"""The blocks file, and when a block applies."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dunning.blocks import Block, BlocksError, load_blocks, parse_blocks

VALID = """\
[[block]]
invoice_id = 123
reason = "disputed by customer"
until = "2026-12-31"

[[block]]
contact_id = 7
reason = "payment plan agreed"

[[block]]
invoice_id = 124
reason = "  credit note coming  "
until = 2027-01-15
"""


def test_a_valid_file_gives_its_blocks() -> None:
    assert parse_blocks(VALID) == (
        Block("disputed by customer", invoice_id=123, until=date(2026, 12, 31)),
        Block("payment plan agreed", contact_id=7),
        Block("credit note coming", invoice_id=124, until=date(2027, 1, 15)),
    )


def test_an_empty_file_blocks_nothing() -> None:
    assert parse_blocks("# no blocks at the moment\n") == ()


def entry(body: str) -> str:
    return VALID + "\n[[block]]\n" + body


# file text -> the field named, words that say what is wrong
BROKEN = [
    pytest.param(
        entry('invoice_id = 5\ncontact_id = 6\nreason = "x"\n'),
        "block[4]",
        "exactly one of invoice_id or contact_id (found 2)",
        id="both invoice and contact",
    ),
    pytest.param(
        entry('reason = "x"\n'),
        "block[4]",
        "exactly one of invoice_id or contact_id (found 0)",
        id="neither invoice nor contact",
    ),
    pytest.param(entry("invoice_id = 5\n"), "block[4].reason", "is missing", id="no reason"),
    pytest.param(
        entry('invoice_id = 5\nreason = "  "\n'),
        "block[4].reason",
        "must not be empty",
        id="empty reason",
    ),
    pytest.param(
        entry('invoice_id = 5\nreason = "x"\nuntil = "2026-02-30"\n'),
        "block[4].until",
        'is not a real date (got "2026-02-30")',
        id="date that is no date",
    ),
    pytest.param(
        entry('invoice_id = 5\nreason = "x"\nuntil = "end of year"\n'),
        "block[4].until",
        "written like 2026-12-31",
        id="words instead of a date",
    ),
    pytest.param(
        entry('invoice_id = 5\nreason = "x"\nuntil = "31.12.2026"\n'),
        "block[4].until",
        "written like 2026-12-31",
        id="Swiss date format",
    ),
    pytest.param(
        entry('invoice_id = 5\nreason = "x"\nuntil = 2026-12-31T12:00:00\n'),
        "block[4].until",
        "without a time",
        id="date with a time",
    ),
    pytest.param(
        entry('invoice_id = "5"\nreason = "x"\n'),
        "block[4].invoice_id",
        'whole number without quotes, like 10, not "5"',
        id="id in quotes",
    ),
    pytest.param(
        entry('contact_id = 0\nreason = "x"\n'), "block[4].contact_id", "at least 1", id="id zero"
    ),
    pytest.param(
        entry('invoice_id = 5\nreason = "x"\nnote = "y"\n'),
        "block[4].note",
        "not a known setting",
        id="unknown key",
    ),
    pytest.param(
        entry('invoice_id = 123\nreason = "again"\n'),
        "block[4]",
        "invoice 123 is already blocked by block[1]",
        id="duplicate invoice",
    ),
    pytest.param(
        entry('contact_id = 7\nreason = "again"\n'),
        "block[4]",
        "contact 7 is already blocked by block[2]",
        id="duplicate contact",
    ),
    pytest.param(
        '[block]\ninvoice_id = 5\nreason = "x"\n', "block", "[[block]]", id="single brackets"
    ),
    pytest.param("blocks = []\n", "blocks", 'did you mean "block"?', id="misspelt section"),
    pytest.param(
        entry('invoice_id = 5\nreason = "x\n'),
        "line 17, column 12",
        "not valid TOML",
        id="unclosed quote",
    ),
]


@pytest.mark.parametrize(("text", "field", "words"), BROKEN)
def test_a_broken_blocks_file_names_file_field_and_problem(
    text: str, field: str, words: str
) -> None:
    with pytest.raises(BlocksError) as caught:
        parse_blocks(text, "blocks.toml")
    message = str(caught.value)
    assert message.startswith(f"blocks.toml: {field}: ") or f") {field}: " in message
    assert words in message
    assert "\n" not in message


def test_load_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "blocks.toml"
    path.write_text(entry("invoice_id = 5\n"), encoding="utf-8")
    with pytest.raises(BlocksError, match=r"blocks\.toml: block\[4\]\.reason: is missing"):
        load_blocks(path)
    with pytest.raises(BlocksError, match="the blocks file does not exist"):
        load_blocks(tmp_path / "other.toml")
    path.write_text(VALID, encoding="utf-8")
    assert len(load_blocks(path)) == 3


@pytest.mark.parametrize(
    ("until", "reference_date", "applies"),
    [
        pytest.param(None, date(2030, 1, 1), True, id="no end: always applies"),
        pytest.param(date(2026, 11, 30), date(2026, 11, 29), True, id="before the last day"),
        pytest.param(date(2026, 11, 30), date(2026, 11, 30), True, id="on the last day"),
        pytest.param(date(2026, 11, 30), date(2026, 12, 1), False, id="the day after: expired"),
    ],
)
def test_when_a_block_applies(until: date | None, reference_date: date, applies: bool) -> None:
    assert Block("hold", invoice_id=1, until=until).applies(reference_date) is applies
