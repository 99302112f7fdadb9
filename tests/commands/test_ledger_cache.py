"""The aggregate cache and the writer's lock: no one ever sees a half-made decision.

A writer loads a customer ``for_update`` and gets the cached object itself, taken out of
the cache; a reader gets a copy. So a decision that fails part-way leaves nothing behind,
and no two threads ever hold the same object.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from commands.base import Context
from commands.record_payment import RecordPayment
from commands.unit_of_work import execute
from ledger.errors import InvalidField
from ledger.events import Provenance
from ledger.locks import KeyedLocks
from ledger.money import Money
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from commands.unit_of_work import Decision


def stamp() -> Provenance:
    return Provenance(actor="tester", source="api", recorded_at=datetime.now(UTC),
                      correlation_id=uuid4())


def pay(services: Services, customer: UUID, amount: str = "10.00") -> None:
    send(services, RecordPayment(customer_id=customer, amount=amount, currency="RUB"))


def test_a_decision_that_fails_part_way_leaves_nothing_half_made_behind(
    services: Services,
) -> None:
    customer = register(services)
    pay(services, customer)  # the customer is now in the cache
    command = RecordPayment(customer_id=customer, amount="1.00", currency="RUB")

    def decide(provenance: Provenance) -> Decision:
        book = services.ledger.customer(customer, for_update=True)
        book.receive_payment(provenance, provenance.recorded_at.date(), payment_id="half",
                             amount=Money(100, "RUB"))
        raise InvalidField(field="amount", why="refused after the payment was recorded")

    with pytest.raises(InvalidField):
        execute(services.runtime, Context(actor="t", source="api", idempotency_key="k-1"),
                command, customer, decide)

    for book in (services.ledger.customer(customer),
                 services.ledger.customer(customer, for_update=True)):
        assert book.version == 2
        assert book.pending_events == []
        assert "half" not in book.state.payments
    pay(services, customer)
    assert services.ledger.customer(customer).state.balances["RUB"].paid == 2000


def test_a_reader_gets_a_copy_and_a_writer_an_object_no_one_else_holds(
    services: Services,
) -> None:
    customer = register(services)
    pay(services, customer)

    read = services.ledger.customer(customer)
    read.receive_payment(stamp(), services.runtime.clock.today(), payment_id="x",
                         amount=Money(1, "RUB"))
    first = services.ledger.customer(customer, for_update=True)
    second = services.ledger.customer(customer, for_update=True)

    assert len({id(read), id(first), id(second)}) == 3
    assert "x" not in first.state.payments
    assert "x" not in second.state.payments


def test_readers_copying_while_writers_write_never_see_a_half_made_customer(
    services: Services,
) -> None:
    customer = register(services)
    pay(services, customer)
    writing = threading.Event()
    writing.set()
    torn: list[str] = []

    def write(thread: int) -> None:
        for n in range(25):
            send(services, RecordPayment(customer_id=customer, amount="1.00", currency="RUB"),
                 key=f"w{thread}-{n}")

    def read() -> None:
        while writing.is_set():
            try:
                book = services.ledger.customer(customer)
                paid = sum(p.amount for p in book.state.payments.values())
            except Exception as error:  # noqa: BLE001  (a copy torn mid-change raises)
                torn.append(repr(error))
                continue
            if book.pending_events or book.state.balances["RUB"].paid != paid:
                torn.append(f"v{book.version}: paid {book.state.balances['RUB'].paid} != {paid}")

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    writing.clear()
    for reader in readers:
        reader.join()

    assert torn == []
    assert services.ledger.customer(customer).state.balances["RUB"].paid == 1000 + 100 * 100


def test_a_saved_customer_is_cached_for_the_next_writer(services: Services) -> None:
    customer = register(services)
    pay(services, customer)
    book = services.ledger.customer(customer, for_update=True)
    book.receive_payment(stamp(), services.runtime.clock.today(), payment_id="p",
                         amount=Money(100, "RUB"))
    services.ledger.save_all(book)

    assert services.ledger.customer(customer, for_update=True) is book


def test_a_second_writer_of_one_aggregate_waits_for_the_first() -> None:
    locks, key, order = KeyedLocks(), uuid4(), []
    inside = threading.Event()

    def first() -> None:
        with locks.hold([key], wait=5):
            inside.set()
            time.sleep(0.1)
            order.append("first")

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait()
    with locks.hold([key], wait=5):
        order.append("second")
    thread.join()
    assert order == ["first", "second"]


def test_a_writer_that_waits_too_long_goes_ahead_without_the_lock() -> None:
    locks, key = KeyedLocks(), uuid4()
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with locks.hold([key], wait=1):
            held.set()
            release.wait()

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait()
    begun = time.monotonic()
    with locks.hold([key], wait=0.05):
        waited = time.monotonic() - begun
    release.set()
    thread.join()
    assert 0.04 < waited < 1
    assert not locks._locks  # nothing is kept for ids no one holds
