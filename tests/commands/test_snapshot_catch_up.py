"""A book whose snapshot was passed over gets a current one at its next save.

Snapshots are taken at every hundredth event; one of an older state version is passed over
(tests/commands/test_snapshot_version.py), and the book replays from its first event. So
that it does not do so on every cold load until its next hundredth event, a load that
replayed a whole interval has the next save of that book take a snapshot. A load that
only reads never writes one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from ledger.aggregate import LedgerSnapshot
from ledger.application import SNAPSHOT_INTERVAL
from ledger.customers import Customer
from ledger.events import Provenance
from ledger.money import Money
from ledger.persistence import select_after

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from api.bootstrap import Services

DAY = date(2026, 1, 15)
LOADS: dict[str, Callable[[Services, UUID], Customer]] = {
    "one": lambda services, i: services.ledger.customer(i, for_update=True),
    "batch": lambda services, i: services.ledger.customers([i], for_update=True)[0],
}


def stamp() -> Provenance:
    return Provenance(actor="tester", source="api", recorded_at=datetime.now(UTC),
                      correlation_id=uuid4())


def pay(customer: Customer, n: int) -> None:
    customer.receive_payment(stamp(), DAY, payment_id=f"p-{n}", amount=Money(100, "RUB"))


def book_of(services: Services, events: int, *, old_snapshot: bool) -> UUID:
    """A cold book of ``events`` events (``old_snapshot``: the one at 100 of an older version)."""
    ledger = services.ledger
    assert ledger.snapshots is not None
    customer = Customer.register(stamp(), DAY, external_key="k", name="k", currency="RUB")
    for n in range(1, events):
        pay(customer, n)
        if old_snapshot and customer.version == SNAPSHOT_INTERVAL:
            old = LedgerSnapshot.take(customer)
            old.state["state_version"] = Customer.state_version - 1
            ledger.snapshots.put([old])  # the save's own snapshot at 100 then finds it there
    ledger.save_all(customer)
    ledger.forget(customer.id)
    customer_id: UUID = customer.id
    return customer_id


def newest_snapshot(services: Services, customer_id: UUID) -> LedgerSnapshot:
    recorder = services.ledger.snapshots.recorder  # type: ignore[union-attr]
    rows = recorder.select_events(customer_id, desc=True, limit=1)
    snapshot = services.ledger.mapper.to_domain_event(rows[0])
    assert isinstance(snapshot, LedgerSnapshot)
    return snapshot


def replayed_after(services: Services, customer_id: UUID, monkeypatch: pytest.MonkeyPatch
                   ) -> tuple[int | None, int]:
    """Cold load one by one, then in a batch: the version each replayed the events after."""
    seen: dict[str, Any] = {}
    event_store = services.ledger.repository.event_store
    get = event_store.get

    def spy_get(aggregate_id: UUID, **kwargs: Any) -> Any:
        seen["one"] = kwargs.get("gt")
        return get(aggregate_id, **kwargs)

    def spy_select_after(recorder: Any, after: dict[UUID, int]) -> Any:
        seen["batch"] = after[customer_id]
        return select_after(recorder, after)

    monkeypatch.setattr(event_store, "get", spy_get)
    monkeypatch.setattr("ledger.application.select_after", spy_select_after)
    services.ledger.forget(customer_id)
    services.ledger.customer(customer_id)
    services.ledger.customers([customer_id])
    return seen["one"], seen["batch"]


@pytest.mark.parametrize("load", LOADS)
def test_a_book_past_an_old_snapshot_is_snapshotted_at_its_next_save(
    services: Services, monkeypatch: pytest.MonkeyPatch, load: str
) -> None:
    customer_id = book_of(services, 150, old_snapshot=True)
    assert not newest_snapshot(services, customer_id).is_current
    assert replayed_after(services, customer_id, monkeypatch) == (None, 0)  # from the start
    monkeypatch.undo()

    book = LOADS[load](services, customer_id)
    pay(book, 150)
    services.ledger.save_all(book)

    snapshot = newest_snapshot(services, customer_id)
    assert (snapshot.originator_version, snapshot.is_current) == (151, True)
    assert replayed_after(services, customer_id, monkeypatch) == (151, 151)
    services.ledger.forget(customer_id)
    assert services.ledger.customer(customer_id).state == book.state


def test_a_read_only_load_writes_no_snapshot(services: Services) -> None:
    customer_id = book_of(services, 150, old_snapshot=True)
    services.ledger.customer(customer_id)
    services.ledger.customers([customer_id])
    assert newest_snapshot(services, customer_id).originator_version == SNAPSHOT_INTERVAL


def test_a_short_replay_after_a_current_snapshot_takes_none_at_save(services: Services) -> None:
    customer_id = book_of(services, 150, old_snapshot=False)
    book = services.ledger.customer(customer_id, for_update=True)
    pay(book, 150)
    services.ledger.save_all(book)
    assert newest_snapshot(services, customer_id).originator_version == SNAPSHOT_INTERVAL


def test_a_catch_up_snapshot_holds_the_state_as_saved_not_what_a_next_writer_did_after(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    customer_id = book_of(services, 150, old_snapshot=True)
    ledger = services.ledger
    customer = ledger.customer(customer_id, for_update=True)
    pay(customer, 1000)
    record = ledger._record  # the step after which the book is shared again

    def record_then_another_writer(processing: Any) -> Any:
        recordings = record(processing)
        pay(customer, 1001)  # the next writer of the book, on the object now in the cache
        return recordings

    monkeypatch.setattr(ledger, "_record", record_then_another_writer)
    ledger.save_all(customer)

    snapshot = newest_snapshot(services, customer_id)
    assert snapshot.originator_version == 151
    kept = str(snapshot.state["state"])
    assert "p-1000" in kept
    assert "p-1001" not in kept
