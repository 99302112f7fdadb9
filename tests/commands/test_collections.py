"""Payments and collections through the command layer, on both backends.

Every customer here has payment terms of 10 days and no VAT, so an invoice for a 1000.00
charge asks for exactly 1000.00 RUB.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from commands.cancel_subscription import CancelSubscription
from commands.reallocate_payment import ReallocatePayment
from commands.record_chargeback import RecordChargeback
from commands.refund_payment import RefundPayment
from commands.write_off_debt import WriteOffDebt
from ledger.customers.events import AdjustmentRecorded
from ledger.errors import InvalidField, NotFound
from ledger.money import Money
from tests.support.collections import invoice_due, on, pay
from tests.support.dsl import event_names, publish, register, send
from tests.support.subscriptions import bill, subscribe

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from ledger.customers.state import CustomerState

JAN_25, FEB_25 = date(2026, 1, 25), date(2026, 2, 25)


def state(services: Services, customer: UUID) -> CustomerState:
    return services.ledger.customer(customer, fresh=True).state


def rub(amount: str) -> Money:
    return Money.parse(amount, "RUB")


def open_on(services: Services, customer: UUID, invoice_id: str) -> Money:
    return Money(state(services, customer).invoices[invoice_id].open_minor, "RUB")


# -- allocation at receipt -------------------------------------------------------------------


def test_a_payment_settles_the_oldest_invoice_first_and_leaves_the_rest_open(
    services: Services,
) -> None:
    customer = register(services)
    older = invoice_due(services, customer, JAN_25)
    newer = invoice_due(services, customer, FEB_25)
    pay(services, customer, "1500.00")
    assert open_on(services, customer, older) == rub("0.00")
    assert open_on(services, customer, newer) == rub("500.00")


def test_an_overpayment_becomes_credit_that_the_next_invoice_uses(services: Services) -> None:
    customer = register(services)
    invoice_due(services, customer, JAN_25)
    pay(services, customer, "1500.00")
    assert state(services, customer).balances["RUB"].credit == rub("500.00")
    later = invoice_due(services, customer, FEB_25)
    assert open_on(services, customer, later) == rub("500.00")
    assert state(services, customer).balances["RUB"].receivable == rub("500.00")


# -- re-allocation ---------------------------------------------------------------------------


def test_a_payment_is_reallocated_with_a_reason(services: Services) -> None:
    customer = register(services)
    first = invoice_due(services, customer, JAN_25)
    second = invoice_due(services, customer, FEB_25)
    payment = pay(services, customer, "1000.00")
    outcome = send(services, ReallocatePayment(
        customer_id=customer, payment_id=payment, remove={first: "1000.00"},
        add={second: "1000.00"}, reason="В назначении платежа указан второй счёт"),
        actor="accountant:anna")
    assert outcome.result["allocations"] == {second: "1000.00"}
    assert open_on(services, customer, first) == rub("1000.00")
    assert open_on(services, customer, second) == rub("0.00")
    event = services.ledger.history(customer)[-1]
    assert event.meta.reason == "В назначении платежа указан второй счёт"
    assert event.meta.actor == "accountant:anna"


def test_a_reallocation_that_would_over_allocate_writes_nothing(services: Services) -> None:
    customer = register(services)
    first = invoice_due(services, customer, JAN_25)
    second = invoice_due(services, customer, FEB_25, amount="300.00")
    payment = pay(services, customer, "1000.00")
    before = event_names(services, customer)
    with pytest.raises(InvalidField) as caught:
        send(services, ReallocatePayment(customer_id=customer, payment_id=payment,
                                         remove={first: "500.00"}, add={second: "500.00"},
                                         reason="Перенос"))
    assert caught.value.field == "add"
    assert event_names(services, customer) == before


def test_a_reallocation_without_a_reason_is_refused_before_anything_happens() -> None:
    with pytest.raises(ValidationError):
        ReallocatePayment.model_validate({
            "customer_id": "00000000-0000-0000-0000-000000000001", "payment_id": "p",
            "remove": {"i": "1.00"}})


# -- refunds ---------------------------------------------------------------------------------


def test_credit_is_refunded(services: Services) -> None:
    customer = register(services)
    pay(services, customer, "700.00")
    outcome = send(services, RefundPayment(customer_id=customer, amount="700.00",
                                           currency="RUB", reason="Возврат аванса по письму"))
    balance = state(services, customer).balances["RUB"]
    assert balance.refunded == 70000
    assert balance.credit == rub("0.00")
    assert list(outcome.result["sources"].values()) == ["700.00"]


def test_a_payment_is_refunded_up_to_its_unallocated_part(services: Services) -> None:
    customer = register(services)
    invoice_due(services, customer, JAN_25)
    payment = pay(services, customer, "1200.00")
    with pytest.raises(InvalidField) as caught:
        send(services, RefundPayment(customer_id=customer, payment_id=payment, amount="200.01",
                                     currency="RUB", reason="Переплата"))
    assert "re-allocate" in caught.value.detail
    send(services, RefundPayment(customer_id=customer, payment_id=payment, amount="200.00",
                                 currency="RUB", reason="Переплата"))
    assert state(services, customer).payments[payment].unallocated == 0


def test_a_refund_over_the_credit_is_refused_and_writes_nothing(services: Services) -> None:
    customer = register(services)
    pay(services, customer, "100.00")
    with pytest.raises(InvalidField):
        send(services, RefundPayment(customer_id=customer, amount="100.01", currency="RUB",
                                     reason="Возврат"))
    assert state(services, customer).balances["RUB"].refunded == 0


def test_a_retried_refund_is_refunded_once(services: Services) -> None:
    customer = register(services)
    pay(services, customer, "100.00")
    command = RefundPayment(customer_id=customer, amount="60.00", currency="RUB",
                            reason="Возврат")
    first = send(services, command, key="refund-1")
    again = send(services, command, key="refund-1")
    assert again.replayed
    assert again.result == first.result
    assert state(services, customer).balances["RUB"].refunded == 6000


# -- chargebacks -----------------------------------------------------------------------------


def test_a_chargeback_reopens_the_invoice_it_had_settled(services: Services) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    payment = pay(services, customer, "1000.00")
    outcome = send(services, RecordChargeback(customer_id=customer, payment_id=payment,
                                              amount="400.00", currency="RUB",
                                              reason="Оспорено держателем карты"),
                   actor="service:gateway")
    assert outcome.result["reopened"] == {invoice: "400.00"}
    assert open_on(services, customer, invoice) == rub("400.00")
    assert state(services, customer).balances["RUB"].receivable == rub("400.00")


def test_a_chargeback_of_an_unknown_payment_is_not_found(services: Services) -> None:
    customer = register(services)
    with pytest.raises(NotFound) as caught:
        send(services, RecordChargeback(customer_id=customer, payment_id="nope",
                                        amount="1.00", currency="RUB"))
    assert caught.value.field == "payment_id"


# -- write-offs ------------------------------------------------------------------------------


def test_a_write_off_needs_an_approver_who_is_not_the_sender(services: Services) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    with pytest.raises(InvalidField) as caught:
        send(services, WriteOffDebt(customer_id=customer, invoice_id=invoice,
                                    reason="Компания ликвидирована", approver="anna"),
             actor="accountant:anna")
    assert caught.value.field == "approver"
    with pytest.raises(ValidationError):
        WriteOffDebt.model_validate({"customer_id": str(customer), "invoice_id": invoice,
                                     "approver": "boris"})


def test_bad_debt_is_written_off_with_reason_and_approver(services: Services) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    pay(services, customer, "100.00")
    outcome = send(services, WriteOffDebt(customer_id=customer, invoice_id=invoice,
                                          reason="Компания ликвидирована", approver="boris"),
                   actor="accountant:anna")
    assert outcome.result["amount"] == "900.00"
    after = state(services, customer)
    assert after.invoices[invoice].written_off == 90000
    assert after.balances["RUB"].written_off == 90000
    assert after.balances["RUB"].receivable == rub("0.00")
    event = services.ledger.history(customer)[-1]
    assert (event.meta.reason, event.meta.actor) == ("Компания ликвидирована", "accountant:anna")


# -- credit for days that were written off ---------------------------------------------------


def cancelled_after_a_write_off(services: Services, paid: str | None) -> UUID:
    """Invoice LBX-2026-000001 of 1220.00 for January (``paid`` of it paid on 5 January), the
    rest written off on 12 January, the subscription cancelled that day and billed: the
    credit invoice LBX-2026-000002 gives back 20 of 31 days, −787.10."""
    publish(services)
    on(services, date(2026, 1, 1))
    customer, sid = subscribe(services)
    bill(services, date(2026, 1, 1))
    (invoice,) = state(services, customer).invoices
    if paid is not None:
        pay(services, customer, paid, date(2026, 1, 5))
    on(services, date(2026, 1, 12))
    send(services, WriteOffDebt(customer_id=customer, invoice_id=invoice, reason="Bankrupt",
                                approver="boris"))
    send(services, CancelSubscription(customer_id=customer, subscription_id=sid,
                                      effective_date=date(2026, 1, 12), when="immediate"))
    bill(services, date(2026, 1, 12))
    assert [i.total for i in state(services, customer).invoices.values()] == [122000, -78710]
    return customer


def adjustments(services: Services, customer: UUID) -> list[tuple[int, str | None]]:
    """The adjustments recorded: amount (minor units) and reason."""
    return [(e.amount.minor, e.meta.reason)
            for e in services.ledger.history(customer) if isinstance(e, AdjustmentRecorded)]


def test_credit_for_written_off_days_never_paid_is_taken_back_and_not_refunded(
    services: Services,
) -> None:
    customer = cancelled_after_a_write_off(services, paid=None)
    assert adjustments(services, customer) == [(78710, (
        "credit of invoice LBX-2026-000002 for days of invoice LBX-2026-000001 that were"
        " written off and never paid is not given back"))]
    balance = state(services, customer).balances["RUB"]
    assert (balance.net_minor, balance.written_off) == (0, 122000)
    with pytest.raises(InvalidField):
        send(services, RefundPayment(customer_id=customer, amount="787.10", currency="RUB",
                                     reason="Closing the account"))


def test_credit_for_written_off_days_is_refundable_up_to_what_was_paid(
    services: Services,
) -> None:
    customer = cancelled_after_a_write_off(services, paid="500.00")
    assert [minor for minor, _ in adjustments(services, customer)] == [28710]
    assert state(services, customer).balances["RUB"].credit == rub("500.00")
    with pytest.raises(InvalidField):
        send(services, RefundPayment(customer_id=customer, amount="500.01", currency="RUB",
                                     reason="Closing the account"))
    send(services, RefundPayment(customer_id=customer, amount="500.00", currency="RUB",
                                 reason="Closing the account"))
    assert state(services, customer).balances["RUB"].net_minor == 0
