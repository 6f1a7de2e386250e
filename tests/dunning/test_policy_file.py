"""The policy file: what a valid file gives, and what a bookkeeper reads when it is wrong."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dunning.model import STATUS_PENDING, Invoice, Reminder
from dunning.policy_file import PolicyError, example_policy_path, load_policy, parse_policy
from dunning.proposal import Reason
from dunning.rules import propose

VALID = """\
version = "2026-11"
interest_rate_percent = "5.0"
interest_from = "due_date"
final_action = "propose_unpaid"
minimum_amount = { CHF = "10.00", EUR = "10.00" }

[creditor]
name = "Muster AG"
street = "Bahnhofstrasse"
house_num = "1"
pcode = "8001"
city = "Zürich"
country = "CH"
iban = "CH44 3199 9123 0008 8901 2"
transfer_iban = "CH93 0076 2011 6238 5295 7"

[[levels]]
title = { de = "Zahlungserinnerung", fr = "Rappel" }
grace_days = 5
payment_days = 14
fee = { CHF = "0.00" }

[[levels]]
title = { de = "1. Mahnung", en = "First reminder" }
grace_days = 0
payment_days = 10
fee = { CHF = "20.00", EUR = "20.00" }
texts = { de = "Rechnung {document_nr} vom {invoice_date}: bitte {total_due} bis {deadline}." }
"""

LEVEL = """
[[levels]]
title = { de = "Mahnung" }
grace_days = 1
payment_days = 10
"""


def changed(old: str, new: str) -> str:
    assert old in VALID, old
    return VALID.replace(old, new, 1)


def without_levels() -> str:
    return VALID[: VALID.index("[[levels]]")]


# file text -> the field named, words that say what is wrong
BROKEN = [
    pytest.param(
        changed('version = "2026-11"\n', 'version = "2026-11"\ncolour = "red"\n'),
        "colour",
        "not a known setting",
        id="unknown key",
    ),
    pytest.param(
        changed("grace_days = 5", "grace_day = 5"),
        "levels[1].grace_day",
        'did you mean "grace_days"',
        id="unknown key inside a level",
    ),
    pytest.param(
        changed('city = "Zürich"', 'city = "Zürich"\nfax = "044"'),
        "creditor.fax",
        "not a known setting",
        id="unknown key in the creditor",
    ),
    pytest.param(
        changed('fee = { CHF = "20.00", EUR = "20.00" }', 'fee = { CHF = "-5.00" }'),
        "levels[2].fee.CHF",
        'the fee must not be negative (got "-5.00")',
        id="negative fee",
    ),
    pytest.param(
        changed('fee = { CHF = "0.00" }', 'fee = { CHF = "ten" }'),
        "levels[1].fee.CHF",
        'must be an amount like "12.50", not "ten"',
        id="fee is not a number",
    ),
    pytest.param(
        changed('fee = { CHF = "0.00" }', 'fee = { CHF = "0.005" }'),
        "levels[1].fee.CHF",
        "more than 2 decimal places",
        id="fee with fractions of a cent",
    ),
    pytest.param(
        changed("CH44 3199 9123 0008 8901 2", "CH45 3199 9123 0008 8901 2"),
        "creditor.iban",
        "check digits do not match",
        id="IBAN with a typo",
    ),
    pytest.param(
        changed("CH44 3199 9123 0008 8901 2", "DE89 3704 0044 0532 0130 00"),
        "creditor.iban",
        "Swiss or Liechtenstein",
        id="IBAN from Germany",
    ),
    pytest.param(
        changed("CH44 3199 9123 0008 8901 2", "CH44 3199"),
        "creditor.iban",
        "has 21 characters, this one 8",
        id="IBAN too short",
    ),
    pytest.param(
        changed("CH44 3199 9123 0008 8901 2", "CH44 3199 9123 0008 8901 !"),
        "creditor.iban",
        "is not a valid IBAN",
        id="IBAN with a sign that has no place in it",
    ),
    pytest.param(
        changed('city = "Zürich"', 'city = "Zürich"\nlogo = "logo.png"'),
        "creditor.logo",
        "belongs in the [letters] table now",
        id="logo left in the creditor table",
    ),
    pytest.param(
        changed("CH93 0076 2011 6238 5295 7", "CH44 3000 0001 2345 6789 0"),
        "creditor.transfer_iban",
        "is not a valid IBAN",
        id="transfer IBAN with a typo",
    ),
    pytest.param(
        changed("CH93 0076 2011 6238 5295 7", "CH44 3199 9123 0008 8901 2"),
        "creditor.transfer_iban",
        "is a QR-IBAN, which takes only QR-bill payments",
        id="transfer IBAN that is a QR-IBAN",
    ),
    pytest.param(
        changed('transfer_iban = "CH93 0076 2011 6238 5295 7"\n', ""),
        "creditor.transfer_iban",
        "is required, because creditor.iban is a QR-IBAN",
        id="QR-IBAN without an ordinary IBAN for our letters",
    ),
    pytest.param(
        VALID + '\n[letters]\nsource = "pdf"\n',
        "letters.source",
        '"own" or "bexio"',
        id="unknown letter source",
    ),
    pytest.param(
        VALID + '\n[letters]\nsource = "bexio"\nletterhead_paper = true\n',
        "letters.letterhead_paper",
        "applies to our own letters only",
        id="letterhead paper with bexio's letters",
    ),
    pytest.param(
        VALID + '\n[letters]\nsource = "bexio"\nper_customer = true\n',
        "letters.per_customer",
        "applies to our own letters only",
        id="one letter per customer with bexio's letters",
    ),
    pytest.param(
        VALID + '\n[letters]\nlogo_paper = "yes"\n',
        "letters.logo_paper",
        "must be true or false",
        id="logo paper not a flag",
    ),
    pytest.param(
        "levels = []\n" + without_levels(), "levels", "1 to 9 levels (found 0)", id="0 levels"
    ),
    pytest.param(VALID + LEVEL * 8, "levels", "1 to 9 levels (found 10)", id="10 levels"),
    pytest.param(
        without_levels() + '[levels]\ntitle = { de = "x" }\n',
        "levels",
        "[[levels]]",
        id="levels written as a single table",
    ),
    pytest.param(
        changed("grace_days = 5", 'grace_days = "5"'),
        "levels[1].grace_days",
        'whole number without quotes, like 10, not "5"',
        id="days in quotes",
    ),
    pytest.param(
        changed("grace_days = 5", "grace_days = 2.5"),
        "levels[1].grace_days",
        "whole number",
        id="days with decimals",
    ),
    pytest.param(
        changed("grace_days = 5", "grace_days = -1"),
        "levels[1].grace_days",
        "at least 0 (got -1)",
        id="negative grace",
    ),
    pytest.param(
        changed("payment_days = 14", "payment_days = 0"),
        "levels[1].payment_days",
        "at least 1 (got 0)",
        id="no days to pay",
    ),
    pytest.param(
        changed("payment_days = 14\n", ""),
        "levels[1].payment_days",
        "is missing",
        id="missing payment days",
    ),
    pytest.param(
        changed('fr = "Rappel"', 'es = "Recordatorio"'),
        "levels[1].title.es",
        "use de, fr, it or en",
        id="bad language key",
    ),
    pytest.param(
        changed('title = { de = "Zahlungserinnerung", fr = "Rappel" }', "title = {}"),
        "levels[1].title",
        "at least one language",
        id="title without text",
    ),
    pytest.param(
        changed("bitte {total_due}", "bitte {amount}"),
        "levels[2].texts.de",
        '"{amount}", which is not known',
        id="unknown placeholder",
    ),
    pytest.param(
        changed("bitte {total_due}", "bitte {total_due:>10}"),
        "levels[2].texts.de",
        "no format",
        id="placeholder with a format",
    ),
    pytest.param(
        changed("bitte {total_due}", "bitte {total_due"),
        "levels[2].texts.de",
        "without its partner",
        id="unclosed brace",
    ),
    pytest.param(
        changed('version = "2026-11"\n', ""),
        "version",
        "is missing; it is required",
        id="missing version",
    ),
    pytest.param(
        changed('version = "2026-11"', "version = 2026"),
        "version",
        "text in quotes, not the number 2026",
        id="version not text",
    ),
    pytest.param(
        changed('interest_rate_percent = "5.0"', 'interest_rate_percent = "101"'),
        "interest_rate_percent",
        "at most 100",
        id="interest above 100 %",
    ),
    pytest.param(
        changed('interest_from = "due_date"', 'interest_from = "invoice_date"'),
        "interest_from",
        '"due_date" or "first_reminder"',
        id="bad interest start",
    ),
    pytest.param(
        changed('final_action = "propose_unpaid"', 'final_action = "sue"'),
        "final_action",
        '"propose_unpaid" or "none", not "sue"',
        id="bad final action",
    ),
    pytest.param(
        changed('minimum_amount = { CHF = "10.00"', 'minimum_amount = { chf = "10.00"'),
        "minimum_amount.chf",
        "three capital letters",
        id="currency in lower case",
    ),
    pytest.param(
        changed('country = "CH"', 'country = "Schweiz"'),
        "creditor.country",
        "two-letter country code",
        id="country name instead of code",
    ),
    pytest.param(
        changed('name = "Muster AG"', 'name = "' + "M" * 71 + '"'),
        "creditor.name",
        "at most 70 fit",
        id="name too long for the QR-bill",
    ),
    pytest.param(
        changed('city = "Zürich"', 'city = "Zürich"\nemail = "buchhaltung"'),
        "creditor.email",
        "not an e-mail address",
        id="bad e-mail",
    ),
    pytest.param(
        changed('street = "Bahnhofstrasse"\n', ""),
        "creditor.street",
        "is missing",
        id="creditor without street",
    ),
    pytest.param(
        changed('name = "Muster AG"', 'name = ""'),
        "creditor.name",
        "must not be empty",
        id="empty name",
    ),
    pytest.param(
        'default_language = "rm"\n' + VALID,
        "default_language",
        'one of "de", "fr", "it", "en", not "rm"',
        id="unsupported default language",
    ),
    pytest.param(
        changed("payment_days = 14", "payment_days = 14\npayment_days = 15"),
        "line 21",
        "not valid TOML",
        id="duplicate key",
    ),
    pytest.param(
        changed("grace_days = 5", "grace_days = "),
        "line 19, column 14",
        "not valid TOML",
        id="bad TOML syntax",
    ),
]


@pytest.mark.parametrize(("text", "field", "words"), BROKEN)
def test_a_broken_policy_names_file_field_and_problem(text: str, field: str, words: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.toml")
    message = str(caught.value)
    assert message.startswith("policy.toml: ")
    assert f"{field}: " in message or f"{field}," in message
    assert words in message
    assert "\n" not in message and "Traceback" not in message


def test_every_problem_is_reported_at_once() -> None:
    text = changed("grace_days = 5", "grace_days = -1").replace('country = "CH"', 'country = "ch"')
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.toml")
    assert [path for path, _ in caught.value.problems] == [
        "creditor.country",
        "levels[1].grace_days",
    ]
    assert str(caught.value).startswith("policy.toml: 2 problems: (1) creditor.country: ")


@pytest.mark.parametrize(
    ("written", "exact"),
    [
        pytest.param("0.1", "0.1", id="float 0.1 stays 0.1"),
        pytest.param("20.10", "20.10", id="float 20.10 keeps its zero"),
        pytest.param("20", "20", id="integer"),
        pytest.param('"20.00"', "20.00", id="string"),
    ],
)
def test_fees_written_as_numbers_are_read_exactly(written: str, exact: str) -> None:
    policy = parse_policy(changed('fee = { CHF = "0.00" }', f"fee = {{ CHF = {written} }}"))
    fee = policy.level(1).fee("CHF")
    assert isinstance(fee, Decimal) and str(fee) == exact


def test_a_valid_policy_gives_its_values() -> None:
    policy = parse_policy(VALID)
    assert policy.version == "2026-11" and policy.level_count == 2
    assert [level.number for level in policy.levels] == [1, 2]
    assert policy.level(2).fee("EUR") == Decimal("20.00") and policy.level(1).fee("EUR") == 0
    assert policy.level(2).title_for("fr") == "1. Mahnung"  # no French title: default language
    assert policy.minimum_amount == {"CHF": Decimal("10.00"), "EUR": Decimal("10.00")}
    assert policy.creditor.iban == "CH4431999123000889012"
    assert policy.interest_rate_percent == Decimal("5.0") and policy.default_language == "de"
    assert policy.sha256 == hashlib.sha256(VALID.encode()).hexdigest()


def test_optional_settings_have_defaults_and_numbers_are_accepted_as_text() -> None:
    text = (
        changed('interest_rate_percent = "5.0"\n', "")
        .replace('house_num = "1"', "house_num = 1")
        .replace('iban = "CH44 3199 9123 0008 8901 2"', 'iban = "li21 0881 0000 2324 013a a"')
    )
    policy = parse_policy(text)
    assert policy.interest_rate_percent == 0 and policy.creditor.house_num == "1"
    assert policy.creditor.iban == "LI21088100002324013AA"


def test_only_a_qr_iban_needs_the_transfer_iban() -> None:
    without = changed('transfer_iban = "CH93 0076 2011 6238 5295 7"\n', "")
    plain = parse_policy(
        without.replace("CH44 3199 9123 0008 8901 2", "CH58 0079 1123 0008 8901 2")
    )
    assert (plain.creditor.iban, plain.creditor.transfer_iban) == ("CH5800791123000889012", None)
    with pytest.raises(PolicyError, match="creditor.transfer_iban: is required"):
        parse_policy(without + '\n[letters]\nsource = "bexio"\n')


def test_the_letters_table_and_the_transfer_iban_are_read() -> None:
    text = changed("CH93 0076 2011 6238 5295 7", "ch93 0076 2011 6238 5295 7")
    policy = parse_policy(text + '\n[letters]\nsource = "bexio"\nlogo_paper = false\n')
    assert policy.creditor.transfer_iban == "CH9300762011623852957"
    assert (policy.letters.source, policy.letters.logo_paper) == ("bexio", False)
    defaults = parse_policy(VALID).letters
    assert (defaults.source, defaults.logo_paper, defaults.logo) == ("own", True, None)


def test_load_hashes_the_exact_bytes(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(b"# comment\r\n" + VALID.encode())
    first = load_policy(path)
    assert first.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_bytes(b"# another comment\r\n" + VALID.encode())
    assert load_policy(path).sha256 != first.sha256


@pytest.mark.parametrize(
    ("make", "words"),
    [
        pytest.param(
            lambda d: d / "missing.toml", "the policy file does not exist", id="missing file"
        ),
        pytest.param(lambda d: d, "is a folder, not a policy file", id="a folder"),
    ],
)
def test_a_file_that_cannot_be_read(tmp_path: Path, make, words: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == f"{path}: {words}" + (
        "; check the name and folder." if "exist" in words else "."
    )


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(VALID.replace("Zürich", "Z\xfcrich").encode("latin-1"))
    with pytest.raises(PolicyError, match="is not UTF-8 text"):
        load_policy(path)


def test_the_example_policy_loads_with_swiss_defaults() -> None:
    policy = load_policy(example_policy_path())
    assert [level.title_for("de") for level in policy.levels] == [
        "Zahlungserinnerung",
        "1. Mahnung",
        "Letzte Mahnung",
    ]
    assert [level.title_for("it") for level in policy.levels] == [
        "Promemoria di pagamento",
        "1° sollecito",
        "Ultimo sollecito",
    ]
    assert [level.fee("CHF") for level in policy.levels] == [0, Decimal("20.00"), Decimal("30.00")]
    assert [level.payment_days for level in policy.levels] == [14, 10, 10]
    # Art. 102 OR: without an agreed expiry date, default starts with the reminder.
    assert policy.interest_rate_percent == 5 and policy.interest_from == "first_reminder"
    assert policy.final_action == "propose_unpaid"
    assert policy.minimum_amount == {"CHF": Decimal("10.00"), "EUR": Decimal("10.00")}
    assert (policy.creditor.name, policy.creditor.city) == ("Muster AG", "Zürich")
    assert policy.creditor.iban == "CH4431999123000889012"


def test_the_example_policy_charges_interest_from_the_first_reminder_not_the_due_date() -> None:
    policy = load_policy(example_policy_path())
    due = date(2026, 9, 30)
    unreminded = Invoice(
        1, "RE-1", 3, STATUS_PENDING, "CHF", Decimal("1000"), Decimal("1000"), date(2026, 9, 1), due
    )
    reminded = replace(
        unreminded,
        id=2,
        document_nr="RE-2",
        reminders=(Reminder(9, 2, 1, date(2026, 10, 20), date(2026, 11, 3), is_sent=True),),
    )
    found = propose([unreminded, reminded], policy, (), date(2026, 11, 30), {})
    first, second = (d.amounts for d in found.decisions if d.reason is Reason.ESCALATE)
    assert first is not None and second is not None
    assert (first.interest, first.interest_start) == (0, None)  # the friendly reminder
    assert (second.interest_start, second.interest_days) == (date(2026, 10, 20), 41)
