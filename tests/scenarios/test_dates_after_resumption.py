"""Nothing is dated before a resumption: it has already settled the pause before it.

The story: A (1000.00 RUB a month, anchor 1) starts on 1 January at 50 % off for one
period and is billed for January (500.00). It is paused on 10 January and resumed on 20
January; the resumption settles the pause (−354.84: 22 days at 50 %) and the bill run of
20 January charges 20 January to 1 February (387.10: 12 days at full price). On 25 January
a cancellation, a pause or a change to B (2000.00) dated 5 January would credit the paused
days a second time (or price them on B), so it is refused, naming ``effective_date``;
dated on or after the resumption, it bills the days served exactly.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from commands.base import Context
from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import (
    ChangeSubscription,
    PreviewSubscriptionChange,
    preview,
)
from commands.grant_discount import GrantDiscount
from commands.pause_subscription import PauseSubscription, ResumeSubscription
from ledger.errors import InvalidField
from tests.scenarios.support import Story, flat_tariff
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from api.bootstrap import Services
    from commands.base import Command

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)
PAUSED, RESUMED, TODAY = date(2026, 1, 10), date(2026, 1, 20), date(2026, 1, 25)
BEFORE = date(2026, 1, 5)


def paused_and_resumed(services: Services) -> Story:
    """January billed at 50 % off, paused 10 January, resumed and billed 20 January."""
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A"), JAN, anchor_day=1,
                        code="a")
    publish(services, "b", flat_tariff("2000.00", "RUB", name="B"))
    send(services, GrantDiscount(customer_id=story.customer, kind="percent",
                                 percent=Decimal(50), periods=1, description="first month"))
    story.bill(JAN)
    services.runtime.clock.move_to(PAUSED)  # type: ignore[attr-defined]
    send(services, PauseSubscription(**_sub(story), effective_date=PAUSED))
    services.runtime.clock.move_to(RESUMED)  # type: ignore[attr-defined]
    send(services, ResumeSubscription(**_sub(story), effective_date=RESUMED))
    story.bill(RESUMED)
    assert story.totals() == ["500.00", "-354.84", "387.10"]
    services.runtime.clock.move_to(TODAY)  # type: ignore[attr-defined]
    return story


def _sub(story: Story) -> dict[str, str]:
    return {"customer_id": str(story.customer), "subscription_id": story.subscription}


def _action(story: Story, action: str, day: date, when: str = "immediate") -> Command:
    if action == "cancellation":
        return CancelSubscription(**_sub(story), effective_date=day, when=when)
    if action == "pause":
        return PauseSubscription(**_sub(story), effective_date=day)
    return ChangeSubscription(**_sub(story), tariff_code="b", effective_date=day, when=when)


@pytest.mark.parametrize(("action", "when"), [
    ("cancellation", "immediate"), ("cancellation", "end_of_term"), ("pause", "immediate"),
    ("plan change", "immediate"), ("plan change", "end_of_term"),
])
def test_an_action_dated_before_the_resumption_is_refused_and_writes_nothing(
    services: Services, action: str, when: str
) -> None:
    story = paused_and_resumed(services)
    before = len(list(services.ledger.history(story.customer)))
    with pytest.raises(InvalidField) as refused:
        send(services, _action(story, action, BEFORE, when))
    assert refused.value.field == "effective_date"
    assert str(refused.value) == (
        f"a {action} dated 2026-01-05 is before the subscription's resumption: it was paused"
        f" from 2026-01-10 and resumed on 2026-01-20; date the {action} on or after 2026-01-20")
    assert len(list(services.ledger.history(story.customer))) == before
    story.bill(FEB)
    assert story.totals() == ["500.00", "-354.84", "387.10", "1000.00"]  # as if never asked


def test_the_preview_of_a_change_before_the_resumption_is_refused(services: Services) -> None:
    story = paused_and_resumed(services)
    context = Context(actor="tester", source="api", idempotency_key="preview")
    with pytest.raises(InvalidField) as refused:
        preview(PreviewSubscriptionChange(**_sub(story), tariff_code="b", effective_date=BEFORE),
                context, services.runtime)
    assert refused.value.field == "effective_date"
    assert "resumed on 2026-01-20" in str(refused.value)


@pytest.mark.parametrize(("action", "day", "credit"), [
    ("cancellation", RESUMED, "-387.10"), ("cancellation", TODAY, "-225.81"),
    ("pause", RESUMED, "-387.10"), ("pause", TODAY, "-225.81"),
])
def test_an_end_of_service_on_or_after_the_resumption_bills_the_days_served(
    services: Services, action: str, day: date, credit: str
) -> None:
    story = paused_and_resumed(services)
    send(services, _action(story, action, day))
    story.bill(FEB)
    assert story.totals() == ["500.00", "-354.84", "387.10", credit]
    served_after = (day - RESUMED).days  # 9 days at 50 % (145.16), then these at full price
    net = sum(invoice.total.minor for invoice in story.invoices())
    assert net == 14516 + round(100_000 * served_after / 31)


@pytest.mark.parametrize(("day", "lines", "february"), [
    (RESUMED, ["−387.10 = 1000.00 × 12/31, unused part of A",
               "774.19 = 2000.00 × 12/31, remaining part of B"], "2387.09"),
    (TODAY, ["−225.81 = 1000.00 × 7/31, unused part of A",
             "451.61 = 2000.00 × 7/31, remaining part of B"], "2225.80"),
])
def test_a_change_on_or_after_the_resumption_prices_only_the_days_after_it(
    services: Services, day: date, lines: list[str], february: str
) -> None:
    story = paused_and_resumed(services)
    context = Context(actor="tester", source="api", idempotency_key="preview")
    shown = preview(PreviewSubscriptionChange(**_sub(story), tariff_code="b", effective_date=day),
                    context, services.runtime)
    recorded = send(services, _action(story, "plan change", day)).result["lines"]
    assert shown == recorded
    assert [line["formula"] for line in recorded] == lines
    story.bill(FEB)
    assert story.totals() == ["500.00", "-354.84", "387.10", february]  # with February
