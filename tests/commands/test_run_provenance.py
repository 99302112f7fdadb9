"""Provenance across fan-outs: one run is one correlation; a caused event names its cause.

Given several customers, when a bill run or a dunning run takes them batch by batch (and
retries a batch), then every event it records carries the run's correlation id, which the
run's report names. When a bank line pays a customer, the payment names the line's
``BankPayment`` as its causation. And a command that queued for a customer's writer lock is
stamped when it got the lock, so the recorded instants of a history never go backwards
because of the queue. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from commands.record_payment import RecordPayment
from commands.run_billing import RunBilling, bill_run_context, run_billing
from commands.run_dunning import dunning_run_context, run_dunning_for
from ledger.application import Ledger, WriteConflict
from ledger.banking import BankPayment
from ledger.customers.billing_events import InvoiceIssued
from ledger.customers.collections_events import DunningStepTaken
from ledger.customers.events import PaymentReceived
from tests.support.bank import billed, paid, run_import, statement
from tests.support.collections import invoice_due, on
from tests.support.dsl import publish, register, send
from tests.support.subscriptions import subscribe

if TYPE_CHECKING:
    from uuid import UUID

    import pytest

    from api.bootstrap import Services
    from ledger.clock import SimulatedClock


def events_of(services: Services, kind: type[Any], *customers: UUID) -> list[Any]:
    return [e for c in customers for e in services.ledger.customer_history(c)
            if isinstance(e, kind)]


def test_one_bill_run_is_one_correlation_across_its_batches_and_retries(
    services: Services, monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish(services)
    first, _ = subscribe(services, key="C-1")
    second, _ = subscribe(services, key="C-2")
    context = bill_run_context("test")
    save_all, lost = Ledger.save_all, list[bool]()

    def lose_the_first_race(self: Ledger, *aggregates: Any) -> int:
        if not lost:
            lost.append(True)
            for aggregate in aggregates:
                aggregate.collect_events()
                self.forget(aggregate.id)
            raise WriteConflict
        return save_all(self, *aggregates)

    monkeypatch.setattr(Ledger, "save_all", lose_the_first_race)

    report = run_billing(RunBilling(as_of=date(2026, 1, 1), batch_size=1), context,
                         services.runtime, [first, second])

    issued = events_of(services, InvoiceIssued, first, second)
    assert lost
    assert len(issued) == 2
    assert {e.meta.correlation_id for e in issued} == {context.correlation_id}
    assert report.correlation_id == context.correlation_id


def test_one_dunning_run_is_one_correlation_across_its_batches(services: Services) -> None:
    due = date(2026, 1, 25)
    first, second = register(services, "A"), register(services, "B")
    invoice_due(services, first, due)
    invoice_due(services, second, due)
    on(services, due + timedelta(days=30))
    context = dunning_run_context("test")

    report = run_dunning_for(services.runtime, [first, second], due + timedelta(days=30),
                             context, batch_size=1)

    steps = events_of(services, DunningStepTaken, first, second)
    assert {cid for cid, _ in report.steps} == {str(first), str(second)}
    assert {e.meta.correlation_id for e in steps} == {context.correlation_id}
    assert report.summary()["correlation_id"] == str(context.correlation_id)


def test_a_payment_from_a_bank_line_names_the_line_as_its_cause(services: Services) -> None:
    romashka = billed(services, "romashka", amount="12200.00")
    purpose = f"Оплата по сч. № {romashka.number} за услуги"

    report = run_import(services, statement(paid("7", romashka.total, purpose)))

    (row,) = report.rows
    (payment,) = events_of(services, PaymentReceived, romashka.customer_id)
    line = services.ledger.history(row.bank_payment_id)
    assert isinstance(services.ledger.load(row.bank_payment_id, BankPayment), BankPayment)
    assert payment.meta.causation_id == row.bank_payment_id
    assert payment.meta.correlation_id == line[0].meta.correlation_id  # one import


def test_a_command_that_waited_for_the_writers_lock_is_stamped_when_it_got_it(
    services: Services, clock: SimulatedClock,
) -> None:
    customer = register(services, "C-1")
    clock.advance(timedelta(minutes=10))
    waiting = threading.Thread(target=send, args=(services, RecordPayment(
        customer_id=customer, amount="100.00", currency="RUB")))
    with services.ledger.exclusive(customer):  # another writer of this customer is busy
        waiting.start()
        time.sleep(0.1)
        clock.advance(timedelta(hours=1))
        send(services, RecordPayment(customer_id=customer, amount="200.00", currency="RUB"))
    waiting.join()

    stamps = [e.recorded_at for e in services.ledger.customer_history(customer)]
    assert stamps == sorted(stamps)
