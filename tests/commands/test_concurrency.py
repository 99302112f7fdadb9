"""Optimistic concurrency: racing writers on one customer all land, none twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from commands.record_payment import RecordPayment
from tests.support.dsl import event_names, register, send

if TYPE_CHECKING:
    from api.bootstrap import Services

THREADS, PER_THREAD = 8, 50


def test_eight_threads_of_fifty_payments_make_exactly_four_hundred_events(
    services: Services,
) -> None:
    customer = register(services)

    def pay(thread: int) -> None:
        for n in range(PER_THREAD):
            send(services, RecordPayment(customer_id=customer, amount="1.00", currency="RUB"),
                 key=f"t{thread}-{n}")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(pay, range(THREADS)))

    names = event_names(services, customer)
    assert names.count("PaymentReceived") == THREADS * PER_THREAD
    balance = services.ledger.customer(customer).state.balances["RUB"]
    assert balance.paid == THREADS * PER_THREAD * 100
