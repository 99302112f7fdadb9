"""How events become rows and back: pydantic models as orjson, with upcasting.

The library's own mapper works with dataclass events; ours are pydantic models, so this
mapper dumps them with ``model_dump(mode="json")`` and validates them back. It also does
what the documented pydantic recipe leaves out: it writes ``class_version`` when a class is
past version 1 and, on read, runs ``upcast_vN_vN+1`` until the stored state is current.
Before upcasting it checks the row against its event's seal (``ledger.events.Seal``): a row
whose topic or ``class_version`` was changed in the store is refused rather than read as
another kind of event, or upcast as an older one.

The PostgreSQL recorder LBX uses (one statement per save) is infrastructure, not domain: it
lives in the composition root, ``api/postgres_store.py``.

Batch work (a bill run) loads many aggregates at once: :func:`select_latest` and
:func:`select_after` read their rows in one query each, where the library would ask once
per aggregate. They speak to the library's SQLite and PostgreSQL recorders through the
recorders' own connections, recognised without importing a driver (the class is looked up
only if the library's module is already loaded); any other recorder is asked per aggregate.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    AggregateRecorder,
    InterfaceError,
    Mapper,
    OperationalError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic, resolve_topic, retry

from ledger.decimal_text import AS_RECORDED
from ledger.events import seal_problem

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from eventsourcing.domain import DomainEventProtocol
    from pydantic import BaseModel


class OrjsonTranscoder(Transcoder):
    """Plain JSON through orjson: the event models have already made it JSON-safe."""

    def encode(self, obj: Any) -> bytes:
        """Serialise a JSON-safe dict."""
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        """Parse JSON bytes."""
        return orjson.loads(data)


def upcast(cls: type[Any], state: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored state up to the class's current ``class_version`` in place."""
    version = state.pop("class_version", 1)
    current = getattr(cls, "class_version", 1)
    while version < current:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    return state


class SealBroken(ValueError):
    """Raised when a stored row's topic or ``class_version`` is not what its event was sealed as.

    A ``ValueError`` like any other row that fails to parse: ``Ledger.history`` reports it
    as ``HistoryUnreadable``, and the chain check (``verify``) says which version and why.
    """


class PydanticMapper(Mapper[UUID]):
    """Maps pydantic event models to stored events and back, upcasting old versions."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """Dump the event to (optionally compressed and encrypted) JSON bytes."""
        cls = type(domain_event)
        state = cast("BaseModel", domain_event).model_dump(mode="json")
        version = getattr(cls, "class_version", 1)
        if version > 1:
            state["class_version"] = version
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(cls),
            state=self._seal(self.transcoder.encode(state)),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """Read the event back as its current class, upcasting if it is older.

        Raises:
            SealBroken: the row's topic or schema version is not its event's seal's.
        """
        cls = resolve_topic(stored_event.topic)
        state = self.decode_state(stored_event)
        problem = seal_problem(cls, state)
        if problem is not None:
            msg = f"stored event v{stored_event.originator_version}: {problem}"
            raise SealBroken(msg)
        # read as recorded: a rule on how a value is typed is not applied to it again
        event = cls.model_validate(upcast(cls, state), context=AS_RECORDED)
        return cast("DomainEventProtocol[UUID]", event)

    def decode_state(self, stored_event: StoredEvent) -> dict[str, Any]:
        """The event's state exactly as stored (before upcasting): what the hash covers."""
        data = stored_event.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return cast("dict[str, Any]", self.transcoder.decode(data))

    def _seal(self, data: bytes) -> bytes:
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return data


# -- batched reads ----------------------------------------------------------------------------

_PG_LATEST = (
    "SELECT s.originator_id, s.originator_version, s.topic, s.state"
    " FROM unnest(%s::{id_type}[]) AS k(id) CROSS JOIN LATERAL ("
    "SELECT originator_id, originator_version, topic, state FROM {table}"
    " WHERE originator_id = k.id ORDER BY originator_version DESC LIMIT 1) AS s"
)
# The version bounds below are always true, but they are what lets PostgreSQL plan these
# as index scans before the tables have statistics (autovacuum off, or a fresh bulk load):
# without them it guesses thousands of rows per id, and past a few hundred thousand rows
# JIT-compiles the query or scans the table (20+ ms instead of 1 ms for 100 customers).
_PG_ALL = (
    "SELECT originator_id, originator_version, topic, state FROM {table}"
    " WHERE originator_id = ANY(%s::{id_type}[])"
    " AND originator_version > 0 AND originator_version < 9223372036854775807"
    " ORDER BY originator_id, originator_version"
)
_PG_AFTER = (
    "SELECT e.originator_id, e.originator_version, e.topic, e.state"
    " FROM unnest(%s::{id_type}[], %s::bigint[]) AS k(id, after) CROSS JOIN LATERAL ("
    "SELECT originator_id, originator_version, topic, state FROM {table}"
    " WHERE originator_id = k.id AND originator_version > k.after"
    " AND originator_version < 9223372036854775807 ORDER BY originator_version) AS e"
)
# CROSS JOIN keeps the id list as SQLite's outer loop, so each id is one primary-key seek.
_SQLITE_LATEST = (
    "SELECT s.originator_id, s.originator_version, s.topic, s.state"
    " FROM json_each(?) AS k CROSS JOIN {table} AS s ON s.originator_id = k.value"
    " AND s.originator_version = (SELECT MAX(originator_version) FROM {table}"
    " WHERE originator_id = k.value)"
)
_SQLITE_ALL = (
    "SELECT originator_id, originator_version, topic, state FROM {table}"
    " WHERE originator_id IN (SELECT value FROM json_each(?))"
    " ORDER BY originator_id, originator_version"
)
_SQLITE_AFTER = (
    "SELECT e.originator_id, e.originator_version, e.topic, e.state"
    " FROM json_each(?) AS k CROSS JOIN {table} AS e"
    " ON e.originator_id = json_extract(k.value, '$[0]')"
    " AND e.originator_version > json_extract(k.value, '$[1]')"
    " ORDER BY e.originator_id, e.originator_version"
)

def select_latest(recorder: AggregateRecorder, ids: Sequence[UUID]) -> dict[UUID, StoredEvent]:
    """The newest row of each id that has one (its latest snapshot), in one query."""
    if not ids:
        return {}
    rows = _select(recorder, _PG_LATEST, _SQLITE_LATEST, pg=(list(ids),),
                   sqlite=json.dumps([i.hex for i in ids]))
    if rows is None:  # a recorder without batched SQL: one query per id
        found = {i: recorder.select_events(i, desc=True, limit=1) for i in ids}
        return {i: rows[0] for i, rows in found.items() if rows}
    return {_uuid(row.originator_id): row for row in rows}


def select_after(
    recorder: AggregateRecorder, after: Mapping[UUID, int]
) -> dict[UUID, list[StoredEvent]]:
    """Each id's rows with a version above its ``after`` (0: all), oldest first, in one query.

    Two, when some ids have a snapshot: the ids without one are read with a plain
    ``= ANY`` on the primary key, which PostgreSQL plans as an index scan even before it
    has statistics (a join against the id list is then planned as a sequential scan of the
    whole table: tens of milliseconds, growing with the table).
    """
    if not after:
        return {}
    whole = [i for i, v in after.items() if v <= 0]
    tails = {i: v for i, v in after.items() if v > 0}
    rows: list[StoredEvent] | None = []
    if whole:
        rows = _select(recorder, _PG_ALL, _SQLITE_ALL, pg=(whole,),
                       sqlite=json.dumps([i.hex for i in whole]))
    if tails and rows is not None:
        more = _select(recorder, _PG_AFTER, _SQLITE_AFTER, pg=(list(tails), list(tails.values())),
                       sqlite=json.dumps([[i.hex, v] for i, v in tails.items()]))
        rows = None if more is None else rows + more
    if rows is None:  # a recorder without batched SQL: one query per id
        return {i: list(recorder.select_events(i, gt=v or None)) for i, v in after.items()}
    grouped: dict[UUID, list[StoredEvent]] = defaultdict(list)
    for row in rows:
        grouped[_uuid(row.originator_id)].append(row)
    return dict(grouped)


def _library_class(module: str, name: str) -> type[Any] | None:
    """A recorder class of the library, if its module is loaded (else nothing can be one)."""
    return cast("type[Any] | None", getattr(sys.modules.get(module), name, None))


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
def _select(
    recorder: AggregateRecorder, pg_sql: str, sqlite_sql: str, *, pg: tuple[Any, ...],
    sqlite: str,
) -> list[StoredEvent] | None:
    """Run the batched query for the recorder's backend; None when it has none."""
    postgres = _library_class("eventsourcing.postgres", "PostgresAggregateRecorder")
    if postgres is not None and isinstance(recorder, postgres):
        datastore: Any = recorder.datastore
        statement = pg_sql.format(
            id_type="uuid" if datastore.originator_id_type == "uuid" else "text",
            table=f"{_quoted(datastore.schema)}.{_quoted(recorder.events_table_name)}")
        with datastore.get_connection() as conn, conn.cursor(binary=True) as cursor:
            cursor.execute(statement, pg, prepare=True)
            return [StoredEvent(originator_id=row["originator_id"],
                                originator_version=row["originator_version"],
                                topic=row["topic"], state=bytes(row["state"]))
                    for row in cursor.fetchall()]
    lite = _library_class("eventsourcing.sqlite", "SQLiteAggregateRecorder")
    if lite is not None and isinstance(recorder, lite):
        statement = sqlite_sql.format(table=_quoted(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (sqlite,))
            return [StoredEvent(originator_id=_uuid(row["originator_id"]),
                                originator_version=row["originator_version"],
                                topic=row["topic"], state=row["state"])
                    for row in cursor.fetchall()]
    return None


def _uuid(value: Any) -> UUID:
    """A row's originator id as a UUID (SQLite stores its hex; a text column its string)."""
    return value if isinstance(value, UUID) else UUID(str(value))


def _quoted(identifier: str) -> str:
    """An SQL identifier in double quotes (the library has already checked its length)."""
    return '"' + identifier.replace('"', '""') + '"'
