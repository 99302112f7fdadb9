"""The read store on SQLite: one connection per thread, WAL, immediate write transactions."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from projections.store import ReadStore, Row, Transaction, rows_to_dicts

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


class _SQLiteTransaction(Transaction):
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        return self._connection.execute(sql, dict(params or {})).rowcount

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        cursor = self._connection.execute(sql, dict(params or {}))
        return rows_to_dicts([c[0] for c in cursor.description or ()], iter(cursor.fetchall()))


class SQLiteReadStore(ReadStore):
    """Views in a SQLite file of their own (apart from the event store's file)."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=30000")
            connection.execute("PRAGMA synchronous=NORMAL")
            # SQLite's own LOWER folds ASCII only; searches must fold Cyrillic too.
            connection.create_function("LOWER", 1, _lower, deterministic=True)
            self._local.connection = connection
            with self._lock:
                self._all.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction, taken immediately so writers never deadlock on upgrade."""
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteTransaction(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Read committed rows."""
        return _SQLiteTransaction(self._connection()).query(sql, params)

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for connection in self._all:
                connection.close()
            self._all.clear()
        self._local = threading.local()
