"""The raw baselines: what psycopg alone writes to this server, with nothing of LBX in the way.

The table has the event table's shape (uuid, bigint, text, ~300-byte bytea, a bigserial
with a unique index, the same primary key), so that the baselines pay for the same indexes
and the same WAL per row as the ledger does. Every transaction commits with the server's
default ``synchronous_commit``, like the ledger's, so the fsync per commit is in both.

The writers take an open connection and a count, so that the harness can alternate short
runs of a baseline with short runs of LBX: on a shared machine both then see the same noise.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING
from uuid import uuid4

import psycopg

if TYPE_CHECKING:
    from psycopg import Connection

CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS raw_events ("
    " originator_id uuid NOT NULL,"
    " originator_version bigint NOT NULL,"
    " topic text,"
    " state bytea,"
    " notification_id bigserial,"
    " PRIMARY KEY (originator_id, originator_version))"
)
CREATE_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS raw_events_notification_id_idx"
    " ON raw_events (notification_id)"
)
INSERT_ONE = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state)"
    " VALUES (%s, %s, %s, %s)"
)
INSERT_MANY = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state)"
    " SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[])"
)
SELECT_PAGE = (
    "SELECT originator_id, originator_version, topic, state, notification_id FROM raw_events"
    " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
)
TOPIC = "ledger.customers.events:PaymentReceived"
STATE_BYTES = 300
STATE = os.urandom(STATE_BYTES)


def connect(url: str) -> Connection[tuple[object, ...]]:
    """An autocommit connection with the baseline table created (idempotently)."""
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(CREATE_TABLE)
    conn.execute(CREATE_INDEX)
    return conn


def single_row_transactions(conn: Connection[tuple[object, ...]], transactions: int) -> float:
    """Seconds for ``transactions`` times BEGIN; INSERT one row; COMMIT.

    The connection is in autocommit mode and each ``conn.transaction()`` sends an explicit
    BEGIN and COMMIT, which is what a one-event save does around its statements.
    """
    started = time.perf_counter()
    for _ in range(transactions):
        with conn.transaction():
            conn.execute(INSERT_ONE, (uuid4(), 1, TOPIC, STATE), prepare=True)
    return time.perf_counter() - started


def batch_transactions(
    conn: Connection[tuple[object, ...]], batches: int, rows_per_batch: int = 100
) -> float:
    """Seconds for ``batches`` transactions that each insert ``rows_per_batch`` rows at once.

    One ``INSERT ... SELECT FROM unnest(arrays)`` per transaction, which is the statement
    the event recorder itself uses for a multi-event save.
    """
    started = time.perf_counter()
    for _ in range(batches):
        ids = [uuid4() for _ in range(rows_per_batch)]
        with conn.transaction():
            conn.execute(
                INSERT_MANY,
                (ids, [1] * rows_per_batch, [TOPIC] * rows_per_batch, [STATE] * rows_per_batch),
                prepare=True,
            )
    return time.perf_counter() - started


def paged_reads(conn: Connection[tuple[object, ...]], page: int) -> tuple[float, int]:
    """Seconds and rows for reading the whole table in ``page``-row pages by notification id.

    This is how a projection runner reads the log (the runner asks for 500 at a time), so
    it is the ceiling a catch-up could reach if decoding and projecting cost nothing.
    """
    rows = 0
    position: object = 0
    started = time.perf_counter()
    while batch := conn.execute(SELECT_PAGE, (position, page), prepare=True).fetchall():
        rows += len(batch)
        position = batch[-1][4]
    return time.perf_counter() - started, rows
