"""Money helpers: the one place where amounts are rounded, parsed and written as text.

Amounts are `Decimal` everywhere. Arithmetic elsewhere is exact; rounding to a currency's
step (0.05 for CHF cash rounding, 0.01 otherwise) happens only in `round_to_step`, and an
amount becomes text only through `money_text`, which rounds half-up to the cent, so an
amount reads the same on the letter, in the QR-bill, the record, the artifacts and the form.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from dunning.errors import DunningError

__all__ = [
    "DEFAULT_STEP",
    "CENT",
    "MoneyError",
    "round_to_step",
    "parse_money",
    "cents",
    "money_text",
    "decimal_places",
]

DEFAULT_STEP = Decimal("0.01")
CENT = Decimal("0.01")


class MoneyError(DunningError, ValueError):
    """A text that should be an amount is not one."""


def round_to_step(amount: Decimal, step: Decimal) -> Decimal:
    """Round half-up (away from zero on a tie) to a multiple of `step`.

    The result keeps at least two decimals, so 12.325 at step 0.05 gives 12.35 and 7 at
    step 1 gives 7.00: amounts print the same way whatever the step.
    """
    if not step.is_finite() or step <= 0:
        raise ValueError(f"a rounding step must be a positive amount, not {step}")
    units = (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    exact = units * step
    places = min(_exponent(exact), _exponent(step), -2)
    return exact.quantize(Decimal(1).scaleb(places))


def decimal_places(amount: Decimal) -> int:
    """How many decimals a finite amount is written with ("12.50": 2, "12": 0)."""
    return max(0, -_exponent(amount))


def _exponent(value: Decimal) -> int:
    """The exponent of a finite amount ("12.50" has -2); NaN and infinity have none."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise MoneyError(f"{value} is not an amount")
    return exponent


def parse_money(text: str, where: str) -> Decimal:
    """Read a decimal string such as "12.50" exactly; `where` names it in the error."""
    cleaned = text.strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError(f'{where}: "{text}" is not an amount; write it like "12.50"') from None
    if not value.is_finite() or "e" in cleaned.lower():
        raise MoneyError(f'{where}: "{text}" is not an amount; write it like "12.50"')
    return value


def cents(amount: Decimal) -> Decimal:
    """The amount rounded half-up (away from zero on a tie) to the cent: 12.345 -> 12.35."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(amount: Decimal, *, group: str = "", point: str = ".") -> str:
    """An amount as every letter, record, artifact and form shows it: rounded once, by
    `cents`, and written with two decimals; `group` goes between thousands ("'" on Swiss
    letters, " " on the QR-bill), `point` before the cents."""
    text = f"{cents(amount):,.2f}"
    return text.replace(",", "\0").replace(".", point).replace("\0", group)
