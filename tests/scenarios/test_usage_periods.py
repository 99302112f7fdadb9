"""Usage and minimums are per billing period, whatever changes inside it (docs/billing.md, Usage).

Stories through the commands: a seat change or a move to a new version cuts January on
the 16th, yet its 100 free units, its tiers and its minimum count once for January; an
individual tier table prices usage only up to its ``until``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from commands.change_subscription import ChangeSubscription
from commands.record_usage import RecordUsage
from commands.set_individual_price import SetIndividualPrice
from tests.scenarios.support import Story
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from api.bootstrap import Services

PACKAGE: dict[str, Any] = {"code": "api", "name": "API calls", "kind": "metered",
           "pricing": {"kind": "package", "package_price": "10.00", "package_size": 10,
                       "free_units": 100}}
PACK: dict[str, Any] = {"name": "Pack", "currency": "RUB", "components": [
    {"code": "seats", "name": "Seats", "kind": "seat", "price": "100.00"}, PACKAGE]}


def use(story: Story, usage_id: str, units: int, on: date) -> None:
    send(story.services, RecordUsage(
        customer_id=story.customer, subscription_id=story.subscription, component="api",
        usage_id=usage_id, quantity=Decimal(units), occurred_on=on))


def change(story: Story, on: date, **fields: object) -> None:
    send(story.services, ChangeSubscription(
        customer_id=story.customer, subscription_id=story.subscription, effective_date=on,
        when="immediate", **fields))


def usage_lines(story: Story) -> list[tuple[str, str]]:
    return [(line.amount.to_decimal_string(), line.formula)
            for line in story.invoices()[-1].lines if line.kind == "usage"]


@pytest.mark.parametrize("move", ["more seats", "a new version with the same meter"])
def test_a_change_inside_a_period_keeps_its_free_units_once(
    services: Services, move: str,
) -> None:
    story = Story.begin(services, PACK, date(2026, 1, 1), anchor_day=1)
    story.bill(date(2026, 1, 1))
    if move == "more seats":
        terms: dict[str, int] = {"quantity": 2}
    else:
        v2 = {**PACK, "components": [{**PACK["components"][0], "price": "150.00"}, PACKAGE]}
        terms = {"tariff_version": publish(services, "plan", v2)}
    use(story, "a", 80, date(2026, 1, 5))
    change(story, date(2026, 1, 16), **terms)
    use(story, "b", 80, date(2026, 1, 20))
    story.bill(date(2026, 2, 1))
    # one ladder for the period: 160 units, the first 100 free once
    assert usage_lines(story) == [
        ("60.00", "60.00 = 160 units, 10.00 per 10 units, first 100 free")]


def test_a_period_billed_at_the_change_and_at_its_end_costs_the_same(
    services: Services,
) -> None:
    story = Story.begin(services, PACK, date(2026, 1, 1), anchor_day=1)
    story.bill(date(2026, 1, 1))
    use(story, "a", 80, date(2026, 1, 5))
    change(story, date(2026, 1, 16), quantity=2)
    story.bill(date(2026, 1, 16))
    assert usage_lines(story) == [("0.00", "0.00 = 80 units, 10.00 per 10 units, first 100 free")]
    use(story, "b", 80, date(2026, 1, 20))
    story.bill(date(2026, 2, 1))
    assert usage_lines(story) == [("60.00", (
        "60.00 = 80 units after the period's first 80, 10.00 per 10 units, first 100 free:"
        " 60.00 − 0.00"))]


def test_the_minimum_is_owed_once_per_period_not_per_part(services: Services) -> None:
    tariff = {"name": "Metered", "currency": "RUB", "minimum": "100.00", "components": [
        {"code": "api", "name": "API", "kind": "metered",
         "pricing": {"kind": "per_unit", "unit_price": "1.00"}}]}
    story = Story.begin(services, tariff, date(2026, 1, 1), anchor_day=1)
    use(story, "a", 120, date(2026, 1, 5))
    change(story, date(2026, 1, 16), quantity=2)
    story.bill(date(2026, 2, 1))
    assert story.totals() == ["120.00"]
    use(story, "b", 30, date(2026, 2, 5))
    change(story, date(2026, 2, 16), quantity=3)
    story.bill(date(2026, 2, 16))
    story.bill(date(2026, 3, 1))
    assert story.last_lines() == [("70.00", "70.00 = minimum 100.00 − 30.00 charged")]


def test_a_metered_individual_price_stops_on_its_until_date(services: Services) -> None:
    tariff = {"name": "API", "currency": "RUB", "components": [
        {"code": "api", "name": "API calls", "kind": "metered",
         "pricing": {"kind": "per_unit", "unit_price": "1.00"}}]}
    story = Story.begin(services, tariff, date(2026, 1, 1), anchor_day=1)
    send(services, SetIndividualPrice(
        customer_id=story.customer, subscription_id=story.subscription, component="api",
        pricing={"kind": "per_unit", "unit_price": "0.50"}, effective_from=date(2026, 1, 1),
        until=date(2026, 1, 16), note="half price for two weeks", agreed_by="Sales"))
    use(story, "early", 10, date(2026, 1, 5))
    use(story, "later", 10, date(2026, 1, 20))
    story.bill(date(2026, 2, 1))
    assert story.last_lines() == [
        ("5.00", "5.00 = 10 units, 0.50 per unit, individual pricing: half price for two weeks"),
        ("10.00", "10.00 = 10 units after the period's first 10, 1.00 per unit: 20.00 − 10.00"),
    ]
