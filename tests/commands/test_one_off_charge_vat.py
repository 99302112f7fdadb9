"""A one-off charge is recorded with its VAT rate: its own, the customer's, else its tariffs'.

Through the command layer, on both backends. The default tariff bills 1000.00 RUB a month
at 22 % on top; the customers here have no VAT rate of their own unless a test gives one.
The rate decided is written on ``ChargeRecorded``, so the charge itself says what it carries.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from commands.record_charge import RecordCharge
from commands.start_subscription import StartSubscription
from commands.update_customer import UpdateCustomer
from commands.void_invoice import VoidInvoice
from ledger.customers.billing_events import InvoiceIssued
from ledger.customers.events import ChargeRecorded
from ledger.errors import InvalidField
from tests.scenarios.support import flat_tariff
from tests.support.dsl import event_names, publish, register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

JAN1 = date(2026, 1, 1)


def subscribed(services: Services, *codes: str, **customer: Any) -> UUID:
    """A customer subscribed from 1 January to each tariff named."""
    customer_id = register(services, "C-1", currency="RUB", **customer)
    for code in codes:
        send(services, StartSubscription(customer_id=customer_id, tariff_code=code,
                                         start_date=JAN1, anchor_day=1))
    return customer_id


def charge(services: Services, customer: UUID, **fields: Any) -> dict[str, Any]:
    fields.setdefault("amount", "1000.00")
    return send(services, RecordCharge(customer_id=customer, description="Выезд инженера",
                                       **fields)).result


def recorded_rates(services: Services, customer: UUID) -> list[Decimal | None]:
    return [e.vat_rate for e in services.ledger.history(customer)
            if isinstance(e, ChargeRecorded)]


def test_a_charge_without_a_rate_takes_the_rate_of_the_customers_tariffs(
        services: Services) -> None:
    # given a customer without a rate of its own, on a 22 % tariff
    publish(services)
    customer = subscribed(services, "start")
    # when a service is charged once without a rate
    result = charge(services, customer)
    # then the charge is recorded at 22 % and invoiced with 22 % on top, beside January
    assert recorded_rates(services, customer) == [Decimal(22)]
    (invoice,) = [e for e in services.ledger.history(customer)
                  if isinstance(e, InvoiceIssued)]
    assert [(line.kind, line.vat_rate, line.vat.to_decimal_string())
            for line in invoice.lines] == [
        ("one_off", Decimal(22), "220.00"), ("recurring", Decimal(22), "220.00")]
    assert result["total"] == "2440.00"


def test_a_service_re_billed_after_a_void_is_taxed_like_the_fee_it_replaces(
        services: Services) -> None:
    publish(services)
    customer = subscribed(services, "start")
    invoice = charge(services, customer)  # the charge takes January's fee with it
    assert invoice["total"] == "2440.00"
    send(services, VoidInvoice(customer_id=customer, invoice_id=invoice["invoice_id"],
                               reason="wrong period"))
    rebilled = send(services, RecordCharge(customer_id=customer, amount="1000.00",
                                           description="Абонентская плата за январь"))
    assert rebilled.result["total"] == "1220.00"


def test_the_charges_own_rate_and_the_customers_come_first(services: Services) -> None:
    publish(services)
    customer = subscribed(services, "start", vat_rate=Decimal(20))
    charge(services, customer, vat_rate=Decimal(10), invoice_now=False)
    charge(services, customer, invoice_now=False)
    send(services, UpdateCustomer(customer_id=customer, vat_rate=Decimal(22)))
    charge(services, customer, invoice_now=False)
    # each keeps the rate it was recorded with, whatever the customer's rate is later
    assert recorded_rates(services, customer) == [Decimal(10), Decimal(20), Decimal(22)]


def test_tariffs_that_disagree_on_the_rate_leave_the_charge_to_name_one(
        services: Services) -> None:
    publish(services)
    publish(services, "books", flat_tariff("500.00", "RUB", name="Книги", vat_rate="10"))
    customer = subscribed(services, "start", "books")
    before = event_names(services, customer)
    with pytest.raises(InvalidField) as refused:
        charge(services, customer)
    assert refused.value.field == "vat_rate"
    assert refused.value.detail == (
        "the customer's tariffs bill VAT at 10 %, 22 % and the customer has no rate of its"
        " own: give the charge's vat_rate")
    assert event_names(services, customer) == before
    charge(services, customer, vat_rate=Decimal(22), invoice_now=False)
    assert recorded_rates(services, customer) == [Decimal(22)]


def test_a_customer_without_tariffs_is_charged_without_vat_as_before(
        services: Services) -> None:
    customer = register(services, "C-1", currency="RUB")
    result = charge(services, customer)
    assert recorded_rates(services, customer) == [None]
    assert result["total"] == "1000.00"  # «без НДС»
