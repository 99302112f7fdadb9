"""Other ways to build the ledger, from the outside: env keys and patches of one instance.

Nothing here edits LBX. A variant passes extra environment keys to a separately
constructed :class:`~ledger.application.Ledger`, or patches attributes of that one
instance, so that the effect of a proposed core change can be measured before anyone makes
it. Variants marked UNSAFE break a guarantee on purpose, to show what it costs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from api.settings import Settings
from commands.runtime import Runtime
from ledger.application import Ledger
from ledger.clock import SystemClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from eventsourcing.persistence import StoredEvent

INSERT_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.bench_insert_events(events {schema}.{type}[])
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('lock_timeout', '10s', true);
    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;
    RETURN QUERY
        INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)
        SELECT e.originator_id, e.originator_version, e.topic, e.state FROM unnest(events) AS e
        RETURNING notification_id;
END
$$
"""
"""Lock and insert in one statement: the lock is held until the statement's own commit."""


def project_without_protocol_check(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` minus its ``assert isinstance(e, CanMutateProtocol)``.

    On Python 3.11 an ``isinstance`` against a runtime-checkable Protocol walks the
    protocol's attributes on every call (tens of microseconds per event).
    """
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def skip_protocol_check(ledger: Ledger) -> None:
    """Load with :func:`project_without_protocol_check` (explicit callers still override)."""
    repository = ledger.repository
    get = functools.partial(type(repository).get, repository,
                            projector_func=project_without_protocol_check)
    setattr(repository, "get", get)  # noqa: B010  (instance patch, for this ledger only)


def skip_notify(ledger: Ledger) -> None:
    """Drop NOTIFY from inserts: safe for LBX, whose projection runner polls, never LISTENs."""
    setattr(ledger.recorder, "_notify_channel", lambda _: None)  # noqa: B010


def skip_lock_and_notify(ledger: Ledger) -> None:
    """Drop LOCK TABLE and NOTIFY from inserts. UNSAFE: only shows what they cost."""
    recorder = ledger.recorder
    setattr(recorder, "_lock_table", lambda _: None)  # noqa: B010
    setattr(recorder, "_notify_channel", lambda _: None)  # noqa: B010


def single_statement_insert(ledger: Ledger) -> None:
    """Save with ONE statement in autocommit: a plpgsql function that locks, then inserts.

    One round trip instead of the pipelined BEGIN, SET, LOCK, NOTIFY, INSERT, COMMIT. The
    EXCLUSIVE lock is kept (insert order still equals commit order, which the projection
    runner relies on); NOTIFY is dropped (LBX's runner polls). Unique-key violations still
    surface as the library's IntegrityError, so optimistic concurrency is unchanged.
    """
    recorder = ledger.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    datastore = recorder.datastore
    names = {
        "schema": Identifier(datastore.schema),
        "type": Identifier(recorder.stored_event_type_name),
        "table": Identifier(recorder.events_table_name),
    }
    with datastore.get_connection() as conn:
        conn.execute(SQL(INSERT_FUNCTION).format(**names))
    call = SQL("SELECT {schema}.bench_insert_events(%s) AS id").format(**names)

    def insert_events(stored_events: Sequence[StoredEvent], **_: Any) -> list[int]:
        rows = [
            recorder.construct_pg_stored_event(
                e.originator_id, e.originator_version, e.topic, e.state
            )
            for e in stored_events
        ]
        with datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(call, (rows,), prepare=True)
            return [row["id"] for row in cursor.fetchall()]

    setattr(recorder, "insert_events", insert_events)  # noqa: B010


SMALL_POOL = {"POSTGRES_POOL_SIZE": "2", "POSTGRES_MAX_OVERFLOW": "2"}


@dataclass(frozen=True)
class Variant:
    """A way to build the ledger: extra env keys and an optional patch of the instance."""

    name: str
    env: dict[str, str] = field(default_factory=dict)
    patch: Callable[[Ledger], None] | None = None

    def build(self, url: str) -> Runtime:
        """A runtime whose ledger has this variant's settings (and a small pool).

        The pool is cut to two connections so that a dozen variants fit in the server's
        ``max_connections``; the benchmark is single-threaded and uses one at a time.
        """
        settings = Settings.from_env({"LBX_DATABASE_URL": url}).ledger_env()
        ledger = Ledger(env={**settings, **SMALL_POOL, **self.env})
        if self.patch is not None:
            self.patch(ledger)
        return Runtime(ledger=ledger, clock=SystemClock(ZoneInfo("Europe/Moscow")))


LIBRARY_RECORDER = {
    "APPLICATION_RECORDER_TOPIC": "eventsourcing.postgres:PostgresApplicationRecorder"}
"""The library's own recorder in place of LBX's (which saves in one statement)."""
AS_CONFIGURED = Variant("as configured")
LEAN = Variant("as configured, the bench's single-statement insert", patch=single_statement_insert)
VARIANTS = (
    AS_CONFIGURED,
    Variant("the library's recorder (SET, LOCK, NOTIFY, INSERT, COMMIT pipelined)",
            LIBRARY_RECORDER),
    LEAN,
)
"""The single-command variants, first the ledger exactly as LBX configures it.

``Ledger.load`` decides copying itself, so the library's DEEPCOPY/FASTFORWARD settings
are no longer variants; LBX's recorder already saves in one statement without NOTIFY."""
