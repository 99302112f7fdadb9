"""Customer commands through the command layer, on both backends."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from commands.close_customer import CloseCustomer
from commands.grant_discount import GrantDiscount
from commands.record_adjustment import RecordAdjustment
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from commands.start_subscription import StartSubscription
from commands.update_customer import UpdateCustomer
from ledger.customers.billing_events import InvoiceIssued
from ledger.errors import (
    CurrencyMismatch,
    CustomerClosedError,
    CustomerNotFound,
    InvalidAmount,
    InvalidField,
    TariffNotFound,
)
from ledger.money import Money
from tests.support.dsl import event_names, publish, register, send

if TYPE_CHECKING:
    from api.bootstrap import Services


def test_a_one_off_charge_adds_vat_by_the_customers_terms(services: Services) -> None:
    customer = register(services, vat_rate="22")
    outcome = send(services, RecordCharge(customer_id=customer, amount="1000.00",
                                          description="Внедрение"))
    assert outcome.result["total"] == "1220.00"
    assert outcome.result["number"] == "LBX-2026-000001"
    balance = services.ledger.customer(customer).state.balances["RUB"]
    assert balance.receivable == Money(122000, "RUB")


def test_an_inclusive_price_carries_its_vat_inside(services: Services) -> None:
    customer = register(services, vat_rate="22", vat_mode="inclusive")
    outcome = send(services, RecordCharge(customer_id=customer, amount="99.99",
                                          description="Отчёт"))
    assert outcome.result["total"] == "99.99"
    (invoice,) = [e for e in services.ledger.history(customer) if isinstance(e, InvoiceIssued)]
    (line,) = invoice.lines
    assert line.vat == Money(1803, "RUB")
    assert line.net == Money(8196, "RUB")
    assert invoice.vat_total == Money(1803, "RUB")


def test_a_subscription_starts_on_a_published_tariff_version(services: Services) -> None:
    publish(services)
    customer = register(services)
    outcome = send(services, StartSubscription(
        customer_id=customer, tariff_code="start", start_date=date(2026, 1, 10), anchor_day=1))
    subscription = services.ledger.customer(customer).state.subscriptions[
        outcome.result["subscription_id"]]
    assert subscription.tariff_version == 1
    assert subscription.first_renewal == date(2026, 2, 1)


def test_a_new_tariff_version_leaves_subscribers_on_theirs(services: Services) -> None:
    publish(services)
    customer = register(services)
    sub = send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                           start_date=date(2026, 1, 1))).result["subscription_id"]
    changed = {"name": "Старт", "currency": "RUB", "components": [
        {"code": "base", "name": "Абонентская плата", "kind": "flat", "price": "1200.00"}]}
    assert publish(services, definition=changed) == 2
    assert services.ledger.customer(customer).state.subscriptions[sub].tariff_version == 1


def test_an_unknown_tariff_is_refused_and_nothing_is_written(services: Services) -> None:
    customer = register(services)
    with pytest.raises(TariffNotFound):
        send(services, StartSubscription(customer_id=customer, tariff_code="nope",
                                         start_date=date(2026, 1, 1)))
    assert event_names(services, customer) == ["CustomerRegistered"]


def test_a_tariff_in_another_currency_is_refused(services: Services) -> None:
    publish(services, code="usd", definition={"name": "USD", "currency": "USD", "components": [
        {"code": "base", "name": "Base", "kind": "flat", "price": "10.00"}]})
    customer = register(services)
    with pytest.raises(CurrencyMismatch) as caught:
        send(services, StartSubscription(customer_id=customer, tariff_code="usd",
                                         start_date=date(2026, 1, 1)))
    assert caught.value.field == "tariff_code"


def test_an_anchor_day_on_a_weekly_tariff_is_refused_unless_it_is_the_start_day(
    services: Services,
) -> None:
    publish(services, code="weekly", definition={
        "name": "Weekly", "currency": "RUB", "period_unit": "week", "components": [
            {"code": "base", "name": "Base", "kind": "flat", "price": "10.00"}]})
    customer = register(services)
    with pytest.raises(InvalidField) as caught:
        send(services, StartSubscription(customer_id=customer, tariff_code="weekly",
                                         start_date=date(2026, 1, 7), anchor_day=1))
    assert caught.value.field == "anchor_day"
    assert "other than the start's (7) would be ignored" in str(caught.value)
    assert event_names(services, customer) == ["CustomerRegistered"]
    send(services, StartSubscription(customer_id=customer, tariff_code="weekly",
                                     start_date=date(2026, 1, 7), anchor_day=7))


def test_quantity_below_one_is_refused_before_anything_happens() -> None:
    with pytest.raises(ValidationError):
        StartSubscription.model_validate({"customer_id": "00000000-0000-0000-0000-000000000001",
                                          "tariff_code": "start", "start_date": "2026-01-01",
                                          "quantity": 0})


def test_a_discount_over_100_percent_is_refused(services: Services) -> None:
    customer = register(services)
    with pytest.raises(InvalidField) as caught:
        send(services, GrantDiscount(customer_id=customer, kind="percent", percent="150"))
    assert caught.value.field == "percent"
    assert event_names(services, customer) == ["CustomerRegistered"]


def test_a_granted_discount_is_kept_for_the_bill_runs(services: Services) -> None:
    customer = register(services)
    send(services, GrantDiscount(customer_id=customer, kind="percent", percent="10", periods=3,
                                 description="Лояльность"))
    (discount,) = services.ledger.customer(customer).state.discounts.values()
    assert discount.percent == 10
    assert discount.periods == 3


def test_three_decimals_are_refused_naming_the_amount(services: Services) -> None:
    customer = register(services)
    with pytest.raises(InvalidAmount) as caught:
        send(services, RecordPayment(customer_id=customer, amount="10.005", currency="RUB"))
    assert caught.value.field == "amount"
    assert event_names(services, customer) == ["CustomerRegistered"]


def test_an_adjustment_records_who_and_why(services: Services) -> None:
    customer = register(services)
    send(services, RecordAdjustment(customer_id=customer, amount="-150.00", currency="RUB",
                                    reason="Компенсация простоя 12.01"), actor="accountant:anna")
    event = services.ledger.history(customer)[-1]
    assert event.meta.reason == "Компенсация простоя 12.01"
    assert event.meta.actor == "accountant:anna"
    assert event.meta.source == "api"


def test_updating_an_unknown_customer_is_not_found(services: Services) -> None:
    from uuid import uuid4

    with pytest.raises(CustomerNotFound):
        send(services, UpdateCustomer(customer_id=uuid4(), name="X"))


def test_a_closed_customer_cannot_be_charged(services: Services) -> None:
    customer = register(services)
    send(services, CloseCustomer(customer_id=customer, reason="Договор расторгнут"))
    with pytest.raises(CustomerClosedError):
        send(services, RecordCharge(customer_id=customer, amount="1.00", description="x"))


def test_a_minimum_with_more_decimals_than_the_currency_is_refused(services: Services) -> None:
    from ledger.errors import InvalidAmount

    with pytest.raises((InvalidAmount, ValidationError)):
        publish(services, "min", {"name": "Min", "currency": "RUB", "minimum": "100.005",
                                  "components": [{"code": "b", "name": "B", "kind": "flat",
                                                  "price": "1.00"}]})
