"""Given usage and minimums, when periods end, then each is billed once, late usage included."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.billing import UsageRecord
from ledger.errors import InvalidField

from .builders import Book, amounts, flat, metered, per_unit, spans, subscription, tariff, used

JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)


def test_usage_is_billed_in_arrears_with_the_in_arrears_fee_of_the_same_period() -> None:
    definition = tariff(flat("10.00"), metered(per_unit("0.10")), timing="in_arrears")
    book = Book.of(subscription(definition, JAN))
    book.record_usage(
        used("u1", date(2024, 1, 5), 100),
        used("u2", date(2024, 1, 31), 50),
        used("u3", FEB, 20),
    )
    assert book.bill(date(2024, 1, 31)).is_empty
    january = book.bill(FEB)
    assert amounts(january) == ["10.00", "15.00"]
    assert spans(january) == ["2024-01-01 → 2024-02-01"] * 2
    assert january.usage_billed == ("u1", "u2")
    february = book.bill(MAR)
    assert amounts(february) == ["10.00", "2.00"]
    assert february.usage_billed == ("u3",)


def test_usage_in_an_in_advance_tariff_is_billed_when_its_period_ends() -> None:
    book = Book.of(subscription(tariff(flat("20.00"), metered(per_unit("1.00"))), JAN))
    book.record_usage(used("u1", date(2024, 1, 10), 3))
    assert amounts(book.bill(JAN)) == ["20.00"]
    february = book.bill(FEB)
    assert [(line.kind, str(line.period)) for line in february.lines] == [
        ("recurring", "2024-02-01 → 2024-03-01"),
        ("usage", "2024-01-01 → 2024-02-01"),
    ]


def test_a_minimum_tops_up_a_period_whose_fees_and_usage_fall_short() -> None:
    definition = tariff(flat("20.00"), metered(per_unit("1.00")), minimum="100.00")
    book = Book.of(subscription(definition, JAN))
    book.record_usage(used("u1", date(2024, 1, 10), 30))
    book.bill(JAN)
    february = book.bill(FEB)
    assert [(line.kind, line.amount.to_decimal_string()) for line in february.lines] == [
        ("recurring", "20.00"),
        ("usage", "30.00"),
        ("minimum", "50.00"),
    ]
    minimum = february.lines[-1]
    assert minimum.formula == "50.00 = minimum 100.00 − 50.00 charged"
    assert minimum.component is None
    assert str(minimum.period) == "2024-01-01 → 2024-02-01"


def test_no_minimum_line_when_the_period_reaches_the_minimum() -> None:
    definition = tariff(metered(per_unit("1.00")), minimum="100.00")
    book = Book.of(subscription(definition, JAN))
    book.record_usage(used("u1", date(2024, 1, 10), 120))
    assert [line.kind for line in book.bill(FEB).lines] == ["usage"]


def test_the_minimum_of_a_leading_part_period_is_prorated() -> None:
    book = Book.of(
        subscription(tariff(metered(per_unit("1.00")), minimum="31.00"), date(2024, 1, 17), 1)
    )
    (line,) = book.bill(FEB).lines
    assert line.formula == "15.00 = minimum 31.00 × 15/31 − 0.00 charged"


def test_a_trial_owes_no_minimum() -> None:
    definition = tariff(metered(per_unit("1.00")), minimum="31.00")
    book = Book.of(subscription(definition, JAN, trial_end=FEB))
    assert book.bill(FEB).is_empty


def test_late_usage_is_billed_next_time_as_a_correction_naming_its_period() -> None:
    book = Book.of(subscription(tariff(metered(per_unit("0.10")), timing="in_arrears"), JAN))
    book.record_usage(used("u1", date(2024, 1, 10), 100))
    assert amounts(book.bill(FEB)) == ["10.00"]

    book.record_usage(used("late", date(2024, 1, 20), 30), used("u2", date(2024, 2, 3), 10))
    march = book.bill(MAR)
    assert amounts(march) == ["1.00", "3.00"]
    correction = march.lines[1]
    assert str(correction.period) == "2024-01-01 → 2024-02-01"
    assert correction.description.endswith("2024-01-01 → 2024-02-01, late usage correction")
    assert correction.line_id.startswith("sub-1:api:2024-01-01:usage-late-")
    assert set(march.usage_billed) == {"late", "u2"}
    assert book.bill(MAR).is_empty


def graduated(*bands: tuple[int | None, str]) -> dict[str, Any]:
    tiers = [{"up_to": up_to, "unit_price": price} for up_to, price in bands]
    return {"kind": "graduated", "tiers": tiers}


def test_late_usage_is_priced_on_top_of_the_units_already_billed() -> None:
    pricing = graduated((100, "0.10"), (None, "0.05"))
    book = Book.of(subscription(tariff(metered(pricing)), JAN))
    book.record_usage(used("u1", date(2024, 1, 10), 100))
    book.bill(FEB)
    book.record_usage(used("late", date(2024, 1, 20), 30))
    (correction,) = book.bill(date(2024, 2, 2)).lines
    assert correction.amount.to_decimal_string() == "1.50"
    assert correction.formula.startswith("1.50 = 11.50 (130 units, graduated:")
    assert correction.formula.endswith("− 10.00 already billed for 100 units")


def test_usage_for_a_component_the_tariff_does_not_meter_is_refused() -> None:
    book = Book.of(subscription(tariff(flat("10.00")), JAN))
    book.record_usage(used("u1", date(2024, 1, 10), 1, component="base"))
    with pytest.raises(InvalidField) as refused:
        book.bill(FEB)
    assert refused.value.field == "component"


def test_usage_of_other_subscriptions_and_after_the_end_of_service_is_left_alone() -> None:
    definition = tariff(metered(per_unit("1.00")))
    book = Book.of(subscription(definition, JAN, status="cancelled", cancel_at=date(2024, 1, 20)))
    book.record_usage(
        used("u1", date(2024, 1, 5), 2),
        used("after", date(2024, 1, 25), 5),
        UsageRecord("x", "sub-2", "api", 7, date(2024, 1, 5)),
    )
    result = book.bill(FEB)
    assert amounts(result) == ["2.00"]
    assert spans(result) == ["2024-01-01 → 2024-01-20"]
    assert result.usage_billed == ("u1",)
