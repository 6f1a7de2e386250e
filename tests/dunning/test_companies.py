"""The companies file: each company's name, Secret block, files and schedule, or one
paragraph that names what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from dunning.companies import CompaniesError, parse_companies

TWO = """\
[[company]]
name = "muster-ag"
token_block = "bexio-muster-ag"
policy = "muster/policy.toml"
schedule = "0 6 1 * *"

[[company]]
name = "beispiel-gmbh"
token_block = "bexio-beispiel"
policy = "/srv/beispiel/policy.toml"
blocks = "beispiel/blocks.toml"
output = "/srv/runs/beispiel"
approval = false
"""


def test_companies_are_read_with_their_files_relative_to_the_companies_file() -> None:
    first, second = parse_companies(TWO, "/etc/dunning/companies.toml", Path("/var/runs"))
    assert (first.name, first.token_block, first.tag) == (
        "muster-ag",
        "bexio-muster-ag",
        "company:muster-ag",
    )
    assert first.policy == Path("/etc/dunning/muster/policy.toml")
    assert first.output == Path("/var/runs/muster-ag")  # the output setting, one folder each
    assert (first.schedule, first.approval, first.blocks) == ("0 6 1 * *", True, None)
    assert second.policy == Path("/srv/beispiel/policy.toml")
    assert second.blocks == Path("/etc/dunning/beispiel/blocks.toml")
    assert (second.output, second.schedule, second.approval) == (
        Path("/srv/runs/beispiel"),
        None,
        False,
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "company: is missing"),
        (TWO.replace('name = "muster-ag"', 'name = "Muster AG"'), "company[1].name: a name of"),
        (TWO.replace('token_block = "bexio-beispiel"\n', ""), "company[2].token_block: is missing"),
        (TWO.replace('"bexio-beispiel"', '"bexio-muster-ag"\ntoken = "x"'), "company[2].token"),
        (TWO.replace('"0 6 1 * *"', '"monthly"'), "company[1].schedule: must be a cron line"),
        (TWO.replace('"beispiel-gmbh"', '"muster-ag"'), "company[2].name: is the same as"),
        (TWO.replace("approval = false", 'approval = "no"'), "company[2].approval: must be"),
    ],
)
def test_a_wrong_companies_file_names_the_company_and_the_field(text: str, words: str) -> None:
    with pytest.raises(CompaniesError) as caught:
        parse_companies(text, "companies.toml")
    message = str(caught.value)
    assert message.startswith("companies.toml: ") and words in message, message
    assert "\n" not in message
