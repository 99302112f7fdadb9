"""Subscriptions in tests: one started on 1 January, and bill runs for everyone."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from commands.run_billing import RunBilling, bill_run_context, run_billing
from commands.start_subscription import StartSubscription
from tests.support.collections import on
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services


def bill(services: Services, day: date) -> int:
    """A bill run for everyone as of ``day`` (the clock moves there); invoices issued."""
    on(services, day)
    report = run_billing(RunBilling(as_of=day), bill_run_context("test"), services.runtime,
                         list(services.ledger.customer_ids()))
    return len(report.invoices)


def subscribe(services: Services, tariff: str = "start", key: str = "C-1",
              **terms: Any) -> tuple[UUID, str]:
    """A newly registered customer with one subscription from 1 January; its ids."""
    customer = register(services, key)
    sid = send(services, StartSubscription(customer_id=customer, tariff_code=tariff,
                                           start_date=date(2026, 1, 1), **terms))
    return customer, sid.result["subscription_id"]
