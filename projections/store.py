"""The read store: a small SQL interface that SQLite and PostgreSQL both implement.

Views write plain, portable SQL with ``:name`` parameters (``INSERT ... ON CONFLICT ...
DO UPDATE SET x = excluded.x`` works on both engines); each backend adapts the parameter
style. Dates and instants are stored as ISO-8601 text, which sorts correctly everywhere.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from contextlib import AbstractContextManager

Row = dict[str, Any]
Params = "Mapping[str, Any] | None"

_NAMED = re.compile(r"(?<![:\w]):([a-zA-Z_]\w*)")


def to_pyformat(sql: str) -> str:
    """Turn ``:name`` parameters into psycopg's ``%(name)s`` (and escape literal ``%``)."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class Transaction(ABC):
    """One open transaction on the read store."""

    @abstractmethod
    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        """Run one statement; return the number of rows it changed."""

    @abstractmethod
    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a query inside the transaction."""


class ReadStore(ABC):
    """Where projections keep their tables and their tracking positions."""

    dialect: str

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Transaction]:
        """Open a transaction; it commits on normal exit and rolls back on an error."""

    @abstractmethod
    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a read-only query outside any write transaction."""

    def query_one(self, sql: str, params: Mapping[str, Any] | None = None) -> Row | None:
        """The first row of a query, or None."""
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def create(self, statements: Sequence[str]) -> None:
        """Create tables and indexes (statements must be idempotent: IF NOT EXISTS)."""
        with self.transaction() as tx:
            for statement in statements:
                tx.execute(statement)

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


def rows_to_dicts(columns: Sequence[str], rows: Iterator[Sequence[Any]]) -> list[Row]:
    """Pair column names with row values."""
    return [dict(zip(columns, row, strict=True)) for row in rows]
