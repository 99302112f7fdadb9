"""Pricing models: exact tiers, packages and percents, rounded half-up once at the end."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.money import Money
from ledger.pricing import (
    Graduated,
    Package,
    Percentage,
    PerUnit,
    PricingModel,
    Tier,
    Volume,
    from_dict,
    to_dict,
)
from ledger.pricing_errors import InvalidPrice, InvalidPricingModel, InvalidQuantity, InvalidTiers

D = Decimal
M4_TIERS = (Tier(5, D("7.00")), Tier(10, D("6.50")), Tier(None, D("6.00")))
M6 = Graduated((Tier(10, D(10), D(2)), Tier(20, D(5), D(3)), Tier(None, D(5), D(3))))


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


def test_m1_package_with_free_units_charges_each_started_package() -> None:
    assert Package(D("5.00"), 100, free_units=100).price(201, "USD") == usd("10.00")


@pytest.mark.parametrize(("free", "expected"), [(0, "1300"), (10, "1200"), (200, "0")])
def test_m2_package_of_ten_for_121_units(free: int, expected: str) -> None:
    assert Package(D(100), 10, free_units=free).price(121, "USD") == usd(expected)


def test_m3_volume_prices_all_units_at_the_tier_reached_plus_its_flat_fee() -> None:
    volume = Volume(
        (
            Tier(10_000, D("0.0010"), D(10)),
            Tier(50_000, D("0.0008"), D(10)),
            Tier(100_000, D("0.0006"), D(10)),
            Tier(None, D("0.0004"), D(10)),
        )
    )
    assert volume.price(65_000, "USD") == usd("49.00")


@pytest.mark.parametrize(
    ("units", "expected"), [(5, "35.00"), (6, "41.50"), (20, "127.50"), (25, "157.50")]
)
def test_m4_graduated_prices_each_unit_in_its_own_tier(units: int, expected: str) -> None:
    assert Graduated(M4_TIERS).price(units, "USD") == usd(expected)


@pytest.mark.parametrize(
    ("units", "expected"), [(1, "7"), (5, "35"), (6, "39"), (20, "120"), (25, "150")]
)
def test_m5_volume_with_the_same_tiers(units: int, expected: str) -> None:
    assert Volume(M4_TIERS).price(units, "USD") == usd(expected)


@pytest.mark.parametrize(
    ("units", "expected"),
    [(0, "2"), (1, "12"), (10, "102"), (11, "110"), (12, "115"), (21, "163")],
)
def test_m6_graduated_flat_fees_are_charged_once_per_tier_reached(
    units: int, expected: str
) -> None:
    assert M6.price(units, "USD") == usd(expected)


def test_m7_standard_per_unit() -> None:
    assert PerUnit(D("0.05")).price(1_000, "USD") == usd("50.00")


def test_volume_boundaries_belong_to_the_lower_tier() -> None:
    assert Volume(M4_TIERS).tier_for(10) == M4_TIERS[1]
    assert Volume(M4_TIERS).price(10, "USD") == usd("65.00")
    assert Volume(M4_TIERS).price(11, "USD") == usd("66.00")
    assert Graduated(M4_TIERS).price(10, "USD") == usd("67.50")


def test_zero_units_of_volume_cost_the_first_tiers_flat_fee() -> None:
    assert Volume((Tier(10, D(1), D(2)), Tier(None, D(1), D(3)))).price(0, "USD") == usd("2")
    assert Volume(M4_TIERS).price(0, "USD") == usd("0")


def test_fractional_quantities_are_priced_exactly_and_rounded_once() -> None:
    assert PerUnit(D("0.333")).price(D("1.5"), "USD") == usd("0.50")
    assert Graduated(M4_TIERS).price(D("5.5"), "USD") == usd("38.25")
    assert Package(D(100), 10).price(D("0.1"), "USD") == usd("100")


def test_percentage_of_a_transacted_amount_plus_a_fee_per_transaction() -> None:
    card = Percentage(D("2.9"), D("0.30"))
    assert card.price(D("100.00"), "USD", transactions=2) == usd("3.50")
    assert card.price(D("10.01"), "USD") == usd("0.29")
    assert Percentage(D("1.5")).price(D("0"), "USD") == usd("0")


def test_models_describe_themselves_for_invoice_lines() -> None:
    assert PerUnit(D("0.05")).describe() == "0.05 per unit"
    assert Graduated(M4_TIERS).describe() == (
        "graduated: up to 5 at 7.00; 6–10 at 6.50; above 10 at 6.00"
    )
    assert M6.describe().startswith("graduated: up to 10 at 10 + 2 flat")
    assert Volume((Tier(None, D(1)),)).describe() == "volume: any quantity at 1"
    assert Package(D("5.00"), 100, 100).describe() == "5.00 per 100 units, first 100 free"
    assert Percentage(D("2.9"), D("0.30")).describe() == "2.9 % + 0.30 per transaction"


@pytest.mark.parametrize(
    "tiers",
    [
        (),
        (Tier(10, D(1)),),
        (Tier(10, D(1)), Tier(10, D(1)), Tier(None, D(1))),
        (Tier(20, D(1)), Tier(10, D(1)), Tier(None, D(1))),
        (Tier(None, D(1)), Tier(None, D(1))),
    ],
)
def test_tiers_must_be_ordered_contiguous_and_end_unbounded(tiers: tuple[Tier, ...]) -> None:
    with pytest.raises(InvalidTiers) as raised:
        Graduated(tiers)
    assert raised.value.field == "tiers"
    with pytest.raises(InvalidTiers):
        Volume(tiers)


def test_a_tier_bound_is_a_positive_whole_number_of_units() -> None:
    with pytest.raises(InvalidTiers):
        Tier(0, D(1))
    with pytest.raises(InvalidTiers):
        Tier(D("2.5"), D(1))  # type: ignore[arg-type]


def test_negative_prices_and_floats_are_rejected_naming_the_field() -> None:
    with pytest.raises(InvalidPrice) as raised:
        PerUnit(D("-0.01"))
    assert raised.value.field == "unit_price"
    with pytest.raises(InvalidPrice) as raised:
        Tier(None, D(1), D(-2))
    assert raised.value.field == "flat_fee"
    with pytest.raises(InvalidPrice):
        PerUnit(0.05)  # type: ignore[arg-type]


def test_package_size_must_be_positive_and_free_units_not_negative() -> None:
    with pytest.raises(InvalidQuantity) as raised:
        Package(D(100), 0)
    assert raised.value.field == "package_size"
    with pytest.raises(InvalidQuantity) as raised:
        Package(D(100), 10, free_units=-1)
    assert raised.value.field == "free_units"


@pytest.mark.parametrize("quantity", [-1, D("-0.5"), 1.5, D("NaN")])
def test_quantities_must_be_non_negative_int_or_decimal(quantity: Any) -> None:
    with pytest.raises(InvalidQuantity) as raised:
        PerUnit(D(1)).price(quantity, "USD")
    assert raised.value.field == "quantity"


@pytest.mark.parametrize(
    "model",
    [
        PerUnit(D("0.05")),
        Graduated(M4_TIERS),
        M6,
        Volume(M4_TIERS),
        Package(D("5.00"), 100, 100),
        Percentage(D("2.9"), D("0.30")),
    ],
)
def test_models_survive_a_round_trip_through_a_json_ready_dict(model: PricingModel) -> None:
    stored = to_dict(model)
    assert isinstance(stored["kind"], str)
    assert from_dict(stored) == model


def test_stored_decimals_are_strings() -> None:
    assert to_dict(PerUnit(D("0.05"))) == {"kind": "per_unit", "unit_price": "0.05"}


def test_reading_back_applies_the_same_rules() -> None:
    with pytest.raises(InvalidTiers):
        from_dict({"kind": "graduated", "tiers": [{"up_to": 5, "unit_price": "1"}]})
    with pytest.raises(InvalidPrice):
        from_dict({"kind": "per_unit", "unit_price": "-1"})


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "per_unit", "unit_price": 0.05},
        {"kind": "per_unit", "unit_price": "0.05", "typo": 1},
        {"kind": "stairs", "unit_price": "0.05"},
        {"kind": "package", "package_price": "5"},
    ],
)
def test_unreadable_stored_models_are_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidPricingModel):
        from_dict(data)


prices = st.decimals(min_value=0, max_value=100, places=4)


@st.composite
def graduated_models(draw: st.DrawFn) -> Graduated:
    widths = draw(st.lists(st.integers(1, 50), max_size=4))
    bounds: list[int | None] = []
    for width in widths:
        bounds.append((bounds[-1] or 0) + width if bounds else width)
    bounds.append(None)
    return Graduated(tuple(Tier(bound, draw(prices), draw(prices)) for bound in bounds))


@settings(max_examples=60)
@given(model=graduated_models(), a=st.integers(0, 300), b=st.integers(0, 300))
def test_graduated_price_never_falls_as_quantity_grows(model: Graduated, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert model.price(low, "USD") <= model.price(high, "USD")
