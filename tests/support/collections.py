"""Collections vocabulary for tests: invoices due on a chosen day, the clock, dunning runs."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from commands.run_dunning import RunDunning
from ledger.clock import SimulatedClock
from tests.support.dsl import send

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID

    from api.bootstrap import Services

PAYMENT_TERMS_DAYS = 10
"""A registered customer's default payment terms: an invoice is due 10 days after issue."""


def on(services: Services, day: date) -> None:
    """Move the business date to ``day``."""
    clock = services.runtime.clock
    assert isinstance(clock, SimulatedClock)
    clock.move_to(day)


def invoice_due(services: Services, customer: UUID, due_on: date, amount: str = "1000.00") -> str:
    """Issue an invoice (a one-off charge, no VAT) that falls due on ``due_on``; return its id."""
    on(services, due_on - timedelta(days=PAYMENT_TERMS_DAYS))
    outcome = send(services, RecordCharge(customer_id=customer, amount=amount,
                                          description="Услуги"))
    return str(outcome.result["invoice_id"])


def pay(services: Services, customer: UUID, amount: str, day: date | None = None) -> str:
    """Record a payment (today unless ``day``); return its id."""
    if day is not None:
        on(services, day)
    outcome = send(services, RecordPayment(customer_id=customer, amount=amount, currency="RUB"))
    return str(outcome.result["payment_id"])


def dun(services: Services, customer: UUID, day: date) -> list[str]:
    """Run dunning for one customer on ``day``; return the actions taken (e.g. ``remind``)."""
    on(services, day)
    outcome = send(services, RunDunning(customer_id=customer), source="scheduler")
    return [step["action"] for step in outcome.result["steps"]]
