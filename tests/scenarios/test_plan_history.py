"""Days keep the plan they were billed under: a plan change adds to history, never overwrites.

A change becomes the subscription's plan once it is billed through, and the plans before it
stay in the subscription's history. Whatever later re-prices days before the change (the
credit of a cancellation, a backdated change, late usage) uses the price of those days
(docs/billing.md, "Plan history").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import ChangeSubscription
from commands.record_usage import RecordUsage
from ledger.customers.billing_events import SettledChange, SubscriptionChanged
from ledger.errors import InvalidField
from tests.scenarios.support import Story, flat_tariff
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from api.bootstrap import Services

SEATS = [{"code": "seats", "name": "Seats", "kind": "seat", "price": "100.00"}]
API = [{"code": "api", "name": "API", "kind": "metered",
        "pricing": {"kind": "per_unit", "unit_price": "1.00"}}]


def change(story: Story, on: date, **fields: Any) -> list[dict[str, Any]]:
    """Change the subscription on ``on`` (the clock moves there); return its lines."""
    story.services.runtime.clock.move_to(on)  # type: ignore[attr-defined]
    fields.setdefault("effective_date", on)
    outcome = send(story.services, ChangeSubscription(
        customer_id=story.customer, subscription_id=story.subscription, **fields))
    return list(outcome.result["lines"])


def cancel(story: Story, on: date, effective: date) -> None:
    """Cancel immediately, effective ``effective``, as asked on ``on``."""
    story.services.runtime.clock.move_to(on)  # type: ignore[attr-defined]
    send(story.services, CancelSubscription(
        customer_id=story.customer, subscription_id=story.subscription,
        effective_date=effective, when="immediate"))


def use(story: Story, usage_id: str, units: int, on: date, today: date) -> None:
    """Record ``units`` of the API meter used on ``on``, reported on ``today``."""
    story.services.runtime.clock.move_to(today)  # type: ignore[attr-defined]
    send(story.services, RecordUsage(
        customer_id=story.customer, subscription_id=story.subscription, component="api",
        usage_id=usage_id, quantity=Decimal(units), occurred_on=on))


def a_b_c(services: Services) -> Story:
    """A (1000.00 a month) from 1 January, billed; B is 2000.00 and C 3000.00."""
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A"), date(2026, 1, 1),
                        anchor_day=1, code="a")
    publish(services, "b", flat_tariff("2000.00", "RUB", name="B"))
    publish(services, "c", flat_tariff("3000.00", "RUB", name="C"))
    story.bill(date(2026, 1, 1))
    return story


def test_a_cancellation_credits_the_year_at_its_price_after_a_downgrade_is_booked(
    services: Services,
) -> None:
    # given 2026 billed on Big (36000.00 a year), a downgrade to Small booked for 2027
    big = flat_tariff("36000.00", "RUB", name="Big", period_unit="year")
    story = Story.begin(services, big, date(2026, 1, 1), anchor_day=1, code="big")
    publish(services, "small", flat_tariff("3600.00", "RUB", name="Small", period_unit="year"))
    change(story, date(2026, 1, 5), tariff_code="small", when="end_of_term")
    story.bill(date(2026, 1, 5))
    # when the customer cancels from 2 July
    cancel(story, date(2026, 7, 2), date(2026, 7, 2))
    story.bill(date(2026, 7, 2))
    # then the unused half year is credited at Big's price, the price it was billed at
    assert story.last_lines() == [("-18049.32", "−18049.32 = −36000.00 × 183/365")]


def test_a_backdated_cancellation_credits_each_stretch_at_the_plan_it_was_billed_under(
    services: Services,
) -> None:
    story = a_b_c(services)
    change(story, date(2026, 1, 20), tariff_code="b")
    story.bill(date(2026, 2, 1))
    cancel(story, date(2026, 2, 5), date(2026, 1, 10))
    story.bill(date(2026, 2, 5))
    assert story.last_lines() == [
        ("-322.58", "−322.58 = −1000.00 × 10/31"),
        ("-774.19", "−774.19 = −2000.00 × 12/31"),
        ("-2000.00", "−2000.00 = −2000.00"),
    ]
    assert sum(i.total.minor for i in story.invoices()) == 29032  # 1000.00 × 9/31


def test_a_change_backdated_over_another_swaps_each_stretch_from_its_own_plan(
    services: Services,
) -> None:
    story = a_b_c(services)
    change(story, date(2026, 1, 20), tariff_code="b")
    story.bill(date(2026, 2, 1))
    lines = change(story, date(2026, 2, 5), tariff_code="c", effective_date=date(2026, 1, 10))
    assert [line["formula"] for line in lines] == [
        "−322.58 = 1000.00 × 10/31, unused part of A",
        "967.74 = 3000.00 × 10/31, remaining part of C",
        "−774.19 = 2000.00 × 12/31, unused part of B",
        "1161.29 = 3000.00 × 12/31, remaining part of C",
        "−2000.00 = 2000.00 × 28/28, unused part of B",
        "3000.00 = 3000.00 × 28/28, remaining part of C",
    ]
    story.bill(date(2026, 3, 1))
    # A for 1–9 January, C from 10 January through March
    assert sum(i.total.minor for i in story.invoices()) == 29032 + 212903 + 300000 * 2


def test_a_change_billed_through_is_kept_when_another_change_follows_before_a_bill_run(
    services: Services,
) -> None:
    # given one seat, and four seats from 1 February booked at the end of January's term
    story = Story.begin(services, {"name": "Team", "currency": "RUB", "components": SEATS},
                        date(2026, 1, 1), anchor_day=1, code="a")
    story.bill(date(2026, 1, 1))
    change(story, date(2026, 1, 10), quantity=4, when="end_of_term")
    # when two seats are asked for from 10 February, before February is billed
    assert change(story, date(2026, 2, 10), quantity=2) == []
    story.bill(date(2026, 2, 10))
    # then 1–9 February were on four seats
    assert story.last_lines() == [
        ("128.57", "128.57 = 100.00 × 4 seats × 9/28"),
        ("135.71", "135.71 = 100.00 × 2 seats × 19/28"),
    ]
    recorded = [e for e in services.ledger.history(story.customer)
                if isinstance(e, SubscriptionChanged)][-1]
    assert recorded.settled == SettledChange(
        effective_on=date(2026, 2, 1), tariff_code="a", tariff_version=1, quantity=4,
        usage_billed_until=date(2026, 2, 1),  # nothing billed in arrears: starts at the change
        lapsed_overrides=[])  # and it ended no individual price
    sub = services.ledger.customer(story.customer).state.subscriptions[story.subscription]
    assert [(p.since, p.until, p.quantity) for p in sub.history] == [
        (date(2026, 1, 1), date(2026, 2, 1), 1), (date(2026, 2, 1), date(2026, 2, 10), 4)]
    assert (sub.quantity, sub.plan_since, sub.pending) == (2, date(2026, 2, 10), None)


def test_a_change_on_the_first_day_then_a_quantity_change_keeps_the_new_tariff(
    services: Services,
) -> None:
    story = Story.begin(services, {"name": "Team", "currency": "RUB", "components": SEATS},
                        date(2026, 1, 1), anchor_day=1, code="a")
    seats_200 = [{**SEATS[0], "price": "200.00"}]
    publish(services, "b", {"name": "Pro", "currency": "RUB", "components": seats_200})
    change(story, date(2026, 1, 1), tariff_code="b")
    change(story, date(2026, 1, 10), quantity=3)  # the tariff is left as it is now: Pro
    story.bill(date(2026, 1, 10))
    assert story.last_lines() == [
        ("58.06", "58.06 = 200.00 × 1 seat × 9/31"),
        ("425.81", "425.81 = 200.00 × 3 seats × 22/31"),
    ]


def metered(services: Services, meter_b: list[dict[str, Any]]) -> Story:
    """A (100.00 + API at 1.00) from 1 January; B from 1 February (booked on 20 January)."""
    story = Story.begin(services, flat_tariff("100.00", "RUB", name="A", components=API),
                        date(2026, 1, 1), anchor_day=1, code="a")
    publish(services, "b", flat_tariff("100.00", "RUB", name="B", components=meter_b))
    story.bill(date(2026, 1, 1))
    use(story, "u1", 10, date(2026, 1, 10), date(2026, 1, 10))
    change(story, date(2026, 1, 20), tariff_code="b", when="end_of_term")
    story.bill(date(2026, 2, 1))
    return story


def test_late_usage_is_priced_under_the_plan_of_its_day(services: Services) -> None:
    five = [{**API[0], "pricing": {"kind": "per_unit", "unit_price": "5.00"}}]
    story = metered(services, five)  # B charges 5.00 a unit
    use(story, "late", 10, date(2026, 1, 12), date(2026, 2, 3))
    story.bill(date(2026, 3, 1))
    assert story.last_lines()[-1] == (
        "10.00", "10.00 = 20.00 (20 units, 1.00 per unit) − 10.00 already billed for 10 units")


def test_late_usage_of_a_meter_the_new_plan_lacks_is_accepted_and_billed(
    services: Services,
) -> None:
    story = metered(services, [])  # B has no meter
    use(story, "late", 10, date(2026, 1, 12), date(2026, 2, 3))
    with pytest.raises(InvalidField, match="not a metered component of b"):
        use(story, "february", 1, date(2026, 2, 2), date(2026, 2, 3))
    story.bill(date(2026, 3, 1))
    assert story.last_lines() == [
        ("100.00", "100.00 = 100.00"),
        ("10.00", "10.00 = 20.00 (20 units, 1.00 per unit) − 10.00 already billed for 10 units"),
    ]
