"""A credit gives back what was charged for its days: their price less the discount they got.

Not the discounts in force on the day of the credit: a discount that has run out does not
make the credit bigger than what was paid, and one granted since does not make it smaller
(docs/billing.md, "Credits give back what was charged").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from commands.cancel_subscription import CancelSubscription
from commands.grant_discount import GrantDiscount
from commands.pause_subscription import PauseSubscription
from tests.scenarios.support import Story, flat_tariff
from tests.scenarios.test_plan_history import change
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from api.bootstrap import Services

JAN, FEB, JAN_17 = date(2026, 1, 1), date(2026, 2, 1), date(2026, 1, 17)


def a_from_january(services: Services, tariff: dict[str, Any] | None = None,
                   **customer: Any) -> Story:
    """A (1000.00 a month, RUB) from 1 January, anchored on the 1st; nothing billed yet."""
    return Story.begin(services, tariff or flat_tariff("1000.00", "RUB", name="A"), JAN,
                       anchor_day=1, code="a", **customer)


def grant(story: Story, **fields: Any) -> None:
    send(story.services, GrantDiscount(customer_id=story.customer, **fields))


def cancel_on_the_17th(story: Story) -> None:
    story.services.runtime.clock.move_to(JAN_17)  # type: ignore[attr-defined]
    send(story.services, CancelSubscription(
        customer_id=story.customer, subscription_id=story.subscription,
        effective_date=JAN_17, when="immediate"))


def figures(story: Story) -> list[tuple[str, str, str]]:
    """The last invoice's lines: (amount, discount, net)."""
    return [(line.amount.to_decimal_string(), line.discount.to_decimal_string(),
             line.net.to_decimal_string()) for line in story.invoices()[-1].lines]


def test_a_first_month_at_half_price_is_credited_at_half_price(services: Services) -> None:
    story = a_from_january(services)
    grant(story, kind="percent", percent=Decimal(50), periods=1, description="first month")
    story.bill(JAN)
    cancel_on_the_17th(story)
    story.bill(FEB)
    assert figures(story) == [("-483.87", "-241.93", "-241.94")]
    assert story.totals() == ["500.00", "-241.94"]  # 258.06 paid for 16 days: 500 × 16/31


def test_a_discount_granted_after_billing_leaves_the_credit_whole(services: Services) -> None:
    story = a_from_january(services)
    story.bill(JAN)
    services.runtime.clock.move_to(JAN_17)  # type: ignore[attr-defined]
    grant(story, kind="percent", percent=Decimal(50), description="from now")
    cancel_on_the_17th(story)
    story.bill(FEB)
    assert figures(story) == [("-483.87", "0.00", "-483.87")]
    assert story.totals() == ["1000.00", "-483.87"]  # 516.13 paid for 16 days


def test_a_fixed_discount_comes_back_in_proportion_to_the_days(services: Services) -> None:
    story = a_from_january(services)
    grant(story, kind="fixed", amount="100.00", periods=1, description="welcome")
    story.bill(JAN)
    cancel_on_the_17th(story)
    story.bill(FEB)
    assert figures(story) == [("-483.87", "-48.39", "-435.48")]  # 900.00 × 15/31
    assert story.totals() == ["900.00", "-435.48"]


def test_a_component_discount_until_a_date_comes_back_on_its_component(
    services: Services,
) -> None:
    addon = {"code": "addon", "name": "Add-on", "kind": "flat", "price": "500.00"}
    story = a_from_january(services, flat_tariff("1000.00", "RUB", name="A",
                                                 components=[addon]))
    grant(story, kind="percent", percent=Decimal(50), component="addon",
          until=date(2026, 1, 10), description="add-on at half")
    story.bill(JAN)
    cancel_on_the_17th(story)
    story.bill(FEB)
    assert figures(story) == [("-483.87", "0.00", "-483.87"),
                              ("-241.94", "-120.97", "-120.97")]  # 250.00 × 15/31
    assert story.totals() == ["1250.00", "-604.84"]


def test_a_pause_credits_the_paused_days_at_the_discount_they_had(services: Services) -> None:
    story = a_from_january(services)
    grant(story, kind="percent", percent=Decimal(50), periods=1, description="first month")
    story.bill(JAN)
    services.runtime.clock.move_to(JAN_17)  # type: ignore[attr-defined]
    send(services, PauseSubscription(customer_id=story.customer,
                                     subscription_id=story.subscription, effective_date=JAN_17))
    story.bill(FEB)
    assert story.totals() == ["500.00", "-241.94"]


def test_vat_on_a_credit_follows_its_net(services: Services) -> None:
    story = a_from_january(services, vat_rate="22")
    grant(story, kind="percent", percent=Decimal(50), periods=1, description="first month")
    story.bill(JAN)
    cancel_on_the_17th(story)
    story.bill(FEB)
    (line,) = story.invoices()[-1].lines
    assert [m.to_decimal_string() for m in (line.net, line.vat, line.total)] == [
        "-241.94", "-53.23", "-295.17"]  # 22 % of the net, half-up


def test_todays_discount_still_applies_to_the_new_charge_of_a_change(
    services: Services,
) -> None:
    story = a_from_january(services)
    publish(services, "b", flat_tariff("2000.00", "RUB", name="B"))
    story.bill(JAN)  # January at full price
    services.runtime.clock.move_to(JAN_17)  # type: ignore[attr-defined]
    grant(story, kind="percent", percent=Decimal(50), description="from now")
    change(story, JAN_17, tariff_code="b")
    story.bill(FEB)
    assert figures(story)[:2] == [
        ("-483.87", "0.00", "-483.87"),  # A's days, billed at full price
        ("967.74", "483.87", "483.87"),  # B's, at today's half price
    ]


def test_a_fixed_discount_on_a_charge_shrinks_its_credit_on_the_same_invoice(
    services: Services,
) -> None:
    # A billed in January at full price; 500.00 off every invoice from the 10th; B from the
    # 10th, cancelled on the 17th: B's charge and its credit meet on February's invoice
    story = a_from_january(services)
    publish(services, "b", flat_tariff("2000.00", "RUB", name="B"))
    story.bill(JAN)
    services.runtime.clock.move_to(date(2026, 1, 10))  # type: ignore[attr-defined]
    grant(story, kind="fixed", amount="500.00", description="500 off")
    change(story, date(2026, 1, 10), tariff_code="b")
    cancel_on_the_17th(story)
    story.bill(FEB)
    assert figures(story) == [
        ("-709.68", "0.00", "-709.68"),  # A's days, billed at full price
        ("1419.35", "500.00", "919.35"),  # B's 22 days take the 500.00
        ("-967.74", "-340.91", "-626.83"),  # its 15 unused days give back 500/1419.35 of it
    ]
    # B's 7 served days cost their share of the charge's net: 919.35 × 7/22, never below 0
    assert story.totals() == ["1000.00", "-417.16"]
