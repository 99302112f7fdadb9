"""VAT per line, half-up; a document's VAT is the sum of its rounded lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledger.money import Money
from ledger.pricing_errors import InvalidVatRate
from ledger.vat import VatLine, VatMode, VatRate, document_vat, vat_for_line

VAT_22 = VatRate(Decimal(22))


def rub(text: str) -> Money:
    return Money.parse(text, "RUB")


def test_v1_exclusive_vat_is_added_on_top() -> None:
    line = vat_for_line(rub("1000.00"), VAT_22, VatMode.EXCLUSIVE)
    assert line == VatLine(net=rub("1000.00"), vat=rub("220.00"), gross=rub("1220.00"))


def test_v2_inclusive_vat_is_taken_out_of_the_amount() -> None:
    line = vat_for_line(rub("1220.00"), VAT_22, VatMode.INCLUSIVE)
    assert line == VatLine(net=rub("1000.00"), vat=rub("220.00"), gross=rub("1220.00"))


def test_v3_inclusive_vat_rounds_half_up_at_the_line() -> None:
    line = vat_for_line(rub("99.99"), VAT_22, VatMode.INCLUSIVE)
    assert (line.vat, line.net) == (rub("18.03"), rub("81.96"))


def test_v4_document_vat_is_the_sum_of_rounded_line_vats() -> None:
    lines = [vat_for_line(rub("33.33"), VAT_22, VatMode.EXCLUSIVE) for _ in range(3)]
    assert all(line.vat == rub("7.33") for line in lines)
    document = document_vat(lines, "RUB")
    assert document.vat == rub("21.99")
    assert document.gross == rub("121.98")
    assert document.net == rub("99.99")


def test_reduced_and_zero_rates() -> None:
    assert vat_for_line(rub("100.00"), VatRate(Decimal(10)), VatMode.EXCLUSIVE).vat == rub("10.00")
    zero = vat_for_line(rub("100.00"), VatRate(Decimal(0)), VatMode.INCLUSIVE)
    assert zero == VatLine(net=rub("100.00"), vat=rub("0"), gross=rub("100.00"))


def test_without_vat_the_line_passes_through() -> None:
    none_mode = vat_for_line(rub("100.00"), VAT_22, VatMode.NONE)
    exempt = vat_for_line(rub("100.00"), VatRate.exempt(), VatMode.EXCLUSIVE)
    expected = VatLine(net=rub("100.00"), vat=rub("0"), gross=rub("100.00"))
    assert none_mode == exempt == expected


def test_zero_percent_and_exempt_are_different_facts() -> None:
    assert str(VatRate.exempt()) == "без НДС"
    assert VatRate.exempt().is_exempt
    assert str(VatRate(Decimal(0))) == "0 %"
    assert VatRate(Decimal(0)) != VatRate.exempt()


def test_a_credit_line_carries_negative_vat_mirroring_a_charge() -> None:
    charge = vat_for_line(rub("33.33"), VAT_22, VatMode.EXCLUSIVE)
    credit = vat_for_line(rub("-33.33"), VAT_22, VatMode.EXCLUSIVE)
    assert credit == VatLine(net=-charge.net, vat=-charge.vat, gross=-charge.gross)


@pytest.mark.parametrize("percent", [Decimal(-1), Decimal("NaN"), 22.0])
def test_rates_must_be_non_negative_decimal_percents(percent: Any) -> None:
    with pytest.raises(InvalidVatRate) as raised:
        VatRate(percent)
    assert raised.value.field == "vat_rate"
