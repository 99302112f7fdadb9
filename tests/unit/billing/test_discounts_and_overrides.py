"""Given discounts and individual prices, when invoices are made, then each applies as agreed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledger.billing import DiscountTerms, PriceOverride

from .builders import (
    Book,
    amounts,
    flat,
    metered,
    per_unit,
    seat,
    spans,
    subscription,
    tariff,
    usd,
    used,
)

JAN, FEB, MAR, APR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
HUNDRED = tariff(flat("100.00"))


def percent_off(percent: int, periods: int) -> DiscountTerms:
    return DiscountTerms(
        discount_id="d1", kind="percent", percent=Decimal(percent), periods=periods
    )


def test_a_discount_for_two_periods_applies_to_two_invoices_then_stops() -> None:
    book = Book.of(subscription(HUNDRED, JAN), discounts=(percent_off(10, periods=2),))
    discounts = [book.bill(day).totals.discount_total for day in (JAN, FEB, MAR)]
    assert discounts == [usd("10"), usd("10"), usd("0")]
    assert [result.discount_periods_used for result in book.invoices] == [{"d1": 1}, {"d1": 2}, {}]
    assert book.invoices[2].discounts_applied == ()


def test_an_empty_invoice_uses_no_discount_period() -> None:
    book = Book.of(subscription(HUNDRED, JAN), discounts=(percent_off(10, periods=1),))
    book.bill(JAN)
    assert book.bill(JAN).discount_periods_used == {}
    assert book.discounts[0].periods_used == 1


def test_a_discount_until_a_date_stops_after_it() -> None:
    fixed = DiscountTerms(
        discount_id="d1", kind="fixed", amount=usd("5.00"), until=date(2024, 2, 15)
    )
    book = Book.of(subscription(HUNDRED, JAN), discounts=(fixed,))
    totals = [book.bill(day).totals.total for day in (JAN, FEB, MAR)]
    assert totals == [usd("95"), usd("95"), usd("100")]


def test_discounts_apply_in_position_order_and_a_component_discount_touches_its_lines_only() -> (
    None
):
    definition = tariff(flat("100.00"), seat("10.00"))
    seats_half = DiscountTerms(
        discount_id="seats", kind="percent", percent=Decimal(50), component="seats", position=1
    )
    five_off = DiscountTerms(discount_id="five", kind="fixed", amount=usd("5.00"), position=2)
    book = Book.of(subscription(definition, JAN, quantity=2), discounts=(five_off, seats_half))
    result = book.bill(JAN)
    assert result.discounts_applied == ("seats", "five")
    assert result.totals.discounts_applied == (usd("10"), usd("5"))
    assert result.totals.total == usd("105")


def test_an_individual_price_replaces_the_tariffs_until_its_end_date() -> None:
    loyalty = PriceOverride(price=Decimal("20.00"), until=date(2024, 3, 15), note="loyalty")
    book = Book.of(subscription(tariff(flat("30.00")), FEB, overrides={"base": loyalty}))

    february = book.bill(FEB)
    assert amounts(february) == ["20.00"]
    assert february.lines[0].formula == "20.00 = 20.00, individual price: loyalty"

    march = book.bill(MAR)
    assert spans(march) == ["2024-03-01 → 2024-03-15", "2024-03-15 → 2024-04-01"]
    assert [line.formula for line in march.lines] == [
        "9.03 = 20.00 × 14/31, individual price: loyalty",
        "16.45 = 30.00 × 17/31",
    ]
    assert amounts(book.bill(APR)) == ["30.00"]


def test_individual_pricing_of_a_metered_component() -> None:
    cheaper = PriceOverride(pricing={"kind": "per_unit", "unit_price": "0.01"}, until=FEB)
    definition = tariff(metered(per_unit("0.05")))
    book = Book.of(subscription(definition, JAN, overrides={"api": cheaper}))
    book.record_usage(used("u1", date(2024, 1, 9), 1000), used("u2", date(2024, 2, 9), 1000))
    assert amounts(book.bill(FEB)) == ["10.00"]
    assert book.invoices[0].lines[0].formula.endswith(", individual pricing")
    assert amounts(book.bill(MAR)) == ["50.00"]
