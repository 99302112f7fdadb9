"""The aggregate base: records events with provenance and keeps the hash chain.

Public methods of a concrete aggregate decide (validate, round money, generate ids) and
then call :meth:`LedgerAggregate.record`, which seals the event into the chain. The event's
``apply`` only assigns state, because it re-runs on every replay.

State that a snapshot must carry lives in one pydantic model (``self.state``), so that a
snapshot is just that model's JSON and comes back typed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from eventsourcing.domain import BaseAggregate, CanSnapshotAggregate
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel, ConfigDict

from ledger.decimal_text import AS_RECORDED
from ledger.events import GENESIS_HASH, EventMeta, LedgerEvent, Provenance

TState = TypeVar("TState", bound=BaseModel)


class LedgerAggregate(BaseAggregate[UUID], Generic[TState]):
    """An event-sourced aggregate whose history is a verifiable hash chain."""

    Event = LedgerEvent
    state_class: ClassVar[type[BaseModel]]
    state_version: ClassVar[int] = 1
    """The shape of ``state`` a snapshot holds. Raise it when the state gains something
    replay derives but an older snapshot cannot have: snapshots of another version are
    then ignored (:attr:`LedgerSnapshot.is_current`) and the aggregate is replayed."""

    def begin(self, state: TState) -> None:
        """Set the initial state (called by the created event on every replay)."""
        self.state: TState = state
        self.last_hash: str = GENESIS_HASH

    def record(
        self,
        event_class: type[LedgerEvent],
        provenance: Provenance,
        effective_date: date,
        reason: str | None = None,
        **fields: Any,
    ) -> None:
        """Append an event to the history, chained to the one before it."""
        self.trigger_event(
            event_class,
            timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, effective_date, reason),
            prev_hash=self.last_hash,
            **fields,
        )

    def chain(self, event: LedgerEvent) -> None:
        """Remember the hash of the event just applied (called by every ``apply``)."""
        self.last_hash = event.hash


class StateEvent(LedgerEvent):
    """An event that updates ``aggregate.state`` and advances the chain."""

    def apply(self, aggregate: Any) -> None:
        """Apply the event's change, then advance the chain."""
        self.change(aggregate.state)
        aggregate.chain(self)

    def change(self, state: Any) -> None:
        """Change the aggregate's state; overridden by each concrete event."""


class LedgerSnapshot(BaseModel, CanSnapshotAggregate[UUID]):
    """A snapshot: the aggregate's state model as JSON, plus its chain head."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    topic: str
    state: dict[str, Any]

    @classmethod
    def take(cls, aggregate: Any) -> LedgerSnapshot:
        """Capture the aggregate's state at its current version."""
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=aggregate.modified_on,
            topic=get_topic(type(aggregate)),
            state={
                "state_version": type(aggregate).state_version,
                "state": aggregate.state.model_dump(mode="json", context={"compact": True}),
                "last_hash": aggregate.last_hash,
                "created_on": aggregate.created_on.isoformat(),
                "modified_on": aggregate.modified_on.isoformat(),
            },
        )

    @property
    def is_current(self) -> bool:
        """True when the snapshot holds the state as its aggregate class now shapes it."""
        version = getattr(resolve_topic(self.topic), "state_version", 1)
        return bool(self.state.get("state_version", 1) == version)

    def mutate(self, _: None) -> Any:
        """Rebuild the aggregate from the snapshot."""
        cls = resolve_topic(self.topic)
        aggregate = object.__new__(cls)
        aggregate.__dict__.update(
            _id=self.originator_id,
            _version=self.originator_version,
            _created_on=datetime.fromisoformat(self.state["created_on"]),
            _modified_on=datetime.fromisoformat(self.state["modified_on"]),
            _pending_events=[],
            state=cls.state_class.model_validate(self.state["state"], context=AS_RECORDED),
            last_hash=self.state["last_hash"],
        )
        return aggregate
