"""The QR-bill data of a letter: account, reference, validated payload and printed values.

The account and reference are the invoice's own, read from its QR-bill, so that a payment
is matched to the invoice as one made from the invoice would be; where the invoice's
QR-bill could not be used, a creditor reference (ISO 11649) made from the invoice's number,
on the policy's ordinary IBAN. `qrbill` builds and validates the payload; everything that
reaches it is first cut to the field limits and to the QR-bill character set, so that odd
debtor data costs the letter its payment part (with a reason) and never the run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, cast

import zxingcpp
from qrbill import QRBill

from dunning.accounts import is_qr_iban
from dunning.letters.fmt import fill_placeholders, latin_text
from dunning.letters.texts import TEXTS
from dunning.letters.types import LetterInput, PaymentRef
from dunning.model import Address, Invoice
from dunning.money import cents, money_text
from dunning.policy import Creditor

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = [
    "Payment",
    "build_payment",
    "built_ref",
    "qr_ref",
    "transfer_ref",
    "format_reference",
    "qr_runs",
    "make_qrr",
    "make_scor",
]

_MAX_AMOUNT = Decimal("999999999.99")
_QRR_TABLE = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)
_DARK_RUN = re.compile(b"\x00+")


@dataclass(frozen=True)
class Payment:
    """What the payment part prints, and the payload its QR code carries."""

    payload: str
    account: str  # grouped by four
    creditor: tuple[str, ...]
    debtor: tuple[str, ...]  # empty: "Payable by" is a blank box for the payer to fill in
    reference: str  # grouped; "" without a reference
    additional: str
    currency: str
    amount: str  # "1 949.75": the guidelines group thousands with a space
    ref: PaymentRef | None = None  # the account and reference the payload carries


def make_qrr(payload: str) -> str:
    """QR reference: 26 digits plus the modulo-10-recursive check digit."""
    if not payload.isdigit() or len(payload) > 26:
        raise ValueError("a QR reference takes up to 26 digits")
    body, carry = payload.rjust(26, "0"), 0
    for char in body:
        carry = _QRR_TABLE[(carry + int(char)) % 10]
    return body + str((10 - carry) % 10)


def make_scor(payload: str) -> str:
    """ISO 11649 creditor reference: "RF", two check digits, 1 to 21 letters or digits."""
    payload = payload.upper()
    if not (1 <= len(payload) <= 21) or not payload.isascii() or not payload.isalnum():
        raise ValueError("a creditor reference takes 1 to 21 letters or digits")
    numeric = "".join(str(int(c, 36)) for c in payload + "RF00")
    return f"RF{98 - int(numeric) % 97:02d}{payload}"


def built_ref(creditor: Creditor, invoice: Invoice, why: str | None = None) -> PaymentRef:
    """A creditor reference (ISO 11649) from the invoice's number (its id when the number
    has no letter or digit) on the policy's ordinary IBAN: `iban`, or `transfer_iban` where
    `iban` is a QR-IBAN, which takes QR references only. `why` says why the invoice's own
    reference is not used."""
    account = creditor.transfer_iban if is_qr_iban(creditor.iban) else creditor.iban
    if account is None:
        raise ValueError(
            "creditor.iban is a QR-IBAN, which takes QR references only, and there is no "
            "creditor.transfer_iban for a creditor reference"
        )
    alnum = "".join(c for c in invoice.document_nr.upper() if c.isascii() and c.isalnum())
    reference = make_scor(alnum[-21:] if alnum else str(abs(invoice.id))[-21:])
    return PaymentRef(account, "SCOR", reference, from_invoice=False, why=why)


def qr_ref(letter: LetterInput) -> PaymentRef:
    """The account and reference of the letter's QR-bill: the invoice's own, else ours."""
    return letter.payment_ref or built_ref(letter.creditor, letter.invoice)


def transfer_ref(letter: LetterInput) -> PaymentRef:
    """The account and reference for a payment without QR-bill: never a QR-IBAN, which
    takes no ordinary transfer. The invoice's own creditor reference where it has one."""
    own = letter.payment_ref
    if own is not None and own.kind == "SCOR" and not is_qr_iban(own.account):
        return own
    return built_ref(letter.creditor, letter.invoice, own.why if own else None)


def _group(text: str, first: int, size: int) -> str:
    parts = [text[:first]] if first else []
    parts += [text[i : i + size] for i in range(first, len(text), size)]
    return " ".join(p for p in parts if p)


def format_reference(reference: str) -> str:
    """As printed: a QR reference in a group of 2 then groups of 5, a creditor one by 4."""
    return _group(reference, 0, 4) if reference[:2] == "RF" else _group(reference, 2, 5)


def _address(
    name: str,
    street: str | None,
    house: str | None,
    pcode: str | None,
    city: str | None,
    country: str | None,
) -> dict[str, str]:
    return {
        "name": latin_text(name, 70),
        "street": latin_text(street or "", 70),
        "house_num": latin_text(house or "", 16),
        "pcode": latin_text(pcode or "", 16),
        "city": latin_text(city or "", 35),
        "country": (country or "CH").strip().upper() or "CH",
    }


def _lines(addr: dict[str, str]) -> tuple[str, ...]:
    street = " ".join(p for p in (addr["street"], addr["house_num"]) if p)
    prefix = "" if addr["country"] in ("CH", "LI") else addr["country"] + "-"
    place = f"{prefix}{addr['pcode']} {addr['city']}"
    return tuple(line for line in (addr["name"], street, place) if line)


def _debtor_problem(debtor: dict[str, str]) -> str | None:
    for key, what in (("name", "name"), ("pcode", "postal code"), ("city", "city")):
        if not debtor[key]:
            return f"debtor address has no {what}: the QR-bill leaves 'Payable by' blank"
    return None


def _amount_problem(amount: Decimal, currency: str) -> str | None:
    if currency not in ("CHF", "EUR"):
        return f"a QR-bill takes CHF or EUR, not {currency}"
    if amount <= 0:
        return "the amount due is not positive"
    if amount > _MAX_AMOUNT:
        return "the amount due exceeds the QR-bill maximum of 999'999'999.99"
    return None


def build_payment(letter: LetterInput) -> tuple[Payment | None, str | None]:
    """The payment part's data, or None with the reason it cannot be made."""
    cred, debtor_addr = letter.creditor, letter.debtor.address
    # The invoice's open amount only: paid with the invoice's own reference, it settles the
    # invoice in bexio exactly; fees and interest are a separate claim (RULES.md).
    amount = cents(letter.amounts.open_amount)
    currency = letter.amounts.currency.upper()
    creditor = _address(cred.name, cred.street, cred.house_num, cred.pcode, cred.city, cred.country)
    debtor: dict[str, str] | None = _debtor_address(debtor_addr)
    problem = _amount_problem(amount, currency)
    if problem:
        return None, problem
    # The debtor is optional in a QR-bill: without a usable address the payer fills it in.
    unusable = _debtor_problem(debtor) if debtor else None
    if unusable:
        debtor = None
    info = latin_text(_additional_info(letter), 140)
    try:
        ref = qr_ref(letter)
    except ValueError as err:
        return None, f"no QR-bill possible: {err}"
    try:
        bill = _bill(letter, ref, creditor, debtor, money_text(amount), currency, info)
    except ValueError as err:
        if debtor is None or "debtor" not in str(err):
            return None, f"no QR-bill possible: {err}"
        unusable = f"{err}: the QR-bill leaves 'Payable by' blank"
        debtor = None
        bill = _bill(letter, ref, creditor, None, money_text(amount), currency, info)
    warning = "; ".join(w for w in (_built_warning(ref), unusable) if w) or None
    return _printed(bill, ref, creditor, debtor, info, amount), warning


def _built_warning(ref: PaymentRef) -> str | None:
    if ref.from_invoice or ref.why is None:
        return None
    return (
        f"{ref.why}: the letter's QR-bill carries the creditor reference "
        f"{format_reference(ref.reference)} made from the invoice's number instead"
    )


def _bill(
    letter: LetterInput,
    ref: PaymentRef,
    creditor: dict[str, str],
    debtor: dict[str, str] | None,
    amount: str,
    currency: str,
    info: str,
) -> QRBill:
    """The validated bill; raises ValueError on data the guidelines refuse."""
    bill = QRBill(
        account=ref.account,
        creditor=creditor,
        debtor=debtor,
        amount=amount,
        currency=currency,
        reference_number=ref.reference or None,
        additional_information=info,
        language=_language(letter),
    )
    bill.qr_data()
    return bill


def _printed(
    bill: QRBill,
    ref: PaymentRef,
    creditor: dict[str, str],
    debtor: dict[str, str] | None,
    info: str,
    amount: Decimal,
) -> Payment:
    """What the payment part prints of `bill`."""
    return Payment(
        payload=bill.qr_data(),
        account=_group(bill.account, 0, 4),
        creditor=_lines(creditor),
        debtor=_lines(debtor) if debtor else (),
        reference=format_reference(ref.reference),
        additional=info,
        currency=bill.currency,
        amount=money_text(amount, group=" "),
        ref=ref,
    )


def _debtor_address(addr: Address) -> dict[str, str]:
    return _address(addr.name, addr.street, addr.house_num, addr.pcode, addr.city, addr.country)


def _additional_info(letter: LetterInput) -> str:
    template = TEXTS[_language(letter)]["additional_info"]
    return fill_placeholders(
        template, {"title": letter.title, "document_nr": letter.invoice.document_nr}
    )


def _language(letter: LetterInput) -> str:
    return letter.language if letter.language in TEXTS else "de"


def qr_runs(payload: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The QR matrix (ECC M, UTF-8 bytes) as dark runs: (size, [(row, column, length)])."""
    code = zxingcpp.create_barcode(
        payload.encode("utf-8"), zxingcpp.BarcodeFormat.QRCode, ec_level="M"
    )
    image = code.to_image(scale=1, add_quiet_zones=False)
    size: int = image.shape[0]
    # One byte per module; zxing-cpp's stub leaves out the buffer protocol its Image has.
    raw = memoryview(cast("Buffer", image)).tobytes()
    runs = []
    for row in range(size):  # 0 is a dark module, 255 a light one
        start = row * size
        runs += [
            (row, m.start() - start, m.end() - m.start())
            for m in _DARK_RUN.finditer(raw, start, start + size)
        ]
    return size, runs
