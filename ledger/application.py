"""The Ledger application: the event store, and the one place library errors are translated.

It always runs on SQLite or PostgreSQL: the composition root passes the persistence
settings in ``env``; an env without ``PERSISTENCE_MODULE`` is refused rather than silently
falling back to the library's in-memory default.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from ledger.aggregate import LedgerAggregate, LedgerSnapshot
from ledger.customers import Customer
from ledger.customers.events import CustomerRegistered
from ledger.errors import CustomerNotFound, NotFound
from ledger.persistence import OrjsonTranscoder, PydanticMapper

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from ledger.events import LedgerEvent

TAgg = TypeVar("TAgg", bound=LedgerAggregate[Any])

SNAPSHOT_INTERVAL = 100
"""Take a snapshot every this many events of one aggregate."""


class WriteConflict(Exception):
    """Raised when a save lost an optimistic-concurrency race (or a unique key was taken)."""


class Ledger(Application[UUID]):
    """Stores and loads the aggregates of the ledger."""

    name = "Ledger"
    env: ClassVar[dict[str, str]] = {
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        "AGGREGATE_CACHE_MAXSIZE": "5000",
        # The cache is never fast-forwarded in place (the library's in-place fast-forward
        # races with the deep copy handed to another thread). A cached copy that another
        # process has overtaken fails its save on the version check; the unit of work then
        # forgets it and decides again on a fresh load. Reads that must not be stale use
        # ``fresh=True``.
        "AGGREGATE_CACHE_FASTFORWARD": "n",
    }
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Customer: SNAPSHOT_INTERVAL}
    snapshot_class = LedgerSnapshot

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        if not env or not (env.get("PERSISTENCE_MODULE") or env.get("LEDGER_PERSISTENCE_MODULE")):
            msg = "LBX needs PERSISTENCE_MODULE: eventsourcing.sqlite or eventsourcing.postgres"
            raise ValueError(msg)
        super().__init__(env)

    # -- loading -----------------------------------------------------------------------------

    def load(self, aggregate_id: UUID, kind: type[TAgg], *, version: int | None = None) -> TAgg:
        """Load an aggregate (optionally as of a version); raise NotFound if absent."""
        try:
            aggregate: Any = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            if kind is Customer:
                raise CustomerNotFound(customer=str(aggregate_id)) from None
            raise NotFound(f"no {kind.__name__} {aggregate_id}") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"{aggregate_id} is not a {kind.__name__}")
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        """True when an aggregate with this id has at least one event."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def customer(
        self, customer_id: UUID, *, version: int | None = None, fresh: bool = False
    ) -> Customer:
        """Load one customer's book (``fresh``: bypass the cache, for authoritative reads)."""
        if fresh:
            self.forget(customer_id)
        return self.load(customer_id, Customer, version=version)

    def history(self, aggregate_id: UUID) -> list[LedgerEvent]:
        """Every event of one aggregate, oldest first."""
        return list(self.events.get(aggregate_id))  # type: ignore[arg-type]

    def customer_history(self, customer_id: UUID) -> list[LedgerEvent]:
        """Every event of one customer's book, oldest first.

        Raises:
            CustomerNotFound: the id is not a customer's.
        """
        events = self.history(customer_id)
        if not events or not isinstance(events[0], CustomerRegistered):
            raise CustomerNotFound(customer=str(customer_id))
        return events

    def stored_states(self, aggregate_id: UUID) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each stored event's topic and state exactly as written, for chain verification."""
        mapper = self.mapper
        assert isinstance(mapper, PydanticMapper)  # noqa: S101  (set in env above)
        for stored in self.recorder.select_events(aggregate_id):
            try:
                state = mapper.decode_state(stored)
            except ValueError:  # unreadable bytes: the verifier reports this version broken
                state = {"originator_version": stored.originator_version}
            yield stored.topic, state

    # -- saving ------------------------------------------------------------------------------

    def save_all(self, *aggregates: LedgerAggregate[Any]) -> int:
        """Save the pending events of all aggregates in one transaction.

        Returns the highest notification id written (0 when nothing was pending), which a
        caller may hand to a reader that wants to see its own write.

        Raises:
            WriteConflict: another writer got there first; reload and decide again.
        """
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            for aggregate in aggregates:
                self.forget(aggregate.id)
            raise WriteConflict from None
        return max((r.notification.id for r in recordings), default=0)

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
        topic = get_topic(created)
        position = 0
        while batch := self.recorder.select_notifications(
            start=position + 1, limit=1000, topics=[topic]
        ):
            for notification in batch:
                yield UUID(str(notification.originator_id))
            position = batch[-1].id
