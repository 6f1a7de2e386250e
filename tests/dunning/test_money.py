"""Rounding to a currency's step, reading amounts, writing amounts as text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dunning.money import MoneyError, money_text, parse_money, round_to_step


@pytest.mark.parametrize(
    ("amount", "step", "expected"),
    [
        pytest.param("12.325", "0.05", "12.35", id="CHF: tie rounds up"),
        pytest.param("12.324", "0.05", "12.30", id="CHF: below the tie rounds down"),
        pytest.param("12.375", "0.05", "12.40", id="CHF: tie with an odd step count rounds up"),
        pytest.param("12.3749", "0.05", "12.35", id="CHF: just below a tie"),
        pytest.param("0.005", "0.01", "0.01", id="cent: tie rounds up, not to even"),
        pytest.param("0.0049", "0.01", "0.00", id="cent: below the tie"),
        pytest.param("7", "0.05", "7.00", id="whole amount keeps two decimals"),
        pytest.param("2.5", "1", "3.00", id="step of 1 keeps two decimals"),
        pytest.param("1.2345", "0.001", "1.235", id="finer step keeps its decimals"),
        pytest.param("-0.025", "0.05", "-0.05", id="negative tie rounds away from zero"),
    ],
)
def test_round_to_step(amount: str, step: str, expected: str) -> None:
    result = round_to_step(Decimal(amount), Decimal(step))
    assert str(result) == expected


@pytest.mark.parametrize("step", ["0", "-0.05", "NaN"])
def test_round_to_step_refuses_a_step_that_is_not_positive(step: str) -> None:
    with pytest.raises(ValueError, match="positive"):
        round_to_step(Decimal("1.00"), Decimal(step))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", Decimal("12.50")),
        (" 0.1 ", Decimal("0.1")),
        ("-3", Decimal("-3")),
    ],
)
def test_parse_money_is_exact(text: str, expected: Decimal) -> None:
    value = parse_money(text, "fee")
    assert value == expected and str(value) == str(expected)


@pytest.mark.parametrize("text", ["", "abc", "12,50", "NaN", "Infinity", "1e3"])
def test_parse_money_names_the_place_and_the_text(text: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_money(text, "levels[2].fee.CHF")
    assert str(caught.value).startswith("levels[2].fee.CHF: ")
    assert f'"{text}"' in str(caught.value)


@pytest.mark.parametrize(
    ("amount", "group", "text"),
    [
        ("80", "", "80.00"),
        ("80.5", "", "80.50"),
        ("1E+2", "", "100.00"),
        ("0.125", "", "0.13"),  # half-up, as on the letters: never the banker's 0.12
        ("12.345", "", "12.35"),
        ("12.3449", "", "12.34"),
        ("-0.005", "", "-0.01"),  # a tie goes away from zero
        ("1234567.895", "'", "1'234'567.90"),
        ("1234.5", " ", "1 234.50"),
    ],
)
def test_money_text_rounds_half_up_to_the_cent(amount: str, group: str, text: str) -> None:
    assert money_text(Decimal(amount), group=group) == text
