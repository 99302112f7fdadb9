"""Given a subscription that does not serve some days, when usage is reported for one of
them, then it is refused at ``occurred_on`` and nothing is written.

Usage on a day without service — from the day a cancellation or a fixed term that does not
renew ends it, or in a pause — would never be billed: refusing it says so to the service
that reports it, instead of accepting it and losing it (docs/billing.md, Usage).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

import pytest

from commands.cancel_subscription import CancelSubscription
from commands.pause_subscription import PauseSubscription, ResumeSubscription
from commands.record_usage import RecordUsage
from commands.start_subscription import StartSubscription
from ledger.errors import InvalidField
from tests.scenarios.support import Story, flat_tariff
from tests.support.dsl import send

if TYPE_CHECKING:
    from api.bootstrap import Services

SMS = {"code": "sms", "name": "SMS", "kind": "metered",
       "pricing": {"kind": "per_unit", "unit_price": "1.00"}}
JAN1 = date(2026, 1, 1)


def sms_plan(services: Services) -> Story:
    """100.00 a month and 1.00 an SMS from 1 January; the clock on 10 January."""
    story = Story.begin(services, flat_tariff("100.00", components=[SMS]), JAN1)
    services.runtime.clock.move_to(date(2026, 1, 10))  # type: ignore[attr-defined]
    return story


def use(story: Story, day: date, usage_id: str | None = None) -> None:
    send(story.services, RecordUsage(
        customer_id=story.customer, subscription_id=story.subscription, component="sms",
        usage_id=usage_id or f"u-{day}", quantity=Decimal(7), occurred_on=day))


def cancel(story: Story, when: Literal["immediate", "end_of_term"]) -> None:
    """Cancel on 10 January, at once or at the end of the term."""
    send(story.services, CancelSubscription(
        customer_id=story.customer, subscription_id=story.subscription,
        effective_date=date(2026, 1, 10), when=when))


def refused(story: Story, day: date) -> str:
    """The refusal of usage on ``day``; nothing is written."""
    before = story.services.ledger.max_position()
    with pytest.raises(InvalidField) as caught:
        use(story, day)
    assert caught.value.field == "occurred_on"
    assert story.services.ledger.max_position() == before
    return str(caught.value)


def test_usage_from_the_day_an_immediate_cancellation_ends_service_is_refused(
    services: Services,
) -> None:
    story = sms_plan(services)
    cancel(story, "immediate")
    use(story, date(2026, 1, 9))
    assert "after the subscription's service ended on 2026-01-10" in refused(
        story, date(2026, 1, 10))


def test_usage_up_to_an_end_of_term_cancellation_is_taken_and_after_it_refused(
    services: Services,
) -> None:
    story = sms_plan(services)
    cancel(story, "end_of_term")
    use(story, date(2026, 1, 31))
    refused(story, date(2026, 2, 1))


def test_usage_after_a_fixed_term_that_does_not_renew_is_refused(services: Services) -> None:
    story = sms_plan(services)
    fixed = send(services, StartSubscription(
        customer_id=story.customer, tariff_code="plan", start_date=JAN1,
        term_end=date(2026, 3, 1), auto_renew=False)).result["subscription_id"]
    story = replace(story, subscription=fixed)
    use(story, date(2026, 2, 28))
    refused(story, date(2026, 3, 1))


def test_usage_in_a_pause_is_refused_while_it_lasts_and_after_it_ends(
    services: Services,
) -> None:
    story = sms_plan(services)
    send(services, PauseSubscription(customer_id=story.customer,
                                     subscription_id=story.subscription,
                                     effective_date=date(2026, 1, 10)))
    assert "falls in a pause of the subscription (from 2026-01-10)" in refused(
        story, date(2026, 1, 12))
    services.runtime.clock.move_to(date(2026, 1, 20))  # type: ignore[attr-defined]
    send(services, ResumeSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=date(2026, 1, 20)))
    refused(story, date(2026, 1, 15))
    use(story, date(2026, 1, 20))
    use(story, date(2026, 1, 9))
