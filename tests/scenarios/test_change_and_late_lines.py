"""Corrections read like the lines they correct: per component, per price, above the minimum.

A plan change credits and charges each flat or seat component on its own line, split where
an individual price starts or ends, so component discounts and VAT treat a correction like the
fee it corrects. Late usage raises what its period cost only above the tariff's minimum: the
correction is max(minimum, charged after) − max(minimum, charged before) (docs/billing.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from commands.grant_discount import GrantDiscount
from commands.record_usage import RecordUsage
from commands.set_individual_price import SetIndividualPrice
from tests.scenarios.support import Story, flat_tariff
from tests.scenarios.test_plan_history import change
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from api.bootstrap import Services


def a_then_b(services: Services) -> Story:
    """A (1000.00 a month) from 1 January; B is 2000.00."""
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A"), date(2026, 1, 1),
                        anchor_day=1, code="a")
    publish(services, "b", flat_tariff("2000.00", "RUB", name="B"))
    return story


def intro_price(story: Story) -> None:
    """500.00 for A's fee until 20 January, agreed before January was billed."""
    send(story.services, SetIndividualPrice(
        customer_id=story.customer, subscription_id=story.subscription, component="base",
        price=Decimal(500), until=date(2026, 1, 20), note="intro", agreed_by="sales",
        agreed_on=date(2026, 1, 1)))


def test_an_individual_price_ending_inside_the_changed_days_is_credited_at_each_price(
    services: Services,
) -> None:
    # given A at 500.00 until 20 January, then C, whose fee is another component ("fee"),
    # so the intro price lapses with the change
    story = a_then_b(services)
    publish(services, "c", {"name": "C", "currency": "RUB", "components": [
        {"code": "fee", "name": "Fee", "kind": "flat", "price": "2000.00"}]})
    intro_price(story)
    story.bill(date(2026, 1, 1))  # 306.45 = 500.00 × 19/31 and 387.10 = 1000.00 × 12/31
    # when the subscription moves to C on 10 January
    assert change(story, date(2026, 1, 10), tariff_code="c") != []
    story.bill(date(2026, 2, 1))
    # then the 22 days are credited at each price they were billed at
    assert story.last_lines() == [
        ("-161.29", "−161.29 = 500.00 × 10/31, unused part of A"),
        ("-387.10", "−387.10 = 1000.00 × 12/31, unused part of A"),
        ("1419.35", "1419.35 = 2000.00 × 22/31, remaining part of C"),
        ("2000.00", "2000.00 = 2000.00"),
    ]


def test_a_price_agreed_on_one_tariff_lapses_on_a_move_to_another(
    services: Services,
) -> None:
    # given A at 500.00 until 20 January, then B, which has a flat "base" component too
    story = a_then_b(services)
    intro_price(story)
    story.bill(date(2026, 1, 1))
    # when the subscription moves to B on 10 January: another tariff is a new deal
    change(story, date(2026, 1, 10), tariff_code="b")
    story.bill(date(2026, 2, 1))
    # then the intro price ends there (B's 2000.00 from 10 January), and the days are
    # credited at each price they were billed at
    assert story.last_lines() == [
        ("-161.29", "−161.29 = 500.00 × 10/31, unused part of A"),
        ("-387.10", "−387.10 = 1000.00 × 12/31, unused part of A"),
        ("1419.35", "1419.35 = 2000.00 × 22/31, remaining part of B"),
        ("2000.00", "2000.00 = 2000.00"),
    ]


def test_a_component_discount_applies_to_the_change_lines_of_its_component(
    services: Services,
) -> None:
    story = a_then_b(services)
    send(services, GrantDiscount(customer_id=story.customer, kind="percent",
                                 percent=Decimal(50), component="base", description="half"))
    story.bill(date(2026, 1, 1))  # 1000.00 less 500.00
    change(story, date(2026, 1, 16), tariff_code="b")
    story.bill(date(2026, 2, 1))
    lines = story.invoices()[-1].lines
    assert [(line.component, line.amount.to_decimal_string(),
             line.discount.to_decimal_string()) for line in lines] == [
        ("base", "-516.13", "-258.07"),
        ("base", "1032.26", "516.13"),
        ("base", "2000.00", "1000.00"),
    ]


def test_a_seat_change_corrects_the_seats_alone(services: Services) -> None:
    team = {"name": "Team", "currency": "RUB", "components": [
        {"code": "base", "name": "Platform", "kind": "flat", "price": "1000.00"},
        {"code": "seats", "name": "Seats", "kind": "seat", "price": "100.00"}]}
    story = Story.begin(services, team, date(2026, 1, 1), anchor_day=1, quantity=2)
    story.bill(date(2026, 1, 1))
    lines = change(story, date(2026, 1, 16), quantity=5)
    assert [(line["description"], line["formula"]) for line in lines] == [
        ("Team, Seats: unused part 2026-01-16 → 2026-02-01",
         "−103.23 = 200.00 × 16/31, unused part of Team × 2, Seats"),
        ("Team, Seats: remaining part 2026-01-16 → 2026-02-01",
         "258.06 = 500.00 × 16/31, remaining part of Team × 5, Seats"),
    ]


def test_late_usage_costs_more_only_above_the_minimum_already_charged(
    services: Services,
) -> None:
    metered = {"name": "Metered", "currency": "RUB", "minimum": "100.00", "components": [
        {"code": "api", "name": "API", "kind": "metered",
         "pricing": {"kind": "per_unit", "unit_price": "1.00"}}]}
    story = Story.begin(services, metered, date(2026, 1, 1), anchor_day=1)

    def use(usage_id: str, units: int) -> None:
        send(services, RecordUsage(
            customer_id=story.customer, subscription_id=story.subscription, component="api",
            usage_id=usage_id, quantity=Decimal(units), occurred_on=date(2026, 1, 20)))

    use("u1", 50)
    story.bill(date(2026, 2, 1))  # 50.00 of usage, 50.00 to the minimum
    use("late-1", 30)
    story.bill(date(2026, 3, 1))
    assert story.last_lines()[-1] == ("0.00", (
        "0.00 = max(100.00 minimum, 80.00 charged) − max(100.00 minimum, 50.00 charged);"
        " usage 30.00 = 80.00 (80 units, 1.00 per unit) − 50.00 already billed for 50 units"))
    use("late-2", 40)
    story.bill(date(2026, 4, 1))
    assert story.last_lines()[-1] == ("20.00", (
        "20.00 = max(100.00 minimum, 120.00 charged) − max(100.00 minimum, 80.00 charged);"
        " usage 40.00 = 120.00 (120 units, 1.00 per unit) − 80.00 already billed for 80 units"))
    january = sum(line.amount.minor for invoice in story.invoices() for line in invoice.lines
                  if line.period_start == date(2026, 1, 1))
    assert january == 12000  # 120 units at 1.00, above the minimum
