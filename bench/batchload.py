"""A prototype of batched loads: one bill-run batch of customers in two SELECTs, not 200.

A cold ``Ledger.customer`` costs two round trips (the latest snapshot, then the events
after it), each through the library's per-call SQL composition. A bill run knows its next
hundred customers in advance, so it could ask once for all their snapshots and once for
all their events. This module does that from the outside, to measure what it would buy
before anyone changes the core: :func:`prefetching` patches one ledger instance so that a
cache miss in ``customer()`` loads the next ``batch`` ids of a known order at once.

The aggregates are rebuilt as a normal load rebuilds them (the same mapper; the projector
is a parameter) and put in the aggregate cache, from which the ledger's own ``customer()``
then serves them as it serves any cached aggregate, so that only the number of round
trips differs from a normal load.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from eventsourcing.application import project_aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from uuid import UUID

    from ledger.application import Ledger
    from ledger.customers import Customer

    Projector = Callable[[Any, Iterable[Any]], Any]

LATEST_SNAPSHOTS = (
    "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state"
    " FROM {schema}.{table} WHERE originator_id = ANY(%s)"
    " ORDER BY originator_id, originator_version DESC"
)
EVENTS_AFTER = (
    "SELECT e.originator_id, e.originator_version, e.topic, e.state"
    " FROM unnest(%s::uuid[], %s::bigint[]) AS k(id, after)"
    " JOIN {schema}.{table} AS e ON e.originator_id = k.id AND e.originator_version > k.after"
    " ORDER BY e.originator_id, e.originator_version"
)


def _select(recorder: Any, template: str, params: Sequence[Any]) -> list[StoredEvent]:
    """Run a batched SELECT against one recorder's table; rows as stored events."""
    assert isinstance(recorder, PostgresAggregateRecorder)  # the batched SQL is PostgreSQL's
    datastore = recorder.datastore
    statement = SQL(template).format(schema=Identifier(datastore.schema),
                                     table=Identifier(recorder.events_table_name))
    with datastore.get_connection() as conn, conn.cursor() as cursor:
        cursor.execute(statement, params, prepare=True)
        return [StoredEvent(originator_id=row["originator_id"],
                            originator_version=row["originator_version"],
                            topic=row["topic"], state=bytes(row["state"]))
                for row in cursor.fetchall()]


def load_batch(
    ledger: Ledger, ids: Sequence[UUID], projector: Projector = project_aggregate
) -> dict[UUID, Any]:
    """Rebuild the aggregates of ``ids`` from one snapshot query and one event query.

    Ids without any event are left out (the caller's normal load then reports them).
    """
    latest: dict[UUID, StoredEvent] = {}
    if ledger.snapshots is not None:
        rows = _select(ledger.snapshots.recorder, LATEST_SNAPSHOTS, (list(ids),))
        latest = {row.originator_id: row for row in rows}  # type: ignore[misc]
    after = [latest[i].originator_version if i in latest else 0 for i in ids]
    events: dict[UUID, list[StoredEvent]] = defaultdict(list)
    for row in _select(ledger.recorder, EVENTS_AFTER, (list(ids), after)):
        events[row.originator_id].append(row)  # type: ignore[index]
    mapper = ledger.mapper
    loaded = {}
    for customer_id in ids:
        stored = ([latest[customer_id]] if customer_id in latest else []) + events[customer_id]
        if stored:
            loaded[customer_id] = projector(None, (mapper.to_domain_event(s) for s in stored))
    return loaded


def prefetching(
    ledger: Ledger, order: Sequence[UUID], batch: int = 100,
    projector: Projector = project_aggregate,
) -> None:
    """Make a cache miss in ``ledger.customer`` load the next ``batch`` ids of ``order``.

    The batch is rebuilt with two SELECTs and put in the aggregate cache; the ledger's own
    ``customer()`` then finds each customer there and does whatever it does with a cached
    one (a copy for a reader, the object itself for a writer). Ids outside ``order`` and
    loads of a version go the normal way.
    """
    position = {customer_id: index for index, customer_id in enumerate(order)}
    normal = ledger.customer
    cache = ledger.repository.cache
    assert cache is not None  # the prefetched aggregates wait there; LBX always has one

    def customer(customer_id: UUID, **options: Any) -> Customer:
        index = position.get(customer_id)
        if index is not None and options.get("version") is None:
            try:
                cache.get(customer_id)
            except KeyError:
                for loaded_id, aggregate in load_batch(
                        ledger, order[index:index + batch], projector).items():
                    cache.put(loaded_id, aggregate)
        return normal(customer_id, **options)

    setattr(ledger, "customer", customer)  # noqa: B010  (instance patch, for this ledger only)
