"""The policy file `dunning init` writes: the shipped example, headed by what to change."""

from __future__ import annotations

from dunning.policy_file import example_policy_path

__all__ = ["policy_template"]

_HEADER = """\
# Dunning policy, written by `dunning init`: how and when your customers are reminded of
# unpaid invoices. Every run reads it; nothing here is yours yet. Before the first run:
#
#   1. [creditor]: put in your company's name and address and your IBAN or QR-IBAN (with
#      a QR-IBAN, also the account's ordinary IBAN as transfer_iban). As
#      written, every letter and every QR-bill would name "Muster AG" and ask your
#      customers to pay into the example's bank account.
#   2. version: a text of your own; change it whenever you change this file.
#   3. The interest, the minimum amounts, and each level's periods and fees: check them
#      against your terms and conditions (AGB / CG).
#
# Then `dunning run --dry-run` shows the letters and pushes nothing to bexio.
# Amounts are written in quotes ("20.00") so that they are taken exactly as written.
# Dates are calendar days; weekends and holidays are not skipped.
"""

_CREDITOR = "[creditor]\n"
_CREDITOR_MARK = "[creditor]  # CHANGE every line of this table to your company and account\n"


def policy_template() -> str:
    """The text of a new policy.toml: the example without its own opening paragraph."""
    example = example_policy_path().read_text(encoding="utf-8")
    _, body = example.split("\n\n", 1)  # the example's opening paragraph speaks of copying it
    if _CREDITOR not in body:
        raise AssertionError("the example policy has no [creditor] table to mark")
    return f"{_HEADER}\n{body.replace(_CREDITOR, _CREDITOR_MARK, 1)}"
