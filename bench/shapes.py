"""What one save's transaction costs, from a bare INSERT up to the recorder as shipped.

Each row adds one thing to the row before it, and all rows are measured in alternating
rounds, so the differences between rows are the costs of those things on this server: the
pipeline, the table lock, the NOTIFY, the second row, and finally the library's own Python
(pool checkout, composite-type arrays, SQL composition, retries).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from bench import raw
from bench.interleave import interleave
from bench.results import Figure, rate
from bench.variants import (
    LIBRARY_RECORDER,
    Variant,
    single_statement_insert,
    skip_lock_and_notify,
    skip_notify,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from psycopg import Connection

    from ledger.application import Ledger

    RawConnection = Connection[tuple[object, ...]]

CHUNK = 50
"""Transactions per round of each shape."""
INSERT_RETURNING = f"{raw.INSERT_MANY} RETURNING notification_id"
LOCK = ("SET LOCAL lock_timeout = '10s'", "LOCK TABLE raw_events IN EXCLUSIVE MODE")


def by_hand(conn: RawConnection, *, lock: bool, notify: bool, rows: int) -> Callable[[int], float]:
    """The recorder's statements typed out with psycopg, in one pipelined transaction."""

    def workload(_: int) -> float:
        begun = time.perf_counter()
        for _ in range(CHUNK):
            with conn.pipeline(), conn.transaction():
                if lock:
                    for statement in LOCK:
                        conn.execute(statement, prepare=True)
                if notify:
                    conn.execute("NOTIFY raw_events")
                ids = [uuid4() for _ in range(rows)]
                cursor = conn.execute(
                    INSERT_RETURNING,
                    (ids, [1] * rows, [raw.TOPIC] * rows, [raw.STATE] * rows), prepare=True,
                )
                cursor.fetchall()
        return time.perf_counter() - begun

    return workload


def autocommit_insert(conn: RawConnection) -> float:
    """One statement, one round trip, its own commit: the least a durable write can cost."""
    begun = time.perf_counter()
    for _ in range(CHUNK):
        conn.execute(INSERT_RETURNING, ([uuid4()], [1], [raw.TOPIC], [raw.STATE]),
                     prepare=True).fetchall()
    return time.perf_counter() - begun


def through_recorder(ledger: Ledger, rows: int) -> Callable[[int], float]:
    """``recorder.insert_events`` with ``rows`` stored events of the baseline's size."""
    recorder = ledger.recorder

    def workload(_: int) -> float:
        begun = time.perf_counter()
        for _ in range(CHUNK):
            recorder.insert_events(
                [StoredEvent(uuid4(), 1, raw.TOPIC, raw.STATE) for _ in range(rows)]
            )
        return time.perf_counter() - begun

    return workload


def measure(url: str, transactions: int) -> list[Figure]:
    """Transactions/s of each shape, alternating, ``transactions`` of each in all."""
    rounds = max(1, transactions // CHUNK)
    shipped = Variant("as configured").build(url).ledger
    library = Variant("library", LIBRARY_RECORDER).build(url).ledger
    unlocked = Variant("no lock", LIBRARY_RECORDER, skip_lock_and_notify).build(url).ledger
    unnotified = Variant("no notify", LIBRARY_RECORDER, skip_notify).build(url).ledger
    single = Variant("single", patch=single_statement_insert).build(url).ledger
    with raw.connect(url) as conn:
        named: list[tuple[str, Callable[[int], float]]] = [
            ("A: BEGIN; INSERT 1 row; COMMIT", lambda _: raw.single_row_transactions(conn, CHUNK)),
            ("+ pipeline, INSERT ... RETURNING", by_hand(conn, lock=False, notify=False, rows=1)),
            ("+ SET lock_timeout, LOCK TABLE", by_hand(conn, lock=True, notify=False, rows=1)),
            ("+ NOTIFY", by_hand(conn, lock=True, notify=True, rows=1)),
            ("+ a second row (event + idempotency)", by_hand(conn, lock=True, notify=True, rows=2)),
            ("library recorder.insert_events, 2 events", through_recorder(library, 2)),
            ("library recorder, 1 event", through_recorder(library, 1)),
            ("library recorder, 2 events, no NOTIFY", through_recorder(unnotified, 2)),
            ("library recorder, 2 events, no LOCK/NOTIFY (UNSAFE)",
             through_recorder(unlocked, 2)),
            ("LBX recorder, 2 events (one statement, LOCK kept)", through_recorder(shipped, 2)),
            ("bench's single statement (composite rows), 2 events",
             through_recorder(single, 2)),
            ("floor: autocommit INSERT 1 row RETURNING", lambda _: autocommit_insert(conn)),
        ]
        seconds = interleave(rounds, [workload for _, workload in named])
    for ledger in (shipped, library, unlocked, unnotified, single):
        ledger.close()
    count = rounds * CHUNK
    base = rate(named[0][0], count, seconds[0], "txn/s", key="A",
                note=f"{seconds[0] / count * 1000:.3f} ms per transaction")
    return [base] + [
        rate(name, count, spent, "txn/s", baseline=base,
             note=f"{spent / count * 1000:.3f} ms per transaction")
        for (name, _), spent in zip(named[1:], seconds[1:], strict=True)
    ]

