"""Loading many customers at once: the same books as one by one, in two queries per batch.

A bill run loads its batch of customers with ``Ledger.customers``: the cached ones come
from the cache (taken out for a writer, copied for a reader), the rest from one query for
their latest snapshots and one for the events after them. Whatever the path, each book is
the one ``Ledger.customer`` would have given. While it runs, the garbage collector runs
less often, and afterwards as before.
"""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from commands.run_billing import RUN_GEN0_THRESHOLD, RunBilling, bill_run_context, run_billing
from commands.start_subscription import StartSubscription
from ledger.application import SNAPSHOT_INTERVAL
from ledger.customers import Customer
from ledger.errors import CustomerNotFound, NotFound
from ledger.events import Provenance
from ledger.money import Money
from ledger.tariffs import Tariff, tariff_id_for
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

DAY = date(2026, 1, 15)


def stamp() -> Provenance:
    return Provenance(actor="tester", source="api", recorded_at=datetime.now(UTC),
                      correlation_id=uuid4())


def saved_with_payments(services: Services, key: str, payments: int) -> UUID:
    """A customer saved with ``payments`` payments after its registration, in one save."""
    customer = Customer.register(stamp(), DAY, external_key=key, name=key, currency="RUB")
    for n in range(payments):
        customer.receive_payment(stamp(), DAY, payment_id=f"{key}-{n}", amount=Money(100, "RUB"))
    services.ledger.save_all(customer)
    services.ledger.forget(customer.id)  # cold, as a bill run's customers are
    customer_id: UUID = customer.id
    return customer_id


def summary(book: Customer) -> tuple[Any, ...]:
    return book.id, book.version, book.last_hash, book.state.model_dump(mode="json")


def test_a_batch_is_the_same_books_as_loading_one_by_one(services: Services) -> None:
    ids = [saved_with_payments(services, "small", 2),
           saved_with_payments(services, "snapshot", SNAPSHOT_INTERVAL - 1),
           saved_with_payments(services, "after", SNAPSHOT_INTERVAL + 30)]

    batch = services.ledger.customers(ids)
    one_by_one = [services.ledger.customer(i, fresh=True) for i in ids]

    assert [summary(b) for b in batch] == [summary(b) for b in one_by_one]
    assert [b.version for b in batch] == [3, SNAPSHOT_INTERVAL, SNAPSHOT_INTERVAL + 31]


def test_cold_customers_are_loaded_without_a_query_per_customer(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [saved_with_payments(services, f"C-{n}", 1) for n in range(5)]
    ids.append(saved_with_payments(services, "big", SNAPSHOT_INTERVAL + 5))

    def per_customer(*_: object, **__: object) -> None:
        raise AssertionError("a batch must not ask the store once per customer")

    snapshots = services.ledger.snapshots
    assert snapshots is not None
    monkeypatch.setattr(services.ledger.recorder, "select_events", per_customer)
    monkeypatch.setattr(snapshots.recorder, "select_events", per_customer)
    books = services.ledger.customers(ids, for_update=True)

    assert [b.id for b in books] == ids
    assert books[-1].version == SNAPSHOT_INTERVAL + 6


def test_a_writer_takes_cached_books_out_and_a_reader_gets_copies(services: Services) -> None:
    cold = saved_with_payments(services, "cold", 1)
    warm = Customer.register(stamp(), DAY, external_key="warm", name="warm", currency="RUB")
    services.ledger.save_all(warm)  # a saved aggregate stays cached

    read = services.ledger.customers([warm.id, cold])
    written = services.ledger.customers([warm.id, cold], for_update=True)

    assert read[0] is not warm
    assert summary(read[0]) == summary(warm)
    assert written[0] is warm
    again = services.ledger.customers([warm.id], for_update=True)[0]
    assert again is not warm  # it was taken out: no two writers ever hold one object
    assert summary(again) == summary(warm)


def test_a_book_changed_but_not_saved_is_not_what_the_next_batch_loads(
    services: Services,
) -> None:
    customer = Customer.register(stamp(), DAY, external_key="k", name="k", currency="RUB")
    services.ledger.save_all(customer)
    book = services.ledger.customers([customer.id], for_update=True)[0]
    book.receive_payment(stamp(), DAY, payment_id="unsaved", amount=Money(1, "RUB"))
    services.ledger.put_back(book)  # refused: it has pending events

    reloaded = services.ledger.customers([customer.id], for_update=True)[0]

    assert reloaded.version == 1
    assert "unsaved" not in reloaded.state.payments


def test_the_first_unknown_id_is_reported_as_a_missing_customer(services: Services) -> None:
    known = saved_with_payments(services, "known", 1)
    missing = uuid4()

    with pytest.raises(CustomerNotFound) as raised:
        services.ledger.customers([known, missing, uuid4()])

    assert str(missing) in str(raised.value.detail)


def test_an_aggregate_of_another_kind_is_not_a_customer(services: Services) -> None:
    publish(services, "plan")
    tariff = services.ledger.load(tariff_id_for("plan"), Tariff)

    with pytest.raises(NotFound):
        services.ledger.customers([tariff.id])


def test_one_id_twice_is_refused_rather_than_handed_out_twice(services: Services) -> None:
    known = saved_with_payments(services, "known", 1)

    with pytest.raises(ValueError, match="distinct"):
        services.ledger.customers([known, known], for_update=True)


def test_a_bill_run_given_a_customer_twice_bills_it_once(services: Services) -> None:
    publish(services, "plan")
    customer = register(services, "twice")
    send(services, StartSubscription(customer_id=customer, tariff_code="plan",
                                     start_date=date(2026, 1, 1)))

    report = run_billing(RunBilling(as_of=date(2026, 1, 1)), bill_run_context("test"),
                         services.runtime, [customer, customer])

    assert len(report.invoices) == 1
    assert len(services.ledger.customer(customer).state.invoices) == 1


def test_a_bill_run_collects_garbage_less_often_and_then_as_before(services: Services) -> None:
    publish(services, "plan")
    customers = [register(services, f"gc-{n}") for n in range(3)]
    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []

    run_billing(RunBilling(as_of=date(2026, 1, 1), batch_size=1), bill_run_context("test"),
                services.runtime, customers, progress=lambda _: during.append(gc.get_threshold()))

    assert during == [(max(before[0], RUN_GEN0_THRESHOLD), *before[1:])] * 3
    assert gc.get_threshold() == before
