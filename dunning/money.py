"""Money helpers: the one place where amounts are rounded, parsed and written as text.

Amounts are `Decimal` everywhere. Arithmetic elsewhere is exact; rounding to a currency's
step (0.05 for CHF cash rounding, 0.01 otherwise) happens only in `round_to_step`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from dunning.errors import DunningError

__all__ = ["DEFAULT_STEP", "CENT", "MoneyError", "round_to_step", "parse_money", "as_text"]

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
    places = min(exact.as_tuple().exponent, step.as_tuple().exponent, -2)  # type: ignore[type-var]
    return exact.quantize(Decimal(1).scaleb(places))


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


def as_text(amount: Decimal) -> str:
    """A plain decimal string with at least two decimals ("80" -> "80.00"), never rounded."""
    if amount.as_tuple().exponent > -2:  # type: ignore[operator]
        amount = amount.quantize(CENT)
    return f"{amount:f}"
