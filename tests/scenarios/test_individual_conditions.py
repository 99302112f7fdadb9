"""Individual prices in worked stories: from their first day on, and across plan changes.

An individual price prices the days from ``effective_from`` (``agreed_on`` when omitted) until
``until``; days billed before it keep the price they were billed at, for a credit and for
late usage alike, and a start on days already billed is refused. Moving a subscriber to a new
version or tariff keeps each price the new plan still reads, until its own end; the others
lapse, and the change says so (docs/billing.md, Individual conditions).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import ChangeSubscription
from commands.record_usage import RecordUsage
from commands.set_individual_price import SetIndividualPrice
from ledger.errors import InvalidField
from tests.scenarios.support import Story, flat_tariff
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from api.bootstrap import Services

METERED = {"name": "API", "currency": "RUB", "components": [
    {"code": "api", "name": "API calls", "kind": "metered",
     "pricing": {"kind": "per_unit", "unit_price": "1.00"}}]}


def on(story: Story, day: date) -> None:
    story.services.runtime.clock.move_to(day)  # type: ignore[attr-defined]


def agree(story: Story, component: str = "base", **condition: Any) -> None:
    send(story.services, SetIndividualPrice(
        customer_id=story.customer, subscription_id=story.subscription, component=component,
        agreed_by="Director", **condition))


def move(story: Story, day: date, **fields: Any) -> dict[str, Any]:
    return send(story.services, ChangeSubscription(
        customer_id=story.customer, subscription_id=story.subscription, effective_date=day,
        when="immediate", **fields)).result


def test_a_price_agreed_mid_period_prices_the_days_from_its_agreement(
    services: Services,
) -> None:
    # given 1000.00 a month from 1 January, nothing billed yet, and on 15 January (today)
    # 800.00 agreed with no start given
    story = Story.begin(services, flat_tariff("1000.00", "RUB"), date(2026, 1, 1), anchor_day=1)
    agree(story, price=Decimal(800), note="loyalty price")
    # when January is billed
    story.bill(date(2026, 1, 15))
    # then the days before the agreement cost the tariff's price, the rest the agreed one
    assert story.last_lines() == [
        ("451.61", "451.61 = 1000.00 × 14/31"),
        ("438.71", "438.71 = 800.00 × 17/31, individual price: loyalty price"),
    ]


def test_a_cancellation_credits_what_was_charged_not_a_price_agreed_later(
    services: Services,
) -> None:
    # given January billed at 1000.00 on 1 January
    story = Story.begin(services, flat_tariff("1000.00", "RUB"), date(2026, 1, 1), anchor_day=1)
    story.bill(date(2026, 1, 1))
    # when on 10 January 800.00 is agreed: not from that day (January is billed), from February
    on(story, date(2026, 1, 10))
    with pytest.raises(InvalidField) as refused:
        agree(story, price=Decimal(800), note="loyalty price", agreed_on=date(2026, 1, 10))
    assert refused.value.field == "effective_from"
    agree(story, price=Decimal(800), note="loyalty price", agreed_on=date(2026, 1, 10),
          effective_from=date(2026, 2, 1))
    # and the subscription is cancelled on 17 January
    on(story, date(2026, 1, 17))
    send(services, CancelSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=date(2026, 1, 17), when="immediate"))
    story.bill(date(2026, 1, 17))
    # then the 15 unused days come back at the 1000.00 they were paid at
    assert story.totals() == ["1000.00", "-483.87"]
    assert story.last_lines() == [("-483.87", "−483.87 = −1000.00 × 15/31")]


def test_late_usage_is_not_priced_at_an_individual_price_agreed_after_its_period(
    services: Services,
) -> None:
    # given January's usage billed at the list price, 1.00 a unit
    story = Story.begin(services, METERED, date(2026, 1, 1), anchor_day=1)
    send(services, RecordUsage(customer_id=story.customer, subscription_id=story.subscription,
                               component="api", usage_id="jan-1", quantity=Decimal(10),
                               occurred_on=date(2026, 1, 10)))
    story.bill(date(2026, 2, 1))
    # when a deal of 0.10 is agreed on 10 March, and then 10 January units arrive late
    on(story, date(2026, 3, 10))
    agree(story, "api", pricing={"kind": "per_unit", "unit_price": "0.10"},
          agreed_on=date(2026, 3, 10), note="volume deal from March")
    send(services, RecordUsage(customer_id=story.customer, subscription_id=story.subscription,
                               component="api", usage_id="jan-late", quantity=Decimal(10),
                               occurred_on=date(2026, 1, 20)))
    story.bill(date(2026, 4, 1))
    # then January's late units cost January's price
    late = [line for line in story.invoices()[-1].lines
            if line.period_start == date(2026, 1, 1)]
    assert [line.amount.to_decimal_string() for line in late] == ["10.00"]


def test_a_move_to_a_new_version_keeps_an_agreed_price_until_its_end(
    services: Services,
) -> None:
    # given 100.00 a month at an individual 80.00 from the start until 1 December
    story = Story.begin(services, flat_tariff("100.00", currency="RUB"), date(2026, 1, 1),
                        anchor_day=1)
    agree(story, price=Decimal(80), effective_from=date(2026, 1, 1), until=date(2026, 12, 1),
          note="80 until December")
    story.bill(date(2026, 1, 1))
    # when the subscriber moves to v2 (120.00) on 1 February
    assert publish(services, "plan", flat_tariff("120.00", currency="RUB")) == 2
    assert move(story, date(2026, 2, 1), tariff_version=2)["lapsed"] == []
    # then February still costs 80.00, and December the new version's 120.00
    for day in (date(2026, 2, 1), date(2026, 11, 1), date(2026, 12, 1)):
        story.bill(day)
    assert story.totals() == ["80.00", "80.00", "720.00", "120.00"]  # March–November: 9 × 80


def test_a_move_to_another_tariff_ends_the_price_and_says_so(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("100.00", currency="RUB"), date(2026, 1, 1),
                        anchor_day=1)
    agree(story, price=Decimal(80), effective_from=date(2026, 1, 1), note="80 for life")
    story.bill(date(2026, 1, 1))
    publish(services, "team", {"name": "Team", "currency": "RUB", "components": [
        {"code": "seats", "name": "Seats", "kind": "seat", "price": "50.00"}]})
    assert move(story, date(2026, 2, 1), tariff_code="team", quantity=3)["lapsed"] == [
        "individual price 'base' lapses: team v1 is another tariff; agree its prices anew"
        " (agreed: 80.00, 80 for life)"]
    story.bill(date(2026, 2, 1))
    assert story.last_lines() == [("150.00", "150.00 = 50.00 × 3 seats")]
