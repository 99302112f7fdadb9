"""LBX's PostgreSQL recorder: one statement per save, EXCLUSIVE lock kept, binary reads.

Selected by the composition root (``api.settings.Settings.ledger_env``) as the event-sourcing
library's persistence factory when LBX runs on PostgreSQL. It is infrastructure, so it lives
here, outside the pure ``ledger`` package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID


INSERT_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.{function}(
    ids {id_type}[], versions bigint[], topics text[], states bytea[], timeout text
) RETURNS SETOF bigint LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM set_config('lock_timeout', timeout, true);
    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;
    RETURN QUERY
        INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(ids, versions, topics, states)
        RETURNING notification_id;
END
$body$
"""
"""Lock the events table and insert a save's rows, as one statement (so one transaction)."""

CREATE_TABLE_LOCK = int.from_bytes(b"LBX:ddl", "big")
"""Advisory lock key that serialises table creation between processes starting together."""


class LedgerPostgresRows(PostgresAggregateRecorder):
    """The library's PostgreSQL rows of an aggregate (events or snapshots), read in binary.

    A bytea then arrives as its bytes, not as hex text to decode: a large snapshot
    (hundreds of KiB) reads several times faster.
    """

    def create_table(self) -> None:
        """Create the table (and types, functions), one starting process at a time.

        Processes starting together would otherwise race on ``CREATE TYPE`` and
        ``CREATE OR REPLACE FUNCTION`` ("tuple concurrently updated").
        """
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (CREATE_TABLE_LOCK,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (CREATE_TABLE_LOCK,))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self, originator_id: UUID | str, *, gt: int | None = None, lte: int | None = None,
        desc: bool = False, limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's query, read with a binary cursor."""
        statement = self.select_events_statement
        params: list[Any] = [originator_id]
        if gt is not None:
            params.append(gt)
            statement += SQL(" AND originator_version > %s")
        if lte is not None:
            params.append(lte)
            statement += SQL(" AND originator_version <= %s")
        statement += SQL(" ORDER BY originator_version DESC" if desc else
                         " ORDER BY originator_version ASC")
        if limit is not None:
            params.append(limit)
            statement += SQL(" LIMIT %s")
        with self.datastore.get_connection() as conn, conn.cursor(binary=True) as cursor:
            cursor.execute(statement, params, prepare=True)
            return [
                StoredEvent(originator_id=row["originator_id"],
                            originator_version=row["originator_version"],
                            topic=row["topic"], state=bytes(row["state"]))
                for row in cursor.fetchall()
            ]


class LedgerPostgresRecorder(LedgerPostgresRows, PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, saving with one round trip instead of six.

    The library writes a save as a pipelined transaction: ``SET LOCAL lock_timeout``,
    ``LOCK TABLE ... IN EXCLUSIVE MODE``, ``NOTIFY``, ``INSERT ... RETURNING``, ``COMMIT``.
    Here one plpgsql function does the same in a single statement, run in autocommit, so
    the statement is its own transaction:

    - the EXCLUSIVE lock is kept, and held until that statement commits, so insert order
      still equals commit order and a reader polling ``notification_id`` never passes a
      gap that fills in later (the projection runner relies on it);
    - NOTIFY is dropped: LBX never LISTENs (its runner polls), and a NOTIFY serialises all
      notifying commits of the database at commit time;
    - a duplicate ``(originator_id, originator_version)`` fails the whole statement, so
      nothing of the save is written, and surfaces as the library's ``IntegrityError``,
      on which optimistic concurrency and idempotency records rely.

    A save that carries tracking (a process application; not the Ledger) takes the
    library's path unchanged.
    """

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        function = f"{events_table_name}_insert"
        self.check_identifier_length(function)
        names = {
            "schema": Identifier(datastore.schema),
            "function": Identifier(function),
            "id_type": Identifier(datastore.originator_id_type),
            "table": Identifier(events_table_name),
        }
        # Replaces the library's own insert function, which takes no table lock.
        self.sql_create_statements[self.create_insert_function_statement_index] = SQL(
            INSERT_FUNCTION).format(**names)
        self.insert_call = SQL("SELECT {schema}.{function}(%b, %b, %b, %b, %b) AS id").format(
            **names)
        self.lock_timeout = f"{datastore.lock_timeout}s"

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Insert one save's events in one statement; return their notification ids."""
        if kwargs.get("tracking") is not None:
            return cast("Sequence[int] | None", super().insert_events(stored_events, **kwargs))
        if not stored_events:
            return []
        columns = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
            self.lock_timeout,
        )
        with self.datastore.get_connection() as conn, conn.cursor(binary=True) as cursor:
            cursor.execute(self.insert_call, columns, prepare=True)
            return [row["id"] for row in cursor.fetchall()]


class LedgerPostgresFactory(PostgresFactory):
    """The library's PostgreSQL persistence with LBX's recorders (for events and snapshots).

    Selected by ``Ledger`` in place of ``eventsourcing.postgres``.
    """

    aggregate_recorder_class = LedgerPostgresRows
    application_recorder_class = LedgerPostgresRecorder
