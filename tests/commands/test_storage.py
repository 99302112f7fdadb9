"""What the event store keeps: old event versions still load, snapshots agree with replay."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from uuid import uuid4

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from commands.record_payment import RecordPayment
from ledger.audit import replay, verify_chain
from ledger.customers.events import PaymentReceived
from ledger.events import EventMeta, canonical_hash
from ledger.money import Money
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from api.bootstrap import Services


def test_a_payment_stored_by_version_1_still_loads(services: Services) -> None:
    customer = register(services)
    head = services.ledger.customer(customer).last_hash
    meta = EventMeta(actor="old-import", source="import", effective_date=date(2025, 3, 1),
                     correlation_id=uuid4())
    v1 = {  # the shape version-1 code wrote: no payer ИНН, no method, no allocations
        "originator_id": str(customer), "originator_version": 2,
        "timestamp": "2025-03-01T09:00:00Z", "meta": meta.model_dump(mode="json"),
        "prev_hash": head, "payment_id": "legacy-1",
        "amount": {"minor": 150000, "currency": "RUB"}, "received_on": "2025-03-01",
        "payer_name": "ООО Старый", "reference": "п/п 1",
    }
    v1["hash"] = canonical_hash(v1)
    services.ledger.recorder.insert_events([StoredEvent(
        originator_id=customer, originator_version=2, topic=get_topic(PaymentReceived),
        state=orjson.dumps(v1))])

    services.ledger.forget(customer)
    (event,) = services.ledger.history(customer)[1:]
    assert isinstance(event, PaymentReceived)
    assert (event.method, event.payer_inn, event.allocations) == ("bank_transfer", None, {})
    state = services.ledger.customer(customer).state
    assert state.balances["RUB"].credit == Money(150000, "RUB")
    stored = [s for _, s in services.ledger.stored_states(customer)]
    assert verify_chain(customer, stored).ok


def test_a_long_history_loads_from_its_snapshot_exactly_as_a_full_replay(
    services: Services,
) -> None:
    customer = register(services)
    for n in range(230):
        send(services, RecordPayment(customer_id=customer, amount=f"{n + 1}.00", currency="RUB"))
    snapshots = list(services.ledger.snapshots.get(customer))  # type: ignore[union-attr]
    assert [s.originator_version for s in snapshots] == [100, 200]
    services.ledger.forget(customer)
    from_snapshot = services.ledger.customer(customer)
    from_events = replay(services.ledger.history(customer))
    assert from_snapshot.version == from_events.version == 231
    assert from_snapshot.state == from_events.state
    assert from_snapshot.last_hash == from_events.last_hash
    verified = services.ledger.verify_customer(customer)
    assert (verified.ok, verified.events, verified.snapshots) == (True, 231, 2)


def test_a_recorded_instant_is_the_clock_s(services: Services) -> None:
    customer = register(services)
    event = services.ledger.history(customer)[0]
    assert event.recorded_at == services.runtime.clock.now()
    assert event.recorded_at.tzinfo is not None
    assert event.recorded_at == datetime(2026, 1, 15, 9, tzinfo=UTC)
