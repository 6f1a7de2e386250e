"""A shelf gives back what it was given, in order, without holding the values itself."""

from __future__ import annotations

import gc
import weakref
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from dunning.shelf import Shelf


@dataclass(frozen=True)
class Kept:
    text: str
    amount: Decimal
    day: date | None = None


def test_values_come_back_equal_in_the_order_their_keys_were_first_given() -> None:
    shelf: Shelf[Kept] = Shelf()
    shelf[30] = Kept("Müller AG", Decimal("1250.05"), date(2026, 12, 14))
    shelf[10] = Kept("Chappuis Sàrl", Decimal("0.10"))
    shelf[20] = Kept("x" * 200_000, Decimal("-3"))  # a large value, read whole
    shelf[30] = Kept("Müller AG", Decimal("99.95"))  # given again: replaced, in its place
    assert list(shelf) == [30, 10, 20]
    assert shelf[30] == Kept("Müller AG", Decimal("99.95"))
    assert shelf[20].text == "x" * 200_000
    assert dict(shelf.items()) == {
        30: Kept("Müller AG", Decimal("99.95")),
        10: Kept("Chappuis Sàrl", Decimal("0.10")),
        20: Kept("x" * 200_000, Decimal("-3")),
    }
    assert len(shelf) == 3 and 10 in shelf and 11 not in shelf


def test_a_key_taken_out_is_gone_and_others_keep_their_order() -> None:
    shelf = Shelf((i, Kept(str(i), Decimal(i))) for i in range(5))
    assert shelf.pop(2) == Kept("2", Decimal(2))
    assert list(shelf) == [0, 1, 3, 4]
    with pytest.raises(KeyError):
        shelf[2]
    assert shelf.get(2) is None


class Value:
    def __init__(self, n: int) -> None:
        self.n = n


def test_the_shelf_does_not_hold_the_values_it_was_given() -> None:
    shelf: Shelf[Value] = Shelf()
    given = Value(7)
    alive = weakref.ref(given)
    shelf[1] = given
    del given
    gc.collect()
    assert alive() is None  # it lives on in the shelf's file only
    assert shelf[1].n == 7
