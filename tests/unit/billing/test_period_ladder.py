"""Given usage around a cut inside a period, when billed, then the period is priced once.

A plan change (seats, version, tariff) or an individual price ending inside a billing
period cuts it into stretches, but tiers, packages, free units, a first tier's flat fee and
the minimum stay per period: the units climb one ladder in the order of their days, each
stretch paying ``M(earlier + its units) − M(earlier)`` under its own model (the first one
``M(its units)``), and the minimum is checked once for the period (docs/billing.md, Usage).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.billing import PriceOverride, change_plan

from .builders import Book, amounts, metered, per_unit, spans, subscription, tariff, used

JAN, JAN16, FEB = date(2026, 1, 1), date(2026, 1, 16), date(2026, 2, 1)


def package(price: str, free: int = 100) -> dict[str, Any]:
    return {"kind": "package", "package_price": price, "package_size": 10, "free_units": free}


def graduated_with_flat_fees() -> dict[str, Any]:
    """Reference M6: 0–10 at 10 + 2 flat; 11–20 at 5 + 3 flat; above at 5 + 3 flat."""
    return {"kind": "graduated", "tiers": [
        {"up_to": 10, "unit_price": "10", "flat_fee": "2"},
        {"up_to": 20, "unit_price": "5", "flat_fee": "3"},
        {"up_to": None, "unit_price": "5", "flat_fee": "3"}]}


def changed_on_the_16th(book: Book, new: Any, quantity: int = 1) -> None:
    book.replace_terms(change_plan(book.terms, new, quantity, JAN16, "immediate").new_terms)


def test_a_seat_change_leaves_the_period_one_line_with_its_free_units_once() -> None:
    definition = tariff(metered(package("10.00")), currency="RUB")
    book = Book.of(subscription(definition, JAN), currency="RUB")
    book.record_usage(used("a", date(2026, 1, 5), 80), used("b", date(2026, 1, 20), 80))
    changed_on_the_16th(book, definition, quantity=2)
    january = book.bill(FEB)
    assert [(line.formula, str(line.period)) for line in january.lines] == [
        ("60.00 = 160 units, 10.00 per 10 units, first 100 free", "2026-01-01 → 2026-02-01"),
    ]


def test_a_period_billed_in_two_invoices_costs_what_it_would_in_one() -> None:
    definition = tariff(metered(package("10.00")), currency="RUB")
    book = Book.of(subscription(definition, JAN), currency="RUB")
    book.record_usage(used("a", date(2026, 1, 5), 80))
    changed_on_the_16th(book, definition, quantity=2)
    assert amounts(book.bill(JAN16)) == ["0.00"]  # the first 80 units are free
    book.record_usage(used("b", date(2026, 1, 20), 80))
    (rest,) = book.bill(FEB).lines
    assert rest.formula == (
        "60.00 = 80 units after the period's first 80, 10.00 per 10 units, first 100 free:"
        " 60.00 − 0.00")
    assert str(rest.period) == "2026-01-16 → 2026-02-01"


def test_a_first_tier_flat_fee_is_charged_once_per_period() -> None:
    definition = tariff(metered(graduated_with_flat_fees()))
    book = Book.of(subscription(definition, JAN))
    book.record_usage(used("a", date(2026, 1, 5), 5))
    changed_on_the_16th(book, definition, quantity=3)
    assert amounts(book.bill(JAN16)) == ["52.00"]  # 2 flat + 5 × 10
    book.record_usage(used("b", date(2026, 1, 20), 6))
    assert amounts(book.bill(FEB)) == ["58.00"]  # M(11) − M(5) = 110 − 52: no second 2 flat


def test_another_model_prices_its_units_where_the_period_left_off() -> None:
    """A: 10.00 per 10 units, B: 8.00 per 10 units, both 100 free; changed on the 16th."""
    a = tariff(metered(package("10.00")), name="A", currency="RUB")
    b = tariff(metered(package("8.00")), name="B", currency="RUB")
    book = Book.of(subscription(a, JAN), currency="RUB")
    book.record_usage(used("a", date(2026, 1, 5), 120), used("b", date(2026, 1, 20), 40))
    changed_on_the_16th(book, b)
    january = book.bill(FEB)
    assert [line.formula for line in january.lines] == [
        "20.00 = 120 units, 10.00 per 10 units, first 100 free",
        "32.00 = 40 units after the period's first 120, 8.00 per 10 units, first 100 free:"
        " 48.00 − 16.00",
    ]
    assert spans(january) == ["2026-01-01 → 2026-01-16", "2026-01-16 → 2026-02-01"]


def test_usage_after_an_individual_price_ends_pays_the_tariffs_price() -> None:
    half = PriceOverride(pricing=per_unit("0.50"), until=JAN16, note="first two weeks")
    book = Book.of(subscription(tariff(metered(per_unit("1.00"))), JAN, overrides={"api": half}))
    book.record_usage(used("early", date(2026, 1, 5), 10), used("later", date(2026, 1, 20), 10))
    january = book.bill(FEB)
    assert [(line.amount.to_decimal_string(), line.formula) for line in january.lines] == [
        ("5.00", "5.00 = 10 units, 0.50 per unit, individual pricing: first two weeks"),
        ("10.00", "10.00 = 10 units after the period's first 10, 1.00 per unit: 20.00 − 10.00"),
    ]
    assert spans(january) == ["2026-01-01 → 2026-01-16", "2026-01-16 → 2026-02-01"]


def test_late_usage_after_an_individual_price_ended_pays_the_tariffs_price() -> None:
    half = PriceOverride(pricing=per_unit("0.50"), until=JAN16)
    book = Book.of(subscription(tariff(metered(per_unit("1.00"))), JAN, overrides={"api": half}))
    book.record_usage(used("early", date(2026, 1, 5), 10))
    assert amounts(book.bill(FEB)) == ["5.00"]
    book.record_usage(used("late", date(2026, 1, 20), 10))
    (late,) = book.bill(date(2026, 2, 2)).lines
    assert late.formula == (
        "10.00 = 10 units after the period's first 10, 1.00 per unit: 20.00 − 10.00")
    assert late.description.endswith("2026-01-16 → 2026-02-01, late usage correction")


def test_late_usage_in_a_period_with_a_seat_change_climbs_the_same_ladder() -> None:
    definition = tariff(metered(package("10.00")), currency="RUB")
    book = Book.of(subscription(definition, JAN), currency="RUB")
    book.record_usage(used("a", date(2026, 1, 5), 80), used("b", date(2026, 1, 20), 80))
    changed_on_the_16th(book, definition, quantity=2)
    book.bill(FEB)
    book.record_usage(used("late", date(2026, 1, 10), 10))
    (late,) = book.bill(date(2026, 2, 2)).lines
    assert late.formula == (
        "10.00 = 70.00 (170 units, 10.00 per 10 units, first 100 free)"
        " − 60.00 already billed for 160 units")


def test_the_minimum_is_checked_once_for_the_period_around_a_change() -> None:
    definition = tariff(metered(per_unit("1.00")), minimum="100.00", currency="RUB")
    book = Book.of(subscription(definition, JAN), currency="RUB")
    book.record_usage(used("a", date(2026, 1, 5), 30))
    changed_on_the_16th(book, definition, quantity=2)
    assert [line.kind for line in book.bill(JAN16).lines] == ["usage"]  # no top-up yet
    (top_up,) = book.bill(FEB).lines
    assert top_up.formula == "70.00 = minimum 100.00 − 30.00 charged"
    assert str(top_up.period) == "2026-01-01 → 2026-02-01"


def test_usage_above_the_minimum_anywhere_in_the_period_needs_no_top_up() -> None:
    definition = tariff(metered(per_unit("1.00")), minimum="100.00", currency="RUB")
    book = Book.of(subscription(definition, JAN), currency="RUB")
    book.record_usage(used("a", date(2026, 1, 5), 120))
    changed_on_the_16th(book, definition, quantity=2)
    assert amounts(book.bill(FEB)) == ["120.00"]


def test_a_minimum_that_changes_at_the_cut_is_prorated_on_each_side_and_rounded_once() -> None:
    v1 = tariff(metered(per_unit("1.00")), minimum="100.00", currency="RUB")
    v2 = tariff(metered(per_unit("1.00")), minimum="155.00", currency="RUB")
    book = Book.of(subscription(v1, JAN), currency="RUB")
    changed_on_the_16th(book, v2)
    (top_up,) = book.bill(FEB).lines
    # 100.00 × 15/31 + 155.00 × 16/31 = 48.387… + 80.00 = 128.39
    assert top_up.formula == (
        "128.39 = minimum 100.00 × 15/31 + 155.00 × 16/31 − 0.00 charged")


def test_after_a_pause_the_days_from_the_resumption_are_checked_on_their_own() -> None:
    definition = tariff(metered(per_unit("1.00")), minimum="100.00", currency="RUB")
    book = Book.of(subscription(definition, JAN), currency="RUB")
    book.record_usage(used("a", date(2026, 1, 5), 10))
    book.amend(status="paused", paused_from=date(2026, 1, 10))
    paused = book.bill(date(2026, 1, 10))
    assert [line.formula for line in paused.lines] == [
        "10.00 = 10 units, 1.00 per unit",
        "19.03 = minimum 100.00 × 9/31 − 10.00 charged",
    ]
    resumed = date(2026, 1, 20)
    book.amend(status="active", paused_from=None, usage_billed_until=resumed,
               billed_until=resumed)
    (top_up,) = book.bill(FEB).lines
    assert top_up.formula == "38.71 = minimum 100.00 × 12/31 − 0.00 charged"
    assert str(top_up.period) == "2026-01-20 → 2026-02-01"
