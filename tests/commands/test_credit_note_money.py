"""The same money is never used twice: credit notes, voids and the payments behind them.

Through the command layer, on both backends. Every customer here has payment terms of 10
days and no VAT, so an invoice for a 1000.00 charge asks for exactly 1000.00 RUB. A credit
note on a paid invoice releases the payment that paid it, so that refunding, re-allocating
or charging back that payment follows its money; a refused command writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import uuid4

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from commands.cancel_subscription import CancelSubscription
from commands.issue_credit_note import IssueCreditNote
from commands.reallocate_payment import ReallocatePayment
from commands.record_charge import RecordCharge
from commands.record_chargeback import RecordChargeback
from commands.record_payment import RecordPayment
from commands.refund_payment import RefundPayment
from commands.void_invoice import VoidInvoice
from ledger.audit import verify_chain
from ledger.customers import ServiceStatus
from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued
from ledger.errors import InvalidField, Rejected
from ledger.events import EventMeta, canonical_hash
from tests.scenarios.support import Story, flat_tariff
from tests.support.collections import dun, invoice_due, on, pay
from tests.support.dsl import event_names, register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from ledger.customers.state import CustomerState

JAN_25, FEB_25 = date(2026, 1, 25), date(2026, 2, 25)


def state(services: Services, customer: UUID) -> CustomerState:
    return services.ledger.customer(customer, fresh=True).state


def credit_in_full(services: Services, customer: UUID, invoice: str) -> dict[str, str]:
    outcome = send(services, IssueCreditNote(customer_id=customer, invoice_id=invoice,
                                             reason="Услуги не оказаны"), actor="accountant:anna")
    return outcome.result


# -- F1: a credited invoice's payment is credit, once ----------------------------------------


def test_a_payment_freed_by_a_credit_note_is_refunded_once(services: Services) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    payment = pay(services, customer, "1000.00")
    credit_in_full(services, customer, invoice)
    refund = send(services, RefundPayment(customer_id=customer, amount="1000.00", currency="RUB",
                                          reason="Возврат кредита"))
    assert refund.result["sources"] == {payment: "1000.00"}
    before = event_names(services, customer)

    with pytest.raises(InvalidField) as unallocation:
        send(services, ReallocatePayment(customer_id=customer, payment_id=payment,
                                         remove={invoice: "1000.00"}, reason="Снять"))
    with pytest.raises(InvalidField) as second_refund:
        send(services, RefundPayment(customer_id=customer, amount="1000.00", currency="RUB",
                                     payment_id=payment, reason="Возврат платежа"))

    assert (unallocation.value.field, second_refund.value.field) == ("remove", "amount")
    assert event_names(services, customer) == before
    book = state(services, customer)
    assert book.balances["RUB"].net_minor == 0
    assert book.balances["RUB"].refunded == 100000


def test_the_freed_payment_pays_the_next_invoice_and_cannot_pay_another(
    services: Services,
) -> None:
    customer = register(services)
    first = invoice_due(services, customer, JAN_25)
    payment = pay(services, customer, "1000.00")
    credit_in_full(services, customer, first)
    second = invoice_due(services, customer, FEB_25)      # paid from the freed money at issue
    third = invoice_due(services, customer, FEB_25)

    with pytest.raises(InvalidField):
        send(services, ReallocatePayment(customer_id=customer, payment_id=payment,
                                         remove={first: "1000.00"}, add={third: "1000.00"},
                                         reason="Оплата относится к третьему счёту"))
    send(services, ReallocatePayment(customer_id=customer, payment_id=payment,
                                     remove={second: "1000.00"}, add={third: "1000.00"},
                                     reason="Оплата относится к третьему счёту"))

    book = state(services, customer)
    assert book.payments[payment].allocations == {third: 100000}
    assert [book.invoices[i].open_minor for i in (first, second, third)] == [0, 100000, 0]
    assert book.balances["RUB"].net_minor == 100000  # = what is open


# -- F2: a chargeback after the note reopens what the money settles -----------------------------


def test_a_chargeback_after_a_credit_note_reopens_the_invoice_the_payment_settles(
    services: Services,
) -> None:
    customer = register(services)
    first = invoice_due(services, customer, JAN_25)
    payment = pay(services, customer, "400.00", date(2026, 1, 20))
    second = invoice_due(services, customer, FEB_25)
    on(services, date(2026, 2, 20))
    credit_in_full(services, customer, first)           # the 400.00 now settles the second

    outcome = send(services, RecordChargeback(customer_id=customer, payment_id=payment,
                                              amount="400.00", currency="RUB"),
                   actor="service:gateway")

    assert outcome.result["reopened"] == {second: "400.00"}
    book = state(services, customer)
    assert book.invoices[second].open_minor == 100000
    assert book.balances["RUB"].net_minor == 100000


# -- F3: a negative invoice's credit, once used, is not voided away ----------------------------


def test_a_used_negative_invoice_is_not_voided_because_an_overpayment_covers_it(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("3100.00"), date(2026, 1, 1), anchor_day=1)
    story.bill(date(2026, 1, 1))
    send(services, RecordPayment(customer_id=story.customer, amount="3100.00", currency="USD"))
    on(services, date(2026, 1, 16))
    send(services, CancelSubscription.model_validate({
        "customer_id": str(story.customer), "subscription_id": story.subscription,
        "when": "immediate", "effective_date": "2026-01-16"}))
    story.bill(date(2026, 2, 1))                        # −1600.00: unused days credited
    negative = story.invoices()[-1]
    on(services, date(2026, 2, 2))
    send(services, RecordCharge(customer_id=story.customer, amount="1600.00",
                                description="Доп. услуги"))  # paid by that credit
    send(services, RecordPayment(customer_id=story.customer, amount="1600.00", currency="USD"))
    before = event_names(services, story.customer)

    with pytest.raises(Rejected) as caught:
        send(services, VoidInvoice(customer_id=story.customer, invoice_id=negative.invoice_id,
                                   reason="Ошибочный счёт"))

    assert caught.value.field == "invoice_id"
    assert event_names(services, story.customer) == before


# -- F4: a line is credited once -----------------------------------------------------------


def test_a_line_is_credited_once_and_a_full_note_credits_the_rest(services: Services) -> None:
    customer = register(services)
    on(services, date(2026, 1, 15))
    send(services, RecordCharge(customer_id=customer, amount="100.00", description="Подключение",
                                charge_id="setup", invoice_now=False))
    invoice = str(send(services, RecordCharge(customer_id=customer, amount="900.00",
                                              description="Услуги", charge_id="services"))
                  .result["invoice_id"])
    send(services, IssueCreditNote(customer_id=customer, invoice_id=invoice, line_ids=["setup"],
                                   reason="Подключение не выполнено"))
    before = event_names(services, customer)

    with pytest.raises(InvalidField) as caught:
        send(services, IssueCreditNote(customer_id=customer, invoice_id=invoice,
                                       line_ids=["setup"], reason="Подключение не выполнено"))
    assert caught.value.field == "line_ids"
    assert "setup" in caught.value.detail
    assert event_names(services, customer) == before

    rest = send(services, IssueCreditNote(customer_id=customer, invoice_id=invoice,
                                          reason="Услуги не оказаны"))
    assert rest.result["total"] == "900.00"
    assert state(services, customer).invoices[invoice].status == "credited"


# -- F5: reactivation after a credit note or a void ------------------------------------------


@pytest.mark.parametrize("clear", ["credit_note", "void"])
def test_clearing_the_overdue_debt_reactivates_a_suspended_customer(
    services: Services, clear: str,
) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    dun(services, customer, date(2026, 2, 24))          # 30 days overdue: suspended
    assert state(services, customer).status is ServiceStatus.SUSPENDED
    on(services, date(2026, 2, 26))

    if clear == "credit_note":
        credit_in_full(services, customer, invoice)
    else:
        send(services, VoidInvoice(customer_id=customer, invoice_id=invoice,
                                   reason="Выставлен ошибочно"))

    assert state(services, customer).status is ServiceStatus.ACTIVE
    assert event_names(services, customer)[-1] == "ServiceStatusChanged"


# -- F6: the reserved payment id ---------------------------------------------------------------


def test_a_payment_id_reserved_for_credit_is_refused_naming_the_field(services: Services) -> None:
    customer = register(services)
    before = event_names(services, customer)
    with pytest.raises(InvalidField) as caught:
        send(services, RecordPayment(customer_id=customer, amount="100.00", currency="RUB",
                                     payment_id="credit"))
    assert caught.value.field == "payment_id"
    assert event_names(services, customer) == before


# -- histories stored before the release -----------------------------------------------------


def test_a_credit_note_stored_before_the_release_loads_verifies_and_replays_as_it_was(
    services: Services,
) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    pay(services, customer, "1000.00")
    issued = next(e for e in services.ledger.history(customer) if isinstance(e, InvoiceIssued))
    head = services.ledger.customer(customer)
    meta = EventMeta(actor="accountant:anna", source="api", effective_date=date(2026, 1, 20),
                     correlation_id=uuid4(), reason="Услуги не оказаны")
    old = {  # the shape written before CreditNoteIssued.released existed
        "originator_id": str(customer), "originator_version": head.version + 1,
        "timestamp": "2026-01-20T09:00:00Z", "meta": meta.model_dump(mode="json"),
        "prev_hash": head.last_hash, "credit_note_id": "cn-old", "number": "LBX-CN-2026-000009",
        "invoice_id": invoice, "invoice_number": issued.number,
        "lines": [line.model_dump(mode="json") for line in issued.lines],
        "vat_total": {"minor": 0, "currency": "RUB"},
        "total": {"minor": 100000, "currency": "RUB"},
    }
    old["hash"] = canonical_hash(old)
    services.ledger.recorder.insert_events([StoredEvent(
        originator_id=customer, originator_version=head.version + 1,
        topic=get_topic(CreditNoteIssued), state=orjson.dumps(old))])
    services.ledger.forget(customer)

    book = state(services, customer)
    assert (book.invoices[invoice].paid, book.invoices[invoice].credited) == (100000, 100000)
    assert book.invoices[invoice].credited_lines == {issued.lines[0].line_id: 100000}
    assert verify_chain(customer, [s for _, s in services.ledger.stored_states(customer)]).ok


def test_the_timeline_says_a_credit_note_made_the_payment_on_it_credit_again(
        services: Services) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    pay(services, customer, "400.00")
    credit_in_full(services, customer, invoice)
    services.runner.catch_up()
    (row,) = services.store.query(
        "SELECT summary FROM view_timeline WHERE customer_id = :c"
        " AND event_type = 'CreditNoteIssued'", {"c": str(customer)})
    assert "400.00 RUB paid on it is credit again — Услуги не оказаны" in row["summary"]


def test_a_retried_note_on_named_lines_gets_its_first_outcome(services: Services) -> None:
    customer = register(services)
    on(services, date(2026, 1, 15))
    invoice = str(send(services, RecordCharge(customer_id=customer, amount="900.00",
                                              description="Услуги", charge_id="services"))
                  .result["invoice_id"])
    note = IssueCreditNote(customer_id=customer, invoice_id=invoice, line_ids=["services"],
                           reason="Услуги не оказаны")
    first = send(services, note, key="note-services")
    before = event_names(services, customer)

    again = send(services, note, key="note-services")  # the client timed out and retries

    assert again.replayed
    assert again.result == first.result
    assert event_names(services, customer) == before
