"""``paid_on`` in the invoice register: the business date an invoice's open amount reached zero.

Given a customer with one-off invoices of 1000.00 RUB (no VAT, due ten days after issue),
then ``view_invoices.paid_on`` is the effective date of the payment, credit or reallocation
that settled what was open, cleared when the invoice reopens, and empty for an invoice
closed by a write-off (but set for one partly written off and then paid in full). Through
the command layer, on both backends.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from commands.issue_credit_note import IssueCreditNote
from commands.reallocate_payment import ReallocatePayment
from commands.record_chargeback import RecordChargeback
from commands.record_payment import RecordPayment
from commands.write_off_debt import WriteOffDebt
from tests.support.collections import invoice_due, on, pay
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

JAN_25, FEB_25 = date(2026, 1, 25), date(2026, 2, 25)  # due dates: issued 15 Jan, 15 Feb


def paid_on(services: Services, invoice_id: str) -> str | None:
    services.runner.catch_up()
    row = services.store.query_one(
        "SELECT paid_on, open FROM view_invoices WHERE invoice_id = :id", {"id": invoice_id})
    assert row is not None
    return None if row["paid_on"] is None else str(row["paid_on"])


def test_the_payment_that_closes_an_invoice_dates_it_and_a_chargeback_clears_it(
    services: Services,
) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    pay(services, customer, "400.00", date(2026, 1, 20))
    assert paid_on(services, invoice) is None  # 600.00 still open
    second = pay(services, customer, "600.00", date(2026, 1, 28))
    assert paid_on(services, invoice) == "2026-01-28"

    on(services, date(2026, 2, 3))
    send(services, RecordChargeback(customer_id=customer, payment_id=second,
                                    amount="600.00", currency="RUB"))
    assert paid_on(services, invoice) is None
    pay(services, customer, "600.00", date(2026, 2, 10))
    assert paid_on(services, invoice) == "2026-02-10"


def test_a_back_dated_payment_dates_the_invoice_on_the_day_it_was_received(
    services: Services,
) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    on(services, date(2026, 2, 2))
    send(services, RecordPayment(customer_id=customer, amount="1000.00", currency="RUB",
                                 received_on=date(2026, 1, 19)))
    assert paid_on(services, invoice) == "2026-01-19"


def test_credit_on_the_account_pays_an_invoice_on_its_issue_date(services: Services) -> None:
    customer = register(services)
    pay(services, customer, "1000.00", date(2026, 1, 2))  # nothing open: credit
    invoice = invoice_due(services, customer, JAN_25)
    assert paid_on(services, invoice) == "2026-01-15"


def test_the_credit_a_credit_note_allocates_dates_the_invoice_it_settles(
    services: Services,
) -> None:
    customer = register(services)
    first = invoice_due(services, customer, JAN_25)
    pay(services, customer, "1000.00", date(2026, 1, 20))
    second = invoice_due(services, customer, FEB_25)
    on(services, date(2026, 2, 20))
    send(services, IssueCreditNote(customer_id=customer, invoice_id=first,
                                   reason="Услуги не оказаны"))
    assert paid_on(services, second) == "2026-02-20"  # CreditAllocated
    # the note released the payment, whose money now settles the second: the first is
    # credited, not paid, as when a payment is moved off an invoice
    assert paid_on(services, first) is None


def test_a_reallocation_moves_the_day_to_the_invoice_it_settles(services: Services) -> None:
    customer: UUID = register(services)
    first = invoice_due(services, customer, JAN_25)
    payment = pay(services, customer, "1000.00", date(2026, 1, 20))
    second = invoice_due(services, customer, FEB_25)
    on(services, date(2026, 2, 18))
    send(services, ReallocatePayment(customer_id=customer, payment_id=payment,
                                     remove={first: "1000.00"}, add={second: "1000.00"},
                                     reason="Платёж был за февраль"))
    assert paid_on(services, first) is None
    assert paid_on(services, second) == "2026-02-18"


def test_a_written_off_invoice_is_closed_but_not_paid(services: Services) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    pay(services, customer, "400.00", date(2026, 1, 20))
    on(services, date(2026, 3, 1))
    send(services, WriteOffDebt(customer_id=customer, invoice_id=invoice,
                                reason="Безнадёжный долг", approver="cfo:olga"))
    assert paid_on(services, invoice) is None
    row = services.store.query_one("SELECT open FROM view_invoices WHERE invoice_id = :id",
                                   {"id": invoice})
    assert row is not None
    assert int(row["open"]) == 0


def test_an_invoice_partly_written_off_then_paid_in_full_is_dated_by_the_payment(
    services: Services,
) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, JAN_25)
    pay(services, customer, "400.00", date(2026, 1, 20))
    on(services, date(2026, 2, 1))
    send(services, WriteOffDebt(customer_id=customer, invoice_id=invoice, amount="200.00",
                                reason="Скидка за простой", approver="cfo:olga"))
    assert paid_on(services, invoice) is None  # 400.00 still open
    pay(services, customer, "400.00", date(2026, 2, 5))
    assert paid_on(services, invoice) == "2026-02-05"
