"""Proration: price × days in the part / days in its billing period, rounded half-up once."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import CurrencyMismatch
from ledger.money import Money
from ledger.periods import BillingPeriod, Interval, PeriodUnit, full_period_around, iter_periods
from ledger.pricing_errors import InvalidPeriod
from ledger.proration import plan_change_lines, prorate

MONTHLY = BillingPeriod(PeriodUnit.MONTH)


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


def test_p1_leading_part_then_full_period() -> None:
    leading, full = list(iter_periods(date(2021, 9, 16), 25, MONTHLY, until=date(2021, 10, 1)))
    first = prorate(usd("24.95"), leading.covers, leading.full)
    assert first.amount == usd("7.24")
    assert first.fraction == Fraction(9, 31)
    assert first.explanation == "7.24 = 24.95 × 9/31, 2021-09-16 → 2021-09-25"
    assert prorate(usd("24.95"), full.covers, full.full).amount == usd("24.95")


def test_p2_eight_days_of_thirty_one() -> None:
    part = Interval(date(2021, 9, 17), date(2021, 9, 25))
    assert prorate(usd("24.95"), part, full_period_around(part.start, 25, MONTHLY)).amount == usd(
        "6.44"
    )


def test_p3_a_leading_part_into_the_next_month_uses_that_periods_thirty_days() -> None:
    part = Interval(date(2021, 9, 30), date(2021, 10, 25))
    containing = full_period_around(part.start, 25, MONTHLY)
    assert containing == Interval(date(2021, 9, 25), date(2021, 10, 25))
    assert prorate(usd("24.95"), part, containing).amount == usd("20.79")


def test_p4_in_arrears_the_first_period_is_billed_in_full_at_its_end() -> None:
    period = next(iter_periods(date(2021, 9, 17), 17, MONTHLY))
    assert period.covers.end == date(2021, 10, 17)
    assert prorate(usd("24.95"), period.covers, period.full).amount == usd("24.95")


def test_p6_an_upgrade_on_the_first_day_credits_all_of_the_old_price() -> None:
    period = Interval(date(2021, 9, 29), date(2021, 10, 29))
    credit, charge = plan_change_lines(
        usd("500"), usd("1000"), date(2021, 9, 29), period, old_label="Basic", new_label="Pro"
    )
    assert (credit.kind, credit.amount) == ("credit_unused", usd("-500"))
    assert (charge.kind, charge.amount) == ("charge_remaining", usd("1000"))
    assert credit.amount + charge.amount == usd("500")
    assert credit.covers == charge.covers == period


def test_p7_an_end_of_term_downgrade_is_simply_the_new_price_for_the_next_period() -> None:
    next_period = next(iter_periods(date(2021, 10, 29), 29, MONTHLY))
    assert next_period.covers == Interval(date(2021, 10, 29), date(2021, 11, 29))
    assert prorate(usd("100"), next_period.covers, next_period.full).amount == usd("100")


def test_p8_a_change_halfway_credits_half_the_old_and_charges_half_the_new() -> None:
    period = Interval(date(2021, 9, 1), date(2021, 10, 1))
    credit, charge = plan_change_lines(
        usd("10"), usd("20"), date(2021, 9, 16), period, old_label="Lite", new_label="Plus"
    )
    assert credit.amount == usd("-5")
    assert charge.amount == usd("10")
    assert credit.amount + charge.amount == usd("5")


def test_plan_change_lines_explain_themselves() -> None:
    period = Interval(date(2021, 9, 1), date(2021, 10, 1))
    credit, charge = plan_change_lines(
        usd("1000"),
        usd("1500"),
        date(2021, 9, 16),
        period,
        old_label="Tariff A",
        new_label="Tariff B",
    )
    assert credit.formula == "−500.00 = 1000.00 × 15/30, unused part of Tariff A"
    assert charge.formula == "750.00 = 1500.00 × 15/30, remaining part of Tariff B"
    assert charge.covers == Interval(date(2021, 9, 16), date(2021, 10, 1))


def test_one_day_of_a_leap_february_is_a_twenty_ninth() -> None:
    february = Interval(date(2024, 2, 1), date(2024, 3, 1))
    one_day = Interval(date(2024, 2, 29), date(2024, 3, 1))
    assert prorate(usd("29.00"), one_day, february).amount == usd("1.00")


def test_a_day_of_a_leap_year_is_a_366th_of_the_yearly_price() -> None:
    year = Interval(date(2024, 1, 1), date(2025, 1, 1))
    one_day = Interval(date(2024, 12, 31), date(2025, 1, 1))
    assert prorate(usd("366.00"), one_day, year).fraction == Fraction(1, 366)
    assert prorate(usd("366.00"), one_day, year).amount == usd("1.00")


def test_halves_round_up() -> None:
    period = Interval(date(2021, 9, 1), date(2021, 9, 3))
    half = Interval(date(2021, 9, 1), date(2021, 9, 2))
    assert prorate(usd("0.01"), half, period).amount == usd("0.01")


def test_a_part_outside_its_period_is_rejected() -> None:
    period = Interval(date(2021, 9, 1), date(2021, 10, 1))
    with pytest.raises(InvalidPeriod):
        prorate(usd("10"), Interval(date(2021, 9, 20), date(2021, 10, 2)), period)


def test_a_change_outside_the_period_is_rejected() -> None:
    period = Interval(date(2021, 9, 1), date(2021, 10, 1))
    with pytest.raises(InvalidPeriod) as raised:
        plan_change_lines(
            usd("10"), usd("20"), date(2021, 10, 1), period, old_label="A", new_label="B"
        )
    assert raised.value.field == "change_on"


def test_a_change_between_currencies_is_rejected() -> None:
    period = Interval(date(2021, 9, 1), date(2021, 10, 1))
    with pytest.raises(CurrencyMismatch):
        plan_change_lines(
            usd("10"),
            Money.parse("20", "EUR"),
            date(2021, 9, 10),
            period,
            old_label="A",
            new_label="B",
        )


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    length=st.integers(2, 400),
    split=st.integers(1, 399),
    minor=st.integers(0, 10**9),
)
def test_prorating_two_parts_of_a_period_misses_the_full_price_by_at_most_one_minor_unit(
    start: date, length: int, split: int, minor: int
) -> None:
    split = min(split, length - 1)
    price = Money(minor, "USD")
    period = Interval(start, start + timedelta(days=length))
    middle = start + timedelta(days=split)
    head = prorate(price, Interval(start, middle), period).amount
    tail = prorate(price, Interval(middle, period.end), period).amount
    assert abs((head + tail).minor - price.minor) <= 1
