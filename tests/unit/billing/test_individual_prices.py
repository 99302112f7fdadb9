"""Given an individual price with a first day, when days are billed, credited or changed, then
each day keeps the price in force on it; a plan change keeps the prices its new plan reads.

Days before a price's ``since`` were billed at the price of their day, so whatever re-prices
them later (a cancellation credit, late usage) uses that price, not one agreed afterwards. A
plan change carries each individual price to the new plan when its component is still there
with a kind that reads it; the others lapse, and the change names them (docs/billing.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from ledger.billing import PendingChange, PriceOverride, change_plan
from ledger.billing.fees import segments
from ledger.billing.schedule import plan_on
from ledger.periods import Interval

from .builders import Book, amounts, flat, metered, per_unit, seat, subscription, tariff, used

JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)
JAN10, JAN16, JAN17 = date(2024, 1, 10), date(2024, 1, 16), date(2024, 1, 17)
DEC = date(2024, 12, 1)


def test_an_individual_price_is_in_force_from_its_first_day_until_its_end() -> None:
    price = PriceOverride(price=Decimal(20), since=JAN10, until=FEB)
    assert [price.applies_on(day) for day in (date(2024, 1, 9), JAN10, date(2024, 1, 31), FEB)
            ] == [False, True, True, False]
    assert PriceOverride(price=Decimal(20), until=FEB).applies_on(date(2000, 1, 1))  # no start


def test_days_are_cut_where_an_individual_price_starts_and_where_it_ends() -> None:
    january = Interval(JAN, FEB)
    price = PriceOverride(price=Decimal(20), since=JAN10, until=JAN17)
    assert segments(january, price) == (
        Interval(JAN, JAN10), Interval(JAN10, JAN17), Interval(JAN17, FEB))
    assert segments(january, replace(price, since=JAN)) == (
        Interval(JAN, JAN17), Interval(JAN17, FEB))
    assert segments(january, replace(price, since=FEB, until=None)) == (january,)


def test_a_price_starting_inside_a_period_bills_each_part_at_its_own_price() -> None:
    price = PriceOverride(price=Decimal("20.00"), since=JAN10, note="from the 10th")
    book = Book.of(subscription(tariff(flat("30.00")), JAN, overrides={"base": price}))
    assert [line.formula for line in book.bill(JAN).lines] == [
        "8.71 = 30.00 × 9/31",
        "14.19 = 20.00 × 22/31, individual price: from the 10th",
    ]


def test_a_cancellation_credits_days_billed_before_a_price_was_agreed_at_their_price() -> None:
    # given January billed at 1000.00, then 800.00 agreed from February
    book = Book.of(subscription(tariff(flat("1000.00")), JAN))
    assert amounts(book.bill(JAN)) == ["1000.00"]
    loyalty = PriceOverride(price=Decimal("800.00"), since=FEB, note="loyalty price")
    book.amend(overrides={"base": loyalty})
    # when the subscription is cancelled on 17 January
    book.amend(status="cancelled", cancel_at=JAN17)
    # then the 15 unused days come back at the 1000.00 they were billed at
    assert [line.formula for line in book.bill(JAN17).lines] == ["−483.87 = −1000.00 × 15/31"]


def test_usage_before_an_individual_pricing_starts_climbs_the_ladder_at_the_tariffs_model() -> None:
    deal = PriceOverride(pricing=per_unit("0.10"), since=JAN16, note="volume deal")
    book = Book.of(subscription(tariff(metered(per_unit("1.00"))), JAN, overrides={"api": deal}))
    book.record_usage(used("early", date(2024, 1, 5), 10), used("later", date(2024, 1, 20), 10))
    assert [line.formula for line in book.bill(FEB).lines] == [
        "10.00 = 10 units, 1.00 per unit",
        "1.00 = 10 units after the period's first 10, 0.10 per unit: 2.00 − 1.00,"
        " individual pricing: volume deal",
    ]


def test_a_move_to_a_new_version_keeps_an_individual_price_its_plan_still_reads() -> None:
    # given 100.00 a month at an individual 80.00 until December, January billed
    price = PriceOverride(price=Decimal("80.00"), until=DEC, note="80 until December")
    book = Book.of(subscription(tariff(flat("100.00")), JAN, overrides={"base": price}))
    book.bill(JAN)
    # when it moves to v2 (120.00) from February
    change = change_plan(book.terms, tariff(flat("120.00")), 1, FEB, "immediate",
                         tariff_version=2)
    # then nothing lapses: the new plan (billed through January, so current) has the price,
    # and February costs 80.00
    assert change.lapsed == ()
    assert (change.new_terms.tariff_version, change.new_terms.overrides) == (2, {"base": price})
    book.replace_terms(change.new_terms)
    assert [line.formula for line in book.bill(FEB).lines] == [
        "80.00 = 80.00, individual price: 80 until December"]


def test_a_change_ends_the_prices_its_new_plan_cannot_read_and_says_so() -> None:
    # given a fee, seats and a meter, each with an individual price, and one that has ended
    old = tariff(flat("100.00"), seat("10.00"), metered(per_unit("1.00")),
                 flat("5.00", code="support", name="support"))
    prices = {"base": PriceOverride(price=Decimal(80), until=DEC, note="80 until December"),
              "seats": PriceOverride(price=Decimal(8)),
              "api": PriceOverride(pricing=per_unit("0.50")),
              "support": PriceOverride(price=Decimal(1), until=JAN16)}
    terms = subscription(old, JAN, overrides=prices)
    # when the new tariff has no "base", meters "seats" and "support", and still meters "api"
    new = tariff(flat("120.00", code="fee"), metered(per_unit("2.00"), code="seats"),
                 metered(per_unit("1.00")), metered(per_unit("1.00"), code="support"))
    change = change_plan(terms, new, 1, FEB, "immediate", tariff_code="basic", tariff_version=3)
    # then the fee and seat prices lapse, named; the meter's carries over; the ended one is moot
    assert [lapse.sentence() for lapse in change.lapsed] == [
        "individual price 'base' lapses: basic v3 has no component 'base'"
        " (agreed: 80.00 until 2024-12-01, 80 until December)",
        "individual price 'seats' lapses: 'seats' is a metered component in basic v3, which"
        " takes a pricing model (agreed: 8.00)",
    ]
    assert plan_on(change.new_terms, FEB).overrides == {
        "api": prices["api"], "support": prices["support"]}
    assert plan_on(change.new_terms, JAN).overrides == prices  # January keeps its prices


def test_a_move_to_another_tariff_ends_every_price_still_in_force() -> None:
    # given a fee and a meter with individual prices on "basic", and one that has ended
    old = tariff(flat("100.00"), metered(per_unit("1.00")))
    prices = {"base": PriceOverride(price=Decimal(80), note="loyalty"),
              "api": PriceOverride(pricing=per_unit("0.50"), until=JAN16)}
    terms = subscription(old, JAN, overrides=prices)
    # when it moves to "pro", which has the same components at other prices
    new = tariff(flat("200.00"), metered(per_unit("2.00")))
    change = change_plan(terms, new, 1, FEB, "immediate", tariff_code="pro", tariff_version=1)
    # then the price in force lapses, named: nobody agreed 80.00 for Pro's fee
    assert [lapse.sentence() for lapse in change.lapsed] == [
        "individual price 'base' lapses: pro v1 is another tariff; agree its prices anew"
        " (agreed: 80.00, loyalty)"]
    assert "base" not in plan_on(change.new_terms, FEB).overrides


def test_a_change_recorded_before_lapses_were_decided_keeps_prices_only_on_its_definition() -> (
    None
):
    price = {"base": PriceOverride(price=Decimal(80))}
    terms = subscription(tariff(flat("100.00")), JAN, overrides=price)
    other = PendingChange(FEB, "basic", 2, tariff(flat("120.00")), 1)  # lapsed unknown
    same = PendingChange(FEB, "basic", 1, terms.definition, 2)
    assert plan_on(replace(terms, pending=other), MAR).overrides == {}
    assert plan_on(replace(terms, pending=same), MAR).overrides == price
