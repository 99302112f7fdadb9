"""Every command is idempotent under its client key, durably, on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from commands.register_customer import RegisterCustomer
from ledger.errors import CustomerAlreadyExists, IdempotencyKeyReused
from tests.support.dsl import event_names, register, send

if TYPE_CHECKING:
    from api.bootstrap import Services


def test_a_retried_payment_is_recorded_once(services: Services) -> None:
    customer = register(services)
    pay = RecordPayment(customer_id=customer, amount="1500.00", currency="RUB")
    first = send(services, pay, key="pay-1")
    retry = send(services, pay, key="pay-1")
    assert not first.replayed
    assert retry.replayed
    assert retry.result == first.result
    assert retry.version == first.version
    assert event_names(services, customer) == ["CustomerRegistered", "PaymentReceived"]


def test_the_same_key_with_another_payload_is_a_conflict(services: Services) -> None:
    customer = register(services)
    send(services, RecordPayment(customer_id=customer, amount="10.00", currency="RUB"), key="k")
    with pytest.raises(IdempotencyKeyReused):
        send(services, RecordPayment(customer_id=customer, amount="11.00", currency="RUB"),
             key="k")
    assert event_names(services, customer) == ["CustomerRegistered", "PaymentReceived"]


def test_keys_survive_a_restart(services: Services, backend_env: dict[str, str]) -> None:
    from api.bootstrap import bootstrap

    customer = register(services)
    charge = RecordCharge(customer_id=customer, amount="100.00", description="Setup")
    first = send(services, charge, key="charge-1")
    restarted = bootstrap(backend_env, clock=services.runtime.clock)
    try:
        again = send(restarted, charge, key="charge-1")
    finally:
        restarted.close()
    assert again.replayed
    assert again.result == first.result
    assert event_names(services, customer).count("ChargeRecorded") == 1


def test_registering_twice_under_one_key_returns_the_first_outcome(services: Services) -> None:
    command = RegisterCustomer(external_key="C-7", name="ООО Семь")
    first = send(services, command, key="reg")
    assert send(services, command, key="reg").target_id == first.target_id


def test_registering_an_existing_external_key_under_a_new_key_is_refused(
    services: Services,
) -> None:
    register(services, "C-7")
    with pytest.raises(CustomerAlreadyExists):
        send(services, RegisterCustomer(external_key="C-7", name="Someone else"))
