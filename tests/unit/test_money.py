"""Money: integer minor units, half-up rounding, largest-remainder splits."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import CurrencyMismatch, InvalidAmount, UnknownCurrency
from ledger.money import Money


def test_parse_reads_exact_kopecks() -> None:
    assert Money.parse("1234.56", "RUB") == Money(123456, "RUB")
    assert Money.parse("7", "RUB") == Money(700, "RUB")
    assert Money.parse("100", "JPY") == Money(100, "JPY")


@pytest.mark.parametrize("text", ["1.234", "1e3", "NaN", "Infinity", "abc", ""])
def test_parse_refuses_what_is_not_money(text: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.parse(text, "RUB")


def test_yen_has_no_minor_digits() -> None:
    with pytest.raises(InvalidAmount):
        Money.parse("1.5", "JPY")


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        Money(1, "ZZZ")


def test_of_rounds_half_up_not_half_even() -> None:
    assert Money.of(Decimal("0.125"), "RUB") == Money(13, "RUB")
    assert Money.of(Decimal("2.675"), "RUB") == Money(268, "RUB")
    assert Money.of(Decimal("-0.125"), "RUB") == Money(-13, "RUB")


def test_times_rounds_once() -> None:
    assert Money.parse("24.95", "USD").times(Fraction(9, 31)) == Money(724, "USD")


def test_mixed_currencies_are_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money(1, "RUB") + Money(1, "USD")


def test_float_minor_units_are_refused() -> None:
    with pytest.raises(InvalidAmount):
        Money(1.5, "RUB")  # type: ignore[arg-type]


def test_allocate_gives_leftover_kopecks_to_largest_remainders() -> None:
    assert Money(100, "RUB").allocate([1, 1, 1]) == [
        Money(34, "RUB"),
        Money(33, "RUB"),
        Money(33, "RUB"),
    ]
    assert Money(5, "RUB").allocate([3, 7]) == [Money(2, "RUB"), Money(3, "RUB")]


def test_str_shows_all_minor_digits() -> None:
    assert str(Money(150, "RUB")) == "1.50 RUB"


@given(
    st.integers(min_value=-10**12, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(any),
)
def test_allocation_always_sums_to_the_whole(minor: int, weights: list[int]) -> None:
    parts = Money(minor, "RUB").allocate(weights)
    assert sum(p.minor for p in parts) == minor
    assert len(parts) == len(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(minor * weight, sum(weights))
        assert abs(Fraction(part.minor) - exact) < 1
