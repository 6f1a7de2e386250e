"""The payment part: the QR code on the page decodes to what the payment needs."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum import iso11649
from stdnum.ch import esr

from dunning.letters import render_letter
from dunning.letters.qrpay import make_qrr, make_scor
from dunning.letters.samples import SAMPLE_CREDITOR, sample_letter
from dunning.model import Address
from tests.dunning.letters.letter_helpers import page_texts, payload_of, qr_fields, read_qr

PLAIN_IBAN = "CH5800791123000889012"  # an ordinary IBAN: the reference becomes SCOR
LABELS = {
    "de": "Zahlteil",
    "fr": "Section paiement",
    "it": "Sezione pagamento",
    "en": "Payment part",
}


@pytest.mark.parametrize("lang", ["de", "fr", "it", "en"])
def test_qr_code_on_the_page_matches_the_letter(lang: str, tmp_path: Path) -> None:
    result = render_letter(sample_letter(42, language=lang), tmp_path / "l.pdf")
    codes = read_qr(result.path, preview=f"letter-{lang}")
    assert len(codes) == 1 and codes[0].ec_level == "M"
    assert payload_of(codes[0]) == result.qr_payload
    fields = qr_fields(result.qr_payload or "")
    # The invoice's open amount: fees and interest are invoiced separately.
    assert (fields["amount"], fields["currency"], fields["iban"]) == (
        "1200.00",
        "CHF",
        SAMPLE_CREDITOR.iban,
    )
    assert fields["ref_type"] == "QRR" and esr.is_valid(fields["reference"])
    assert fields["reference"] == make_qrr("42")
    assert "RE-00042" in fields["info"]
    assert fields["debtor_city"] == "Rorschach" and fields["debtor_house"] == "28"
    text = page_texts(result.path)[-1]
    assert LABELS[lang] in text and "1 200.00" in text and result.warning is None


def test_an_ordinary_iban_gets_a_creditor_reference_from_the_document_number(
    tmp_path: Path,
) -> None:
    creditor = dataclasses.replace(SAMPLE_CREDITOR, iban=PLAIN_IBAN)
    letter = sample_letter(7, creditor=creditor, currency="EUR", language="fr")
    result = render_letter(letter, tmp_path / "eur.pdf")
    fields = qr_fields(payload_of(read_qr(result.path)[0]))
    assert (fields["ref_type"], fields["reference"]) == ("SCOR", make_scor("RE00007"))
    assert iso11649.is_valid(fields["reference"])
    assert (fields["currency"], fields["iban"]) == ("EUR", PLAIN_IBAN)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        (Address(name="Ohne Ort AG", street="Weg", house_num="1", pcode="8000"), "city"),
        (Address(name="X AG", pcode="1234", city="Nirgendwo", country="XX"), "'XX'"),
    ],
)
def test_a_debtor_the_qr_bill_cannot_take_gets_a_blank_payable_by(
    address: Address, reason: str, tmp_path: Path
) -> None:
    result = render_letter(sample_letter(address=address), tmp_path / "nocity.pdf")
    assert result.warning is not None and reason in result.warning
    assert payload_of(read_qr(result.path, preview="letter-no-city")[0]) == result.qr_payload
    fields = qr_fields(result.qr_payload or "")
    assert (fields["debtor_name"], fields["debtor_city"], fields["amount"]) == ("", "", "1200.00")
    text = " ".join(page_texts(result.path)[-1].split())
    assert text.count("Zahlbar durch (Name/Adresse)") == 2  # receipt and payment part


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"currency": "USD"}, "USD"),
        ({"open_amount": Decimal("1000000000.00")}, "maximum"),
    ],
)
def test_amounts_a_qr_bill_cannot_carry_give_a_warning(
    change: dict, reason: str, tmp_path: Path
) -> None:
    result = render_letter(sample_letter(**change), tmp_path / "x.pdf")
    assert result.qr_payload is None and reason in (result.warning or "")
    assert "RE-00042" in page_texts(result.path)[0]


def test_an_invalid_creditor_iban_costs_the_payment_part_not_the_letter(tmp_path: Path) -> None:
    creditor = dataclasses.replace(SAMPLE_CREDITOR, iban="CH0000000000000000000")
    result = render_letter(sample_letter(creditor=creditor), tmp_path / "iban.pdf")
    assert result.qr_payload is None and "IBAN" in (result.warning or "")


@pytest.mark.parametrize(
    "name", ["山田商事株式会社", "Иван Петров 😀", "Łukasz Żółć", "Ørsted Ærø ß"]
)
def test_non_latin_names_render_and_stay_in_the_qr_character_set(name: str, tmp_path: Path) -> None:
    address = Address(name=name, street="Rue du Lac", house_num="1", pcode="1000", city="Lausanne")
    result = render_letter(sample_letter(address=address), tmp_path / "n.pdf")
    assert result.qr_payload is not None, result.warning
    debtor_name = qr_fields(result.qr_payload)["debtor_name"]
    assert debtor_name and all(ord(c) <= 0x17F or c in "ȘșȚț€" for c in debtor_name)
    assert payload_of(read_qr(result.path)[0]) == result.qr_payload


def test_over_long_fields_are_cut_to_the_qr_bill_limits(tmp_path: Path) -> None:
    address = Address(
        name="N" * 90, street="S" * 80, house_num="9" * 20, pcode="1" * 20, city="C" * 40
    )
    result = render_letter(sample_letter(address=address), tmp_path / "long.pdf")
    fields = qr_fields(result.qr_payload or "")
    assert [
        len(fields[k])
        for k in ("debtor_name", "debtor_street", "debtor_house", "debtor_pcode", "debtor_city")
    ] == [70, 70, 16, 16, 35]
    assert payload_of(read_qr(result.path)[0]) == result.qr_payload


@pytest.mark.parametrize("payload", ["21000000000313947143000901", "42", "1", "99999999"])
def test_qr_references_carry_the_right_check_digit(payload: str) -> None:
    reference = make_qrr(payload)
    assert reference == payload.rjust(26, "0") + esr.calc_check_digit(payload.rjust(26, "0"))
    assert esr.is_valid(reference)


@pytest.mark.parametrize("payload", ["539007547034", "RE00042", "A"])
def test_creditor_references_are_valid_iso_11649(payload: str) -> None:
    assert iso11649.is_valid(make_scor(payload))


def test_an_unsupported_language_falls_back_to_german_with_payment_part(tmp_path: Path) -> None:
    result = render_letter(sample_letter(language="es"), tmp_path / "es.pdf")
    assert result.qr_payload is not None and result.warning is None
    assert "Zahlteil" in page_texts(result.path)[-1]
