"""Given the reference pricing (M1–M7) and VAT (V1–V4) examples, when invoiced, then exact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ledger.billing import bill
from ledger.errors import CurrencyMismatch
from ledger.periods import Interval
from ledger.vat import VatMode, VatRate

from .builders import Book, amounts, flat, metered, per_unit, rub, subscription, tariff, usd, used

JAN = date(2024, 1, 1)
FEB = date(2024, 2, 1)


def tiers(*bands: tuple[int | None, str, str]) -> list[dict[str, Any]]:
    return [{"up_to": up_to, "unit_price": price, "flat_fee": fee} for up_to, price, fee in bands]


M3 = {
    "kind": "volume",
    "tiers": tiers(
        (10_000, "0.0010", "10"),
        (50_000, "0.0008", "10"),
        (100_000, "0.0006", "10"),
        (None, "0.0004", "10"),
    ),
}
M4_TIERS = tiers((5, "7.00", "0"), (10, "6.50", "0"), (None, "6.00", "0"))
M6 = {"kind": "graduated", "tiers": tiers((10, "10", "2"), (20, "5", "3"), (None, "5", "3"))}


def package(price: str, size: int, free: int) -> dict[str, Any]:
    return {"kind": "package", "package_price": price, "package_size": size, "free_units": free}


def bill_a_month_of_usage(pricing: dict[str, Any], units: int | Decimal) -> list[str]:
    book = Book.of(subscription(tariff(metered(pricing)), JAN))
    if units:
        book.record_usage(used("u1", date(2024, 1, 15), units))
    assert book.bill(date(2024, 1, 31)).is_empty
    result = book.bill(FEB)
    assert all(line.period == Interval(JAN, FEB) for line in result.lines)
    return amounts(result)


@pytest.mark.parametrize(
    ("example", "pricing", "units", "expected"),
    [
        ("M1", package("5.00", 100, 100), 201, "10.00"),
        ("M2 free 0", package("100", 10, 0), 121, "1300.00"),
        ("M2 free 10", package("100", 10, 10), 121, "1200.00"),
        ("M2 free 200", package("100", 10, 200), 121, "0.00"),
        ("M3", M3, 65_000, "49.00"),
        ("M4", {"kind": "graduated", "tiers": M4_TIERS}, 5, "35.00"),
        ("M4", {"kind": "graduated", "tiers": M4_TIERS}, 6, "41.50"),
        ("M4", {"kind": "graduated", "tiers": M4_TIERS}, 20, "127.50"),
        ("M4", {"kind": "graduated", "tiers": M4_TIERS}, 25, "157.50"),
        ("M5", {"kind": "volume", "tiers": M4_TIERS}, 1, "7.00"),
        ("M5", {"kind": "volume", "tiers": M4_TIERS}, 5, "35.00"),
        ("M5", {"kind": "volume", "tiers": M4_TIERS}, 6, "39.00"),
        ("M5", {"kind": "volume", "tiers": M4_TIERS}, 20, "120.00"),
        ("M5", {"kind": "volume", "tiers": M4_TIERS}, 25, "150.00"),
        ("M6", M6, 0, "2.00"),
        ("M6", M6, 1, "12.00"),
        ("M6", M6, 10, "102.00"),
        ("M6", M6, 11, "110.00"),
        ("M6", M6, 12, "115.00"),
        ("M6", M6, 21, "163.00"),
        ("M7", per_unit("0.05"), 1_000, "50.00"),
        ("M7 decimal units", per_unit("0.05"), Decimal("1000.0"), "50.00"),
    ],
)
def test_a_metered_component_prices_the_periods_usage_by_its_model(
    example: str, pricing: dict[str, Any], units: int | Decimal, expected: str
) -> None:
    assert bill_a_month_of_usage(pricing, units) == [expected], example


def test_a_usage_line_shows_the_units_and_the_model() -> None:
    book = Book.of(subscription(tariff(metered(package("5.00", 100, 100))), JAN))
    book.record_usage(used("u1", date(2024, 1, 3), 150), used("u2", date(2024, 1, 20), 51))
    (line,) = book.bill(FEB).lines
    assert line.formula == "10.00 = 201 units, 5.00 per 100 units, first 100 free"
    assert line.quantity == 201
    assert line.kind == "usage"
    assert book.invoices[-1].usage_billed == ("u1", "u2")


def vat_invoice(*prices: str, mode: VatMode) -> Book:
    components = [flat(p, code=f"c{i}", name=f"line {i}") for i, p in enumerate(prices)]
    definition = tariff(*components, currency="RUB", vat_mode=mode, vat_rate="22")
    book = Book.of(subscription(definition, JAN), currency="RUB")
    book.bill(JAN)
    return book


def test_v1_exclusive_vat_is_added_on_top() -> None:
    totals = vat_invoice("1000.00", mode=VatMode.EXCLUSIVE).invoices[0].totals
    assert (totals.vat_total, totals.total) == (rub("220.00"), rub("1220.00"))


def test_v2_inclusive_vat_is_taken_out_of_the_amount() -> None:
    totals = vat_invoice("1220.00", mode=VatMode.INCLUSIVE).invoices[0].totals
    assert (totals.vat_total, totals.net_total) == (rub("220.00"), rub("1000.00"))


def test_v3_inclusive_vat_is_rounded_half_up_per_line() -> None:
    totals = vat_invoice("99.99", mode=VatMode.INCLUSIVE).invoices[0].totals
    assert (totals.vat_total, totals.net_total) == (rub("18.03"), rub("81.96"))


def test_v4_the_documents_vat_is_the_sum_of_its_rounded_lines() -> None:
    totals = vat_invoice("33.33", "33.33", "33.33", mode=VatMode.EXCLUSIVE).invoices[0].totals
    assert [line.vat for line in totals.lines] == [rub("7.33")] * 3
    assert (totals.vat_total, totals.total) == (rub("21.99"), rub("121.98"))


def test_a_customer_vat_rate_replaces_the_tariffs_on_every_line() -> None:
    definition = tariff(flat("1000.00"), currency="RUB", vat_rate="22")
    book = Book.of(subscription(definition, JAN), currency="RUB", vat_rate=VatRate(Decimal(10)))
    result = book.bill(JAN)
    assert result.lines[0].vat_rate == Decimal(10)
    assert result.totals.vat_total == rub("100.00")


def test_a_tariff_without_a_vat_rate_is_invoiced_without_vat() -> None:
    book = Book.of(subscription(tariff(flat("1000.00"), currency="RUB"), JAN), currency="RUB")
    result = book.bill(JAN)
    assert result.lines[0].vat_rate is None
    assert result.totals.lines[0].vat_rate.is_exempt
    assert result.totals.total == rub("1000.00")


def test_account_credit_is_taken_last_and_currencies_must_match() -> None:
    terms = subscription(tariff(flat("24.95")), JAN)
    result = bill(JAN, [terms], [], [], credit_available=usd("5.00"), currency="USD")
    assert (result.totals.credit_applied, result.totals.amount_due) == (usd("5"), usd("19.95"))
    with pytest.raises(CurrencyMismatch):
        bill(JAN, [terms], [], [], credit_available=rub("0"), currency="RUB")
