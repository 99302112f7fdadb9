"""The event base: immutable facts with provenance and a hash chain.

Every event of a customer's (or tariff's) history is a frozen pydantic model. Besides its
business fields it carries:

- ``meta``: who recorded it (actor), through what (source), why (reason), for which
  business date it is effective, and the correlation, causation and idempotency ids;
- ``timestamp``: when the ledger recorded it;
- ``prev_hash`` and ``hash``: the SHA-256 of the previous event and of this event's
  canonical form (sorted-key JSON of every field but ``hash``), so that a customer's
  history is a chain that a verifier can check link by link.

Schema evolution uses the library's convention: a class sets ``class_version`` and offers
``upcast_vN_vN+1(state)`` static methods; the mapper applies them on read. Hashes are always
checked against the stored (pre-upcast) form.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

import orjson
from eventsourcing.domain import CanInitAggregate, CanMutateAggregate
from pydantic import BaseModel, ConfigDict, Field

Source = Literal["api", "cli", "import", "scheduler", "gateway", "crm", "web", "demo", "system"]

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first event of every history."""

_UNHASHED = frozenset({"hash", "class_version"})


class Provenance(BaseModel):
    """Who records, through what, when, and under which ids: shared by a command's events."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str = Field(min_length=1)
    source: Source
    recorded_at: datetime
    correlation_id: UUID
    causation_id: UUID | None = None
    idempotency_key: str | None = None


class EventMeta(BaseModel):
    """The provenance stored on each event, plus its reason and business date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str
    source: Source
    effective_date: date
    reason: str | None = None
    correlation_id: UUID
    causation_id: UUID | None = None
    idempotency_key: str | None = None

    @classmethod
    def stamp(cls, provenance: Provenance, effective_date: date, reason: str | None) -> EventMeta:
        """Build the metadata of one event from its command's provenance."""
        return cls(
            actor=provenance.actor,
            source=provenance.source,
            effective_date=effective_date,
            reason=reason,
            correlation_id=provenance.correlation_id,
            causation_id=provenance.causation_id,
            idempotency_key=provenance.idempotency_key,
        )


def canonical_hash(state: dict[str, Any]) -> str:
    """SHA-256 of an event's stored form, leaving out the hash itself and the schema version."""
    canonical = {k: v for k, v in state.items() if k not in _UNHASHED}
    return hashlib.sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()


class LedgerEvent(BaseModel, CanMutateAggregate[UUID]):
    """Base of every event the ledger stores."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    meta: EventMeta
    prev_hash: str
    hash: str = ""

    class_version: ClassVar[int] = 1

    def model_post_init(self, _: Any, /) -> None:
        """Seal a new event with its hash; a stored event keeps the hash it was read with."""
        if not self.hash:
            object.__setattr__(self, "hash", canonical_hash(self.model_dump(mode="json")))

    @property
    def recorded_at(self) -> datetime:
        """When the ledger recorded the event (the library's ``timestamp``)."""
        return self.timestamp

    @property
    def effective_date(self) -> date:
        """The business date the event takes effect."""
        return self.meta.effective_date

    @classmethod
    def event_name(cls) -> str:
        """The past-tense name an accountant reads (``PaymentReceived``)."""
        return cls.__name__


class LedgerCreated(LedgerEvent, CanInitAggregate[UUID]):
    """Base of the first event of an aggregate's history."""

    originator_topic: str
