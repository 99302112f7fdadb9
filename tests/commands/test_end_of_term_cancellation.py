"""Given a subscription with a fixed term, when it is cancelled at the end of its term, then
service ends when the contract's term ends, not at the end of the billing period asked in.

A customer on a twelve-month contract who cancels in March is committed until the contract
ends: "at the end of the term" means the contract's term, renewed or not. Without a fixed
term it means the end of the current billing period (docs/billing.md, Subscriptions).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from commands.cancel_subscription import CancelSubscription
from commands.start_subscription import StartSubscription
from tests.scenarios.support import flat_tariff
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from api.bootstrap import Services

JAN1 = date(2026, 1, 1)


def service_ends(services: Services, on: date, **term: object) -> str:
    """A monthly subscription from 1 January, cancelled at the end of its term on ``on``."""
    publish(services, "m", flat_tariff("1000.00"))
    customer = register(services, "X", currency="USD")
    subscription = send(services, StartSubscription(
        customer_id=customer, tariff_code="m", start_date=JAN1, **term,
    )).result["subscription_id"]
    return str(send(services, CancelSubscription(
        customer_id=customer, subscription_id=subscription, effective_date=on,
        when="end_of_term")).result["service_ends"])


@pytest.mark.parametrize("auto_renew", [True, False])
def test_a_fixed_term_ends_service_when_the_contract_ends(
    services: Services, auto_renew: bool,
) -> None:
    assert service_ends(services, date(2026, 3, 10), term_end=date(2027, 1, 1),
                        auto_renew=auto_renew) == "2027-01-01"


def test_a_renewed_term_ends_when_the_renewal_running_ends(services: Services) -> None:
    assert service_ends(services, date(2027, 2, 1), term_end=date(2027, 1, 1),
                        auto_renew=True) == "2028-01-01"


def test_without_a_fixed_term_service_ends_with_the_billing_period(services: Services) -> None:
    assert service_ends(services, date(2026, 3, 10)) == "2026-04-01"
