"""Coupons: a code grants its discount, within its usage limit and before it expires."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from commands.coupons import CreateCoupon, RedeemCoupon
from ledger.errors import Conflict, NotFound, Rejected
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from api.bootstrap import Services


def test_a_coupon_grants_its_discount_once_per_customer(services: Services) -> None:
    send(services, CreateCoupon(code="welcome10", kind="percent", percent=Decimal(10),
                                periods=3, max_redemptions=2))
    first = register(services, "C-1")
    outcome = send(services, RedeemCoupon(customer_id=first, code="WELCOME10"))
    (discount,) = services.ledger.customer(first).state.discounts.values()
    assert (discount.percent, discount.periods) == (Decimal(10), 3)
    assert discount.discount_id == outcome.result["discount_id"]
    with pytest.raises(Conflict):
        send(services, RedeemCoupon(customer_id=first, code="welcome10"))


def test_the_usage_limit_holds(services: Services) -> None:
    send(services, CreateCoupon(code="ONCE", kind="fixed", amount="500.00", currency="RUB",
                                max_redemptions=1))
    send(services, RedeemCoupon(customer_id=register(services, "C-1"), code="ONCE"))
    late = register(services, "C-2")
    with pytest.raises(Rejected, match="used up"):
        send(services, RedeemCoupon(customer_id=late, code="ONCE"))
    assert services.ledger.customer(late).state.discounts == {}


def test_an_expired_or_unknown_coupon_is_refused(services: Services) -> None:
    send(services, CreateCoupon(code="NEWYEAR", kind="percent", percent=Decimal(5),
                                expires_on=date(2026, 1, 10)))
    customer = register(services, "C-1")
    with pytest.raises(Rejected, match="expired"):
        send(services, RedeemCoupon(customer_id=customer, code="NEWYEAR"))
    with pytest.raises(NotFound):
        send(services, RedeemCoupon(customer_id=customer, code="NOPE"))
