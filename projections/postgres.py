"""The read store on PostgreSQL: a connection pool, views beside the event store's tables."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from projections.store import ReadStore, Row, Transaction, to_pyformat

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    import psycopg


class _PostgresTransaction(Transaction):
    def __init__(self, connection: psycopg.Connection[Row]) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        cursor = self._connection.execute(to_pyformat(sql), dict(params or {}))
        return cursor.rowcount

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._connection.execute(to_pyformat(sql), dict(params or {})).fetchall()


class PostgresReadStore(ReadStore):
    """Views in the PostgreSQL database the ledger uses."""

    dialect = "postgres"

    def __init__(self, conninfo: str, max_size: int = 10) -> None:
        self._pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            kwargs={"row_factory": dict_row},
            open=True,
        )

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A transaction on a pooled connection."""
        with self._pool.connection() as connection, connection.transaction():
            yield _PostgresTransaction(connection)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Read committed rows."""
        with self._pool.connection() as connection:
            return _PostgresTransaction(connection).query(sql, params)

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()
