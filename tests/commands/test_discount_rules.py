"""Discounts that could never apply are refused; a coupon applies after earlier discounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from commands.change_subscription import ChangeSubscription
from commands.coupons import CreateCoupon, RedeemCoupon
from commands.grant_discount import GrantDiscount
from commands.start_subscription import StartSubscription
from ledger.errors import InvalidField
from tests.support.dsl import event_names, publish, register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

API = {"name": "API", "currency": "RUB", "components": [
    {"code": "base", "name": "Base", "kind": "flat", "price": "1000.00"},
    {"code": "api", "name": "API calls", "kind": "metered",
     "pricing": {"kind": "per_unit", "unit_price": "0.10"}}]}


def subscribed(services: Services) -> tuple[UUID, str]:
    publish(services)  # "start": a flat fee only
    publish(services, "api", API)
    customer = register(services, "C-1", currency="RUB")
    sub = send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                           start_date=date(2026, 1, 1)))
    return customer, sub.result["subscription_id"]


def test_a_discount_on_a_component_no_subscription_has_is_refused(services: Services) -> None:
    customer, _ = subscribed(services)
    before = event_names(services, customer)
    with pytest.raises(InvalidField) as refused:
        send(services, GrantDiscount(customer_id=customer, kind="percent",
                                     percent=Decimal(10), component="api"))
    assert refused.value.field == "component"
    assert event_names(services, customer) == before
    send(services, GrantDiscount(customer_id=customer, kind="percent", percent=Decimal(10),
                                 component="base"))


def test_a_component_of_a_pending_change_counts(services: Services) -> None:
    customer, sub = subscribed(services)
    send(services, ChangeSubscription(customer_id=customer, subscription_id=sub,
                                      tariff_code="api", effective_date=date(2026, 1, 15),
                                      when="end_of_term"))
    send(services, GrantDiscount(customer_id=customer, kind="percent", percent=Decimal(10),
                                 component="api"))


def test_a_customer_without_subscriptions_gets_no_component_discount(
        services: Services) -> None:
    customer = register(services, "C-1", currency="RUB")
    with pytest.raises(InvalidField):
        send(services, GrantDiscount(customer_id=customer, kind="fixed", amount="10.00",
                                     component="base"))
    send(services, GrantDiscount(customer_id=customer, kind="fixed", amount="10.00"))


def test_a_coupon_takes_the_position_after_the_customers_discounts(services: Services) -> None:
    customer, _ = subscribed(services)
    send(services, CreateCoupon(code="FIRST", kind="percent", percent=Decimal(5)))
    send(services, CreateCoupon(code="SECOND", kind="percent", percent=Decimal(5)))
    send(services, RedeemCoupon(customer_id=customer, code="FIRST"))
    send(services, GrantDiscount(customer_id=customer, kind="percent", percent=Decimal(10),
                                 position=3))
    send(services, RedeemCoupon(customer_id=customer, code="SECOND"))
    discounts = services.ledger.customer(customer).state.discounts.values()
    assert [(d.description, d.position) for d in discounts] == [
        ("Coupon FIRST", 0), ("Discount", 3), ("Coupon SECOND", 4)]


def test_a_coupon_on_a_component_the_customer_lacks_is_refused_and_not_used_up(
        services: Services) -> None:
    customer, _ = subscribed(services)
    send(services, CreateCoupon(code="API50", kind="percent", percent=Decimal(50),
                                component="api", max_redemptions=1))
    before = event_names(services, customer)
    with pytest.raises(InvalidField) as refused:
        send(services, RedeemCoupon(customer_id=customer, code="API50"))
    assert refused.value.field == "code"
    assert "'api'" in refused.value.detail
    assert event_names(services, customer) == before
    other = register(services, "C-2", currency="RUB")
    send(services, StartSubscription(customer_id=other, tariff_code="api",
                                     start_date=date(2026, 1, 1)))
    send(services, RedeemCoupon(customer_id=other, code="API50"))  # its one use is still there
