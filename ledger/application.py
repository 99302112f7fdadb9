"""The Ledger application: the event store, and the one place library errors are translated.

It always runs on SQLite or PostgreSQL: the composition root passes the persistence
settings in ``env``; an env without ``PERSISTENCE_MODULE`` is refused rather than silently
falling back to the library's in-memory default. On PostgreSQL the composition root
selects LBX's recorder (``api/postgres_store.py``: one statement per save).

It also decides how the aggregate cache is shared between threads (:meth:`Ledger.load`):
a writer takes the cached object out, a reader gets a copy, so no object is ever changed
while another thread holds it. Batch work loads many aggregates the same way with
:meth:`Ledger.load_many`, rebuilding the uncached ones from two queries in all.
"""

from __future__ import annotations

import contextlib
import copy
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import EventStore, IntegrityError
from eventsourcing.utils import get_topic

from ledger.aggregate import LedgerAggregate, LedgerSnapshot
from ledger.audit import HistoryUnreadable
from ledger.audit_trail import AuditTrail
from ledger.customers import Customer
from ledger.customers.events import CustomerRegistered
from ledger.errors import CustomerNotFound, NotFound
from ledger.locks import KeyedLocks, Stripes
from ledger.persistence import OrjsonTranscoder, PydanticMapper, select_after, select_latest

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from contextlib import AbstractContextManager

    from eventsourcing.domain import DomainEventProtocol
    from eventsourcing.persistence import StoredEvent

    from ledger.events import LedgerEvent

TAgg = TypeVar("TAgg", bound=LedgerAggregate[Any])

SNAPSHOT_INTERVAL = 100
"""Take a snapshot every this many events of one aggregate."""

BATCH_LOCK_WAIT = 5.0
"""Seconds a batch of customers (bill run, bank import, dunning) waits for their writer
locks (see :meth:`Ledger.exclusive`); a single command waits far less."""


def project(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply events in turn: the library's projector without its per-event protocol check.

    That ``isinstance`` against a runtime-checkable Protocol costs tens of microseconds an
    event on Python 3.11; every event of ours is a LedgerEvent, which can mutate.
    """
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def _follows(snapshot: Any, events: Sequence[Any]) -> bool:
    """True unless the event after ``snapshot`` does not continue the snapshot's chain.

    The one check a load can make on a snapshot without another query: the next event's
    version and ``prev_hash`` must be the snapshot's version + 1 and chain head. A
    snapshot whose state was altered but head kept is not caught here; ``verify``
    compares every snapshot with a replay (see ``ledger.audit.verify_snapshots``).
    """
    if not events or not isinstance(snapshot, LedgerSnapshot):
        return True
    first = events[0]
    return bool(first.originator_version == snapshot.originator_version + 1
                and first.prev_hash == snapshot.state.get("last_hash"))


def _current(snapshot: object) -> bool:
    """True unless ``snapshot`` holds a state of another version than its class's."""
    return not isinstance(snapshot, LedgerSnapshot) or snapshot.is_current


class CurrentSnapshots(EventStore[UUID]):
    """A snapshot store that passes over snapshots of an older state version.

    Why: a snapshot is the state as it was shaped when it was taken; when the state gains
    something only a replay can derive (``LedgerAggregate.state_version``), such a
    snapshot would load without it. Passed over, the aggregate replays from its events,
    and its next save takes a current snapshot (:meth:`Ledger._catch_up_snapshots`).
    """

    def get(
        self, originator_id: UUID, *, gt: int | None = None, lte: int | None = None,
        desc: bool = False, limit: int | None = None,
    ) -> Iterator[DomainEventProtocol[UUID]]:
        """The stored snapshots, less those of another state version."""
        found = super().get(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        return (snapshot for snapshot in found if _current(snapshot))


def _checked(aggregate_id: UUID, aggregate: Any, kind: type[TAgg]) -> TAgg:
    """The loaded aggregate if it is a ``kind``; NotFound (as :meth:`Ledger.load` says) if not."""
    if aggregate is None:
        if kind is Customer:
            raise CustomerNotFound(customer=str(aggregate_id))
        raise NotFound("no {kind} {aggregate_id}", kind=kind.__name__, aggregate_id=aggregate_id)
    if not isinstance(aggregate, kind):
        raise NotFound("{aggregate_id} is not a {kind}", aggregate_id=aggregate_id,
                       kind=kind.__name__)
    return aggregate


class WriteConflict(Exception):
    """Raised when a save lost an optimistic-concurrency race (or a unique key was taken)."""


class Ledger(Application[UUID], AuditTrail):
    """Stores and loads the aggregates of the ledger."""

    name = "Ledger"
    env: ClassVar[dict[str, str]] = {
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        "AGGREGATE_CACHE_MAXSIZE": "5000",
        # The cache holds aggregates as last saved here; ``load`` hands readers deep copies
        # and writers the object itself, taken out (never both at once). It is never
        # fast-forwarded in place (that would change an object a reader may be copying).
        # A cached aggregate that another process has overtaken fails its save on the
        # version check; the unit of work then decides again on a fresh load. Reads that
        # must not be stale use ``fresh=True``.
        "AGGREGATE_CACHE_FASTFORWARD": "n",
    }
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Customer: SNAPSHOT_INTERVAL}
    snapshotting_projectors: ClassVar[dict[type[Any], Any]] = {Customer: project}
    snapshot_class = LedgerSnapshot

    def construct_snapshot_store(self) -> EventStore[UUID]:
        """The snapshot store, reading only snapshots of the current state version."""
        recorder = self.factory.aggregate_recorder(purpose="snapshots")
        return CurrentSnapshots(mapper=self.mapper, recorder=recorder)

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        keys = ("LEDGER_PERSISTENCE_MODULE", "PERSISTENCE_MODULE")
        module = next((env[key] for key in keys if env and env.get(key)), None)
        if not env or not module:
            msg = "LBX needs PERSISTENCE_MODULE: eventsourcing.sqlite or eventsourcing.postgres"
            raise ValueError(msg)
        super().__init__(env)
        self._writers = KeyedLocks()
        self._stripes = Stripes()
        self._unsnapshotted: set[UUID] = set()
        """Ids rebuilt by replaying a whole snapshot interval (the newest snapshot was of an
        older state version, or missing): their next save takes a snapshot."""

    # -- loading -----------------------------------------------------------------------------

    def load(
        self, aggregate_id: UUID, kind: type[TAgg], *, version: int | None = None,
        for_update: bool = False,
    ) -> TAgg:
        """Load an aggregate (optionally as of a version); raise NotFound if absent.

        A reader gets a private deep copy of the cached aggregate (or, when it is not
        cached, one rebuilt from the store). A writer (``for_update``: it will change the
        aggregate, then save or drop it) gets the cached object itself, taken out of the
        cache: no copy is paid for, no other thread can see it while it changes, and if
        the writer fails nothing half-changed is left cached. A successful save caches it.
        """
        try:
            if version is not None:
                aggregate: Any = self.repository.get(
                    aggregate_id, version=version, projector_func=project)
            elif for_update:
                aggregate = self._take(aggregate_id)
            else:
                aggregate = self._copy(aggregate_id)
        except AggregateNotFoundError:
            if kind is Customer:
                raise CustomerNotFound(customer=str(aggregate_id)) from None
            raise NotFound("no {kind} {aggregate_id}", kind=kind.__name__,
                           aggregate_id=aggregate_id) from None
        if not isinstance(aggregate, kind):
            raise NotFound("{aggregate_id} is not a {kind}", aggregate_id=aggregate_id,
                           kind=kind.__name__)
        return aggregate

    def customer(
        self, customer_id: UUID, *, version: int | None = None, fresh: bool = False,
        for_update: bool = False,
    ) -> Customer:
        """Load one customer's book (``fresh``: bypass the cache, for authoritative reads).

        ``for_update``: the caller changes the book and saves it (see :meth:`load`).
        """
        if fresh:
            self.forget(customer_id)
        return self.load(customer_id, Customer, version=version, for_update=for_update)

    def customers(
        self, customer_ids: Sequence[UUID], *, for_update: bool = False
    ) -> list[Customer]:
        """Load many customers' books at once (a bill run's batch), in the order given.

        Each comes as :meth:`customer` would give it (``for_update``: taken out of the
        cache; otherwise a copy), but those not cached are rebuilt together, from one query
        for their latest snapshots and one for the events after them: a batch of a hundred
        cold customers costs two round trips instead of two hundred.

        Raises:
            CustomerNotFound: for the first id, in order, that is not a customer's.
        """
        return self.load_many(customer_ids, Customer, for_update=for_update)

    def load_many(
        self, aggregate_ids: Sequence[UUID], kind: type[TAgg], *, for_update: bool = False
    ) -> list[TAgg]:
        """:meth:`load` for many distinct ids, rebuilding the uncached ones in two queries.

        The ids must be distinct: a writer must never be handed one object twice.

        Raises:
            NotFound: for the first id, in order, that is not a ``kind`` (CustomerNotFound
                for a customer).
        """
        if len(set(aggregate_ids)) != len(aggregate_ids):
            msg = "load_many needs distinct ids"
            raise ValueError(msg)
        found: dict[UUID, Any] = {}
        cache = self.repository.cache
        if cache is not None:
            for aggregate_id in aggregate_ids:
                with self._stripes.of(aggregate_id), contextlib.suppress(KeyError):
                    cached = cache.get(aggregate_id, evict=for_update)
                    found[aggregate_id] = cached if for_update else copy.deepcopy(cached)
        # Misses are not cached here, as in _take and _copy: a successful save caches them.
        found.update(self._reconstruct_many([i for i in aggregate_ids if i not in found]))
        return [_checked(aggregate_id, found.get(aggregate_id), kind)
                for aggregate_id in aggregate_ids]

    def exclusive(self, *aggregate_ids: UUID, wait: float = 0.5) -> AbstractContextManager[None]:
        """Hold, in this process, the writer's lock of each aggregate (from load to save).

        Writers of the same aggregate then take turns instead of deciding on the same
        version and losing the race. Only an economy: other processes are caught by the
        version check, and after ``wait`` seconds the caller proceeds without the lock (a
        command then does not queue for long behind a batch; a batch may wait longer).
        """
        return self._writers.hold(aggregate_ids, wait)

    def _take(self, aggregate_id: UUID) -> Any:
        cache = self.repository.cache
        if cache is not None:
            with self._stripes.of(aggregate_id), contextlib.suppress(KeyError):
                return cache.get(aggregate_id, evict=True)
        return self._reconstruct(aggregate_id)

    def _copy(self, aggregate_id: UUID) -> Any:
        cache = self.repository.cache
        if cache is not None:
            with self._stripes.of(aggregate_id), contextlib.suppress(KeyError):
                return copy.deepcopy(cache.get(aggregate_id))
        # A miss is rebuilt for this reader alone: caching it would cost a deep copy, and
        # the aggregates worth caching are the ones being written, which saves cache.
        return self._reconstruct(aggregate_id)

    def _reconstruct(self, aggregate_id: UUID) -> Any:
        """The latest state: the newest snapshot, then the events after it.

        A snapshot the next event does not continue (:func:`_follows`) is passed over and
        the aggregate replayed from its first event.
        """
        repository = self.repository
        snapshots = (
            list(repository.snapshot_store.get(aggregate_id, desc=True, limit=1))
            if repository.snapshot_store is not None else []
        )
        after = snapshots[0].originator_version if snapshots else None
        events = list(repository.event_store.get(aggregate_id, gt=after))
        if snapshots and not _follows(snapshots[0], events):
            snapshots, after = [], None
            events = list(repository.event_store.get(aggregate_id))
        aggregate = project(None, [*snapshots, *events])
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        self._note_replay(aggregate, after or 0)
        return aggregate

    def _reconstruct_many(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, Any]:
        """The latest state of each id that has events: all snapshots, then all events after."""
        if not aggregate_ids:
            return {}
        repository = self.repository
        snapshot_store = repository.snapshot_store
        latest = (select_latest(snapshot_store.recorder, aggregate_ids)
                  if snapshot_store is not None else {})
        snapshots = {
            i: snapshot for i, row in latest.items()
            if snapshot_store is not None
            and _current(snapshot := snapshot_store.mapper.to_domain_event(row))
        }
        after = {i: snapshots[i].originator_version if i in snapshots else 0
                 for i in aggregate_ids}
        events = select_after(repository.event_store.recorder, after)
        mapper = repository.event_store.mapper
        built = {}
        for aggregate_id in aggregate_ids:
            history = [mapper.to_domain_event(s) for s in events.get(aggregate_id, ())]
            if aggregate_id in snapshots:
                if _follows(snapshots[aggregate_id], history):
                    history.insert(0, snapshots[aggregate_id])
                else:  # passed over (rare): this one id is read whole, one more query
                    history = list(repository.event_store.get(aggregate_id))
                    after[aggregate_id] = 0
            aggregate = project(None, history)
            if aggregate is not None:
                built[aggregate_id] = aggregate
                self._note_replay(aggregate, after[aggregate_id])
        return built

    def _note_replay(self, aggregate: Any, after: int) -> None:
        """Remember an aggregate that replayed a whole snapshot interval past ``after``.

        Snapshots are taken at multiples of the interval; if the one there was passed over
        (an older state version) or never written, every cold load would replay from the
        start until the next multiple, which a slow customer may not reach for years. The
        snapshot is not written here: a load only reads; the next save writes it.
        """
        interval = self.snapshotting_intervals.get(type(aggregate))
        if interval is not None and aggregate.version - after >= interval:
            self._unsnapshotted.add(aggregate.id)

    def exists(self, aggregate_id: UUID) -> bool:
        """True when an aggregate with this id has at least one event."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def history(self, aggregate_id: UUID) -> list[LedgerEvent]:
        """Every event of one aggregate, oldest first.

        Raises:
            HistoryUnreadable: a stored event no longer parses as its class (someone
                altered the store): the chain check says where, this read cannot.
        """
        mapper = self.mapper
        return [self._parsed(aggregate_id, stored, mapper)
                for stored in self.recorder.select_events(aggregate_id)]

    @staticmethod
    def _parsed(aggregate_id: UUID, stored: StoredEvent, mapper: Any) -> LedgerEvent:
        try:
            return cast("LedgerEvent", mapper.to_domain_event(stored))
        except Exception:  # noqa: BLE001  (any way a stored row fails to parse means the same)
            raise HistoryUnreadable(version=stored.originator_version,
                                    aggregate=str(aggregate_id)) from None

    def customer_history(self, customer_id: UUID) -> list[LedgerEvent]:
        """Every event of one customer's book, oldest first.

        Raises:
            CustomerNotFound: the id is not a customer's.
            HistoryUnreadable: a stored event no longer parses (see :meth:`history`).
        """
        events = self.history(customer_id)
        if not events or not isinstance(events[0], CustomerRegistered):
            raise CustomerNotFound(customer=str(customer_id))
        return events

    # -- saving ------------------------------------------------------------------------------

    def save_all(self, *aggregates: LedgerAggregate[Any]) -> int:
        """Save the pending events of all aggregates in one transaction.

        Returns the highest notification id written (0 when nothing was pending), which a
        caller may hand to a reader that wants to see its own write.

        Raises:
            WriteConflict: another writer got there first; reload and decide again.
        """
        # The library's save() does the same, less its runtime-checkable Protocol
        # isinstance checks, which cost tens of microseconds per aggregate on Python 3.11.
        # Only aggregates with events go to the library's cache update: one taken for update
        # and left unchanged may be older than a copy another writer cached meanwhile, so it
        # is put back only where no newer one is (put_back).
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        saved, unchanged = [], []
        for aggregate in aggregates:
            if events := aggregate.collect_events():
                processing.events.extend(events)
                saved.append(aggregate)
                processing.aggregates[aggregate.id] = aggregate
            else:
                unchanged.append(aggregate)
        catch_up = self._catch_up_snapshots(saved)
        try:
            recordings = self._record(processing)
        except IntegrityError:
            for aggregate in aggregates:
                self.forget(aggregate.id)
            raise WriteConflict from None
        with contextlib.suppress(IntegrityError):  # that version's snapshot is already there
            self._take_snapshots(processing)
        self._put_snapshots(catch_up)
        self.put_back(*unchanged)
        return max((r.notification.id for r in recordings), default=0)

    def _catch_up_snapshots(self, saved: Sequence[LedgerAggregate[Any]]) -> list[Any]:
        """Snapshots, as about to be saved, of aggregates whose load replayed a whole interval.

        Taken before the save, while the aggregates are still this writer's alone: once
        recorded they are back in the cache, where the next writer of the customer may
        already be changing them. Written after the events commit (``_put_snapshots``),
        like the library's own, and from the aggregate in hand (its state is its events
        applied, as a replay would make it), so no second replay is paid for. A version at
        a multiple of the interval gets its snapshot from ``_take_snapshots``.
        """
        taken = []
        for aggregate in saved:
            if aggregate.id not in self._unsnapshotted or self.snapshots is None:
                continue
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval is not None and aggregate.version % interval != 0:
                taken.append(self.snapshot_class.take(aggregate))
            else:  # the library snapshots this version (or never snapshots its kind)
                self._unsnapshotted.discard(aggregate.id)
        return taken

    def _put_snapshots(self, snapshots: Sequence[Any]) -> None:
        """Write catch-up snapshots of committed events: together, else one by one.

        One of them may exist already (another process caught that customer up first); the
        others are still written. A written customer no longer needs catching up.
        """
        if not snapshots or self.snapshots is None:
            return
        try:
            self.snapshots.put(list(snapshots))
        except IntegrityError:
            for snapshot in snapshots:
                with contextlib.suppress(IntegrityError):
                    self.snapshots.put([snapshot])
        for snapshot in snapshots:
            self._unsnapshotted.discard(snapshot.originator_id)

    def put_back(self, *aggregates: LedgerAggregate[Any]) -> None:
        """Return aggregates taken ``for_update`` but left unchanged to the cache.

        One with pending events is not put back: it was changed and never saved.
        """
        cache = self.repository.cache
        if cache is None:
            return
        for aggregate in aggregates:
            if aggregate.pending_events:
                continue
            with self._stripes.of(aggregate.id):
                try:
                    cache.get(aggregate.id)  # a newer one was saved meanwhile: keep it
                except KeyError:
                    cache.put(aggregate.id, aggregate)

    def outdated(self, *aggregates: LedgerAggregate[Any]) -> list[UUID]:
        """The ids of ``aggregates`` the store holds newer events of than the copy in hand.

        Why: a decision that records nothing is never checked by a save's version
        conflict, so one made on a copy another process had moved past would stand.
        """
        return [a.id for a in aggregates
                if self.recorder.select_events(a.id, gt=a.version, limit=1)]

    def forget(self, aggregate_id: UUID) -> None:
        """Drop an aggregate from the cache (after a failed save, its copy may be stale)."""
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(aggregate_id, evict=True)

    def max_position(self) -> int:
        """The highest notification id in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def read_log(self, after: int, limit: int) -> list[tuple[int, Any]]:
        """Events with notification ids above ``after``, oldest first, as domain events."""
        notifications = self.recorder.select_notifications(start=after + 1, limit=limit)
        return [(n.id, self.mapper.to_domain_event(n)) for n in notifications]

    def customer_ids(self) -> Iterator[UUID]:
        """Every customer's id, in order of registration, read from the log itself."""
        return self.ids_created_by(CustomerRegistered)

    def ids_created_by(self, created: type[Any]) -> Iterator[UUID]:
        """The ids of every aggregate whose history starts with ``created``, oldest first."""
        return self._ids_with([get_topic(created)])

    def _ids_with(self, topics: list[str]) -> Iterator[UUID]:
        """The originator id of every notification of those topics, oldest first."""
        position = 0
        while batch := self.recorder.select_notifications(
            start=position + 1, limit=1000, topics=topics
        ):
            for notification in batch:
                yield UUID(str(notification.originator_id))
            position = batch[-1].id
