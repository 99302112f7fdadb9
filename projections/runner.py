"""The runner: feeds projections from the event log, exactly once, and reports their lag.

Each batch is read once and applied to every projection that has not yet seen it, in one
read-store transaction that also moves each projection's tracking position. The position
update comes first and is conditional on the old value, so two runners racing over the same
batch cannot both commit it: the loser's transaction fails and rolls back, and nothing is
applied twice.

A rebuild empties one projection and replays the whole log into it inside a single
transaction, so readers see the old rows until the new ones are complete.

A projection whose table definitions change between releases is rebuilt on start-up: the
runner keeps a fingerprint of each projection's schema, and when it differs it drops that
projection's tables, creates them anew and sets its position back to zero, so the worker
replays the log into them (the lag shows the progress). A change of what the handlers write
into unchanged tables is announced by bumping the projection's ``revision``. Indexes are
created in place and do not count; tables a projection keeps across rebuilds (not in its
``tables``) are never dropped, so their changes need explicit migrations. Set-up runs in one
transaction, one process at a time (an advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on
SQLite), so two processes starting on an upgrade cannot interleave.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from projections.base import Projection
    from projections.store import ReadStore, Transaction

log = logging.getLogger(__name__)

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS lbx_tracking ("
    " projection TEXT PRIMARY KEY,"
    " position BIGINT NOT NULL)"
)

SCHEMA_DDL = (
    "CREATE TABLE IF NOT EXISTS lbx_schema ("
    " projection TEXT PRIMARY KEY,"
    " fingerprint TEXT NOT NULL)"
)


_CREATE_TABLE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)
SETUP_LOCK = 0x4C42_5856  # "LBXV": one process at a time sets the views up (PostgreSQL)


def created_tables(statements: Sequence[str]) -> set[str]:
    """The names of the tables that ``CREATE TABLE`` statements among ``statements`` create."""
    return {m.group(1) for s in statements if (m := _CREATE_TABLE.match(s.strip()))}


def fingerprint(projection: Projection) -> str:
    """A digest of the projection's own tables' definitions and its revision.

    Only the ``CREATE TABLE`` statements of the tables it rebuilds count: an index added
    later is simply created in place, without replaying the view.
    """
    own = [s for s in projection.schema
           if (m := _CREATE_TABLE.match(s.strip())) and m.group(1) in projection.tables]
    text = "\n".join((f"revision {projection.revision}", *own))
    return hashlib.sha256(text.encode()).hexdigest()


class EventLog(Protocol):
    """The part of the ledger a runner reads: the application's ordered log."""

    def read_log(self, after: int, limit: int) -> list[tuple[int, Any]]:
        """Events with notification ids greater than ``after``, in order."""
        ...

    def max_position(self) -> int:
        """The highest notification id written."""
        ...


class TrackingConflict(RuntimeError):
    """Raised when another runner moved a projection's position first."""


@dataclass(frozen=True)
class ProjectionStatus:
    """How far one projection has read, against the head of the log."""

    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        """Notifications written but not yet applied (an upper bound: ids may have gaps)."""
        return max(self.head - self.position, 0)


class ProjectionRunner:
    """Keeps a set of projections up to date with the log."""

    def __init__(
        self,
        log: EventLog,
        store: ReadStore,
        projections: Sequence[Projection],
        batch_size: int = 500,
    ) -> None:
        self.log = log
        self.store = store
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def setup(self) -> None:
        """Create every table and a zero tracking row for each projection.

        A projection whose schema changed since the tables were made is dropped and
        replayed from the start (see the module's docstring).

        When every view is tracked and made from its current schema — any start but the
        first after an upgrade — each statement runs in a transaction of its own and the
        tracking rows are left alone: on PostgreSQL a ``CREATE INDEX IF NOT EXISTS`` locks
        its table against writes, so a process starting beside a worker that is applying a
        batch (holding its tracking row, writing view after view) must never hold one
        table's lock while it waits for another, or for that tracking row.
        """
        self.store.create([TRACKING_DDL, SCHEMA_DDL])
        if self._set_up_already():
            for projection in self.projections.values():
                for statement in projection.schema:  # an index added by a release
                    self.store.create([statement])
            return
        self._set_up_afresh()

    def _set_up_afresh(self) -> None:
        """Create, and drop and replay where the schema changed, in one locked transaction."""
        # one transaction, one process at a time: a runner elsewhere either commits before
        # the tables are dropped (and is replayed) or fails its conditional position update
        with self.store.transaction() as tx:
            if self.store.dialect == "postgres":
                tx.query("SELECT pg_advisory_xact_lock(:key)", {"key": SETUP_LOCK})
            recorded = {row["projection"]: row["fingerprint"]
                        for row in tx.query("SELECT projection, fingerprint FROM lbx_schema")}
            tracked = {row["projection"] for row in tx.query("SELECT projection FROM lbx_tracking")}
            # a view tracked before fingerprints existed counts as changed: it is replayed
            changed = [p for p in self.projections.values()
                       if (p.name in recorded or p.name in tracked)
                       and recorded.get(p.name) != fingerprint(p)]
            for projection in changed:
                for table in projection.tables:
                    tx.execute(f"DROP TABLE IF EXISTS {table}")
            for projection in self.projections.values():
                for statement in projection.schema:
                    tx.execute(statement)
            for name, projection in self.projections.items():
                tx.execute(
                    "INSERT INTO lbx_tracking (projection, position) VALUES (:name, 0)"
                    " ON CONFLICT (projection) DO NOTHING",
                    {"name": name},
                )
                tx.execute(
                    "INSERT INTO lbx_schema (projection, fingerprint) VALUES (:name, :print)"
                    " ON CONFLICT (projection) DO UPDATE SET fingerprint = :print",
                    {"name": name, "print": fingerprint(projection)},
                )
            for projection in changed:
                log.warning("%s: schema changed, replaying the log into it", projection.name)
                tx.execute("UPDATE lbx_tracking SET position = 0 WHERE projection = :name",
                           {"name": projection.name})

    def _set_up_already(self) -> bool:
        """True when every projection is tracked and recorded with its current fingerprint."""
        recorded = {row["projection"]: row["fingerprint"]
                    for row in self.store.query("SELECT projection, fingerprint FROM lbx_schema")}
        tracked = {row["projection"]
                   for row in self.store.query("SELECT projection FROM lbx_tracking")}
        return all(name in tracked and recorded.get(name) == fingerprint(projection)
                   for name, projection in self.projections.items())

    def positions(self) -> dict[str, int]:
        """Each projection's tracking position."""
        rows = self.store.query("SELECT projection, position FROM lbx_tracking")
        found = {row["projection"]: int(row["position"]) for row in rows}
        return {name: found.get(name, 0) for name in self.projections}

    def catch_up(self) -> int:
        """Apply everything written so far; return how many notifications were read."""
        with self._lock:
            total = 0
            while True:
                positions = self.positions()
                start = min(positions.values(), default=0)
                batch = self.log.read_log(start, self.batch_size)
                if not batch:
                    return total
                with self.store.transaction() as tx:
                    for name, projection in self.projections.items():
                        self._apply(tx, projection, positions[name], batch)
                total += len(batch)

    def _apply(
        self, tx: Transaction, projection: Projection, position: int,
        batch: Sequence[tuple[int, Any]],
    ) -> None:
        fresh = [(nid, event) for nid, event in batch if nid > position]
        if not fresh:
            return
        moved = tx.execute(
            "UPDATE lbx_tracking SET position = :new"
            " WHERE projection = :name AND position = :old",
            {"new": fresh[-1][0], "name": projection.name, "old": position},
        )
        if moved != 1:
            msg = f"{projection.name}: position {position} was moved by another runner"
            raise TrackingConflict(msg)
        for nid, event in fresh:
            projection.process(tx, event, nid)

    def rebuild(self, name: str, progress: Callable[[int], None] | None = None) -> int:
        """Empty one projection and replay the whole log into it, atomically.

        ``progress`` hears how many notifications each batch replayed (for progress bars).

        Raises:
            KeyError: no projection has that name.
        """
        projection = self.projections[name]
        with self._lock, self.store.transaction() as tx:
            # Take the tracking row first: a runner in another process that is applying a
            # batch to this projection is waited for, and one that starts now waits for the
            # rebuild and then finds its position moved (TrackingConflict) instead of
            # writing into the tables being rebuilt.
            tx.execute("UPDATE lbx_tracking SET position = 0 WHERE projection = :name",
                       {"name": name})
            projection.reset(tx)
            position, total = 0, 0
            while batch := self.log.read_log(position, self.batch_size):
                for nid, event in batch:
                    projection.process(tx, event, nid)
                position = batch[-1][0]
                total += len(batch)
                if progress is not None:
                    progress(len(batch))
            tx.execute(
                "UPDATE lbx_tracking SET position = :position WHERE projection = :name",
                {"position": position, "name": name},
            )
            return total

    def status(self) -> list[ProjectionStatus]:
        """Every projection's position and the log's head."""
        head = self.log.max_position()
        return [ProjectionStatus(n, p, head) for n, p in sorted(self.positions().items())]

    def run_forever(self, stop: threading.Event, interval: float = 0.2) -> None:
        """Poll the log until ``stop`` is set. A failing projection stops the loop and raises."""
        while not stop.is_set():
            try:
                applied = self.catch_up()
            except TrackingConflict:
                applied = 0  # another runner (e.g. a CLI catch-up) got there first: fine
            if not applied:
                stop.wait(interval)
