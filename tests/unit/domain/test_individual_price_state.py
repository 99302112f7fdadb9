"""Individual prices as replay keeps them: a first day, and carried over plan changes.

Given the events of a subscription, when they are replayed, then an individual price keeps
its ``effective_from`` (none for conditions recorded before it existed: they price every day,
as they did), and a change billed through removes only the prices it recorded as lapsed; a
change recorded before that was kept removes them all on another tariff, as it did.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from ledger.customers import Customer
from ledger.customers.billing_events import IndividualPriceSet
from ledger.customers.state import PendingChangeState, PriceOverrideState, Subscription
from ledger.events import Provenance
from ledger.tariffs.definition import TariffDefinition

START, FEB = date(2026, 1, 1), date(2026, 2, 1)
P = Provenance(actor="accountant:anna", source="api", recorded_at=datetime(2026, 1, 10, tzinfo=UTC),
               correlation_id=uuid4(), idempotency_key="k-1")
BASE = PriceOverrideState(price=Decimal(80), note="loyalty")
API = PriceOverrideState(pricing={"kind": "per_unit", "unit_price": "0.50"})


def subscription() -> Subscription:
    return Subscription(
        subscription_id="s", tariff_code="t", tariff_version=1, started_on=START, anchor_day=1,
        quantity=1, period_unit="month", period_count=1, timing="in_advance",
        first_renewal=FEB, overrides={"base": BASE, "api": API})


def take(sub: Subscription, *, version: int, lapsed: list[str] | None) -> None:
    sub.pending = PendingChangeState(effective_on=FEB, tariff_code="t", tariff_version=version,
                                     quantity=1, lapsed_overrides=lapsed)
    sub.take_pending(usage_billed_until=None)


def test_a_change_removes_only_the_prices_it_recorded_as_lapsed() -> None:
    sub = subscription()
    take(sub, version=2, lapsed=["base"])
    assert sub.overrides == {"api": API}
    assert sub.history[0].overrides == {"base": BASE, "api": API}  # January keeps both


def test_a_change_that_ended_no_price_keeps_them_all_on_the_new_version() -> None:
    sub = subscription()
    take(sub, version=2, lapsed=[])
    assert sub.overrides == {"base": BASE, "api": API}


def test_a_change_recorded_before_lapses_were_kept_ends_them_all_on_another_version() -> None:
    moved, seats = subscription(), subscription()
    take(moved, version=2, lapsed=None)
    take(seats, version=1, lapsed=None)  # a quantity change: the same tariff
    assert moved.overrides == {}
    assert seats.overrides == {"base": BASE, "api": API}


def test_a_price_keeps_its_first_day_and_an_older_one_prices_every_day() -> None:
    customer = Customer.register(P, START, external_key="C-1", name="A", currency="RUB")
    customer.start_subscription(
        P, START, subscription_id="s", tariff_code="t", tariff_version=1, started_on=START,
        anchor_day=1, quantity=1, period_unit="month", period_count=1, timing="in_advance",
        first_renewal=FEB)
    sub = customer.subscription("s")
    # an older event, recorded before conditions had a start
    customer.record(IndividualPriceSet, P, date(2026, 1, 10), subscription_id="s",
                    component="base", price=Decimal(70), agreed_on=date(2026, 1, 10))
    assert sub.overrides["base"].effective_from is None
    assert customer.terms_of(sub, catalog).overrides["base"].since is None
    customer.record(IndividualPriceSet, P, date(2026, 1, 10), subscription_id="s",
                    component="base", price=Decimal(70), agreed_on=date(2026, 1, 10),
                    effective_from=FEB)
    assert customer.terms_of(sub, catalog).overrides["base"].since == FEB


def catalog(code: str, version: int) -> TariffDefinition:
    return TariffDefinition.model_validate({"name": code, "currency": "RUB", "components": [
        {"code": "base", "name": "Fee", "kind": "flat", "price": "100.00"}]})
