"""Given a subscription, when an individual price is set, then it starts on a day not yet
billed and carries only the price its component reads; a plan change names the prices it ends.

An individual price prices the days from ``effective_from`` (``agreed_on`` when omitted) until
``until``. A start on days an issued invoice already charged is refused at ``effective_from``
(the invoice is never re-priced; a credit note corrects it), and so is a price field the
component's kind never reads, as in a tariff. A plan change keeps the prices its new plan
still reads and lists those that lapse, in its outcome and in its preview
(docs/billing.md, Individual conditions).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from commands.base import Context
from commands.change_subscription import (
    ChangeSubscription,
    PreviewSubscriptionChange,
    preview_change,
)
from commands.record_usage import RecordUsage
from commands.set_individual_price import SetIndividualPrice
from ledger.customers.billing_events import IndividualPriceSet, SubscriptionChanged
from ledger.errors import InvalidField
from tests.scenarios.support import Story, flat_tariff
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from api.bootstrap import Services

JAN1, JAN10, FEB1, MAR1 = date(2026, 1, 1), date(2026, 1, 10), date(2026, 2, 1), date(2026, 3, 1)
PER_UNIT = {"kind": "per_unit", "unit_price": "0.50"}
METER = {"code": "api", "name": "API", "kind": "metered",
         "pricing": {"kind": "per_unit", "unit_price": "1.00"}}


def agree(story: Story, component: str = "base", **condition: Any) -> None:
    condition.setdefault("price", None if "pricing" in condition else Decimal(800))
    send(story.services, SetIndividualPrice(
        customer_id=story.customer, subscription_id=story.subscription, component=component,
        note="loyalty price", agreed_by="Director", **condition))


def refused(story: Story, component: str = "base", **condition: Any) -> InvalidField:
    """The refusal of a condition; nothing is written."""
    before = story.services.ledger.max_position()
    with pytest.raises(InvalidField) as caught:
        agree(story, component, **condition)
    assert story.services.ledger.max_position() == before
    return caught.value


def recorded(story: Story) -> IndividualPriceSet:
    return next(e for e in reversed(story.services.ledger.history(story.customer))
                if isinstance(e, IndividualPriceSet))


def billed_january(services: Services, **tariff: Any) -> Story:
    """1000.00 a month from 1 January, billed in advance on 1 January."""
    story = Story.begin(services, flat_tariff("1000.00", "RUB", **tariff), JAN1, anchor_day=1)
    story.bill(JAN1)
    return story


def test_a_price_starts_when_it_was_agreed_unless_told_otherwise(services: Services) -> None:
    story = Story.begin(services, flat_tariff("1000.00", "RUB"), JAN1, anchor_day=1)
    agree(story, agreed_on=JAN10)
    assert (recorded(story).agreed_on, recorded(story).effective_from) == (JAN10, JAN10)
    agree(story)  # the clock stands on 15 January
    assert recorded(story).effective_from == date(2026, 1, 15)
    agree(story, agreed_on=JAN10, effective_from=JAN1)  # nothing billed yet: from the start
    assert recorded(story).effective_from == JAN1


def test_a_price_starting_on_days_already_billed_is_refused_and_names_the_remedy(
    services: Services,
) -> None:
    story = billed_january(services)
    services.runtime.clock.move_to(JAN10)  # type: ignore[attr-defined]
    error = refused(story)  # from today, 10 January: January is billed through
    assert error.field == "effective_from"
    assert "days already billed" in str(error)
    assert "(up to 2026-02-01)" in str(error)
    assert "credit note" in str(error)
    agree(story, effective_from=FEB1)
    assert recorded(story).effective_from == FEB1


def test_a_metered_price_may_start_on_usage_days_not_yet_billed(services: Services) -> None:
    story = billed_january(services, components=[METER])
    agree(story, "api", pricing=PER_UNIT, effective_from=JAN10)  # January's usage is unbilled
    assert refused(story, effective_from=JAN10).field == "effective_from"  # the fee is billed


def test_a_price_agreed_for_later_leaves_the_days_before_it_at_their_agreed_price(
    services: Services,
) -> None:
    story = billed_january(services)
    agree(story, agreed_on=date(2026, 1, 15), effective_from=FEB1)  # 800.00 for February
    agree(story, price=Decimal(700), agreed_on=date(2026, 1, 20), effective_from=MAR1)
    story.bill(FEB1)
    story.bill(MAR1)
    assert story.totals() == ["1000.00", "800.00", "700.00"]


def test_late_usage_is_charged_at_the_individual_price_of_its_day_after_a_new_one(
    services: Services,
) -> None:
    story = billed_january(services, components=[METER])
    agree(story, "api", pricing=PER_UNIT, effective_from=JAN1)  # 0.50 a call in January
    use(story, "jan-1", JAN10)
    story.bill(FEB1)
    agree(story, "api", pricing={"kind": "per_unit", "unit_price": "0.25"}, effective_from=FEB1)
    use(story, "jan-late", date(2026, 1, 20))  # arrives after January's usage was billed
    story.bill(MAR1)
    assert [(line.component, line.amount.amount) for line in story.invoices()[-1].lines
            if line.component == "api"] == [("api", Decimal("50.00"))]


def use(story: Story, usage_id: str, day: date, calls: int = 100) -> None:
    send(story.services, RecordUsage(
        customer_id=story.customer, subscription_id=story.subscription, component="api",
        usage_id=usage_id, quantity=Decimal(calls), occurred_on=day))


def test_a_price_field_the_component_never_reads_is_refused_at_that_field(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("1000.00", "RUB", components=[METER]), JAN1,
                        anchor_day=1)
    assert refused(story, "base", price=Decimal(800), pricing=PER_UNIT).field == "pricing"
    error = refused(story, "api", price=Decimal(500), pricing=PER_UNIT)
    assert error.field == "price"
    assert "a metered component ('api') takes tiers (pricing), not a price" in str(error)


def test_a_price_ending_before_it_starts_is_refused_at_until(services: Services) -> None:
    story = Story.begin(services, flat_tariff("1000.00", "RUB"), JAN1, anchor_day=1)
    assert refused(story, effective_from=FEB1, until=FEB1).field == "until"


def test_a_setup_price_must_start_on_the_first_day_and_before_it_is_billed(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("1000.00", "RUB", components=[
        {"code": "setup", "name": "Setup", "kind": "setup", "price": "500.00"}]), JAN1,
        anchor_day=1)
    assert refused(story, "setup", effective_from=JAN10).field == "effective_from"
    agree(story, "setup", price=Decimal(100), effective_from=JAN1)
    story.bill(JAN1)
    assert "100.00 one-time fee, individual price: loyalty price" in [
        line.formula for line in story.invoices()[0].lines]
    assert refused(story, "setup", effective_from=JAN1).field == "effective_from"


def change(story: Story, **fields: Any) -> dict[str, Any]:
    outcome = send(story.services, ChangeSubscription(
        customer_id=story.customer, subscription_id=story.subscription, effective_date=FEB1,
        **fields))
    return outcome.result


def test_a_change_lists_the_prices_it_ends_in_its_outcome_and_its_preview(
    services: Services,
) -> None:
    # given 800.00 agreed on the fee, and another tariff with a "base" fee of its own
    story = Story.begin(services, flat_tariff("1000.00", "RUB"), JAN1, anchor_day=1)
    agree(story, effective_from=JAN1, until=date(2026, 12, 1))
    publish(services, "other", flat_tariff("1200.00", "RUB", name="Other"))
    lapse = ("individual price 'base' lapses: other v1 is another tariff; agree its prices"
             " anew (agreed: 800.00 until 2026-12-01, loyalty price)")
    # when the move is previewed, then made
    asked = PreviewSubscriptionChange(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      tariff_code="other", effective_date=FEB1)
    before = services.ledger.max_position()
    shown = preview_change(asked, Context(actor="t", source="api", idempotency_key="p"),
                           services.runtime)
    assert services.ledger.max_position() == before  # the preview wrote nothing
    # then both name the lapsed price, and the change records which one it ends
    assert shown.lapsed == [lapse]
    assert change(story, tariff_code="other")["lapsed"] == [lapse]
    made = [e for e in services.ledger.history(story.customer)
            if isinstance(e, SubscriptionChanged)][-1]
    assert made.lapsed_overrides == ["base"]


def test_a_quantity_change_ends_no_price(services: Services) -> None:
    story = Story.begin(services, flat_tariff("1000.00", "RUB"), JAN1, anchor_day=1)
    agree(story, effective_from=JAN1)
    assert change(story, quantity=2)["lapsed"] == []
