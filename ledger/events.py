"""The event base: immutable facts with provenance and a hash chain.

Every event of a customer's (or tariff's) history is a frozen pydantic model. Besides its
business fields it carries:

- ``meta``: who recorded it (actor), through what (source), why (reason), for which
  business date it is effective, and the correlation, causation and idempotency ids;
- ``timestamp``: when the ledger recorded it;
- ``sealed_as``: the stable name of the event's kind and its schema version, so that the
  hash covers what the stored row's topic and ``class_version`` say (they sit outside the
  stored state); events recorded before seals existed have none (see :class:`Seal`);
- ``prev_hash`` and ``hash``: the SHA-256 of the previous event and of this event's
  canonical form (sorted-key JSON of every field but ``hash``), so that a customer's
  history is a chain that a verifier can check link by link.

Schema evolution uses the library's convention: a class sets ``class_version`` and offers
``upcast_vN_vN+1(state)`` static methods; the mapper applies them on read. Hashes and seals
are always checked against the stored (pre-upcast) form.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any, ClassVar, Literal, cast
from uuid import UUID

import orjson
from eventsourcing.domain import CanInitAggregate, CanMutateAggregate
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

Source = Literal["api", "cli", "import", "scheduler", "gateway", "crm", "web", "demo", "system"]

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first event of every history."""

_UNHASHED = frozenset({"hash", "class_version"})
"""Left out of the canonical form: the hash itself, and the schema version, which the mapper
writes beside the fields (and which :class:`Seal` covers instead, so old hashes still hold)."""

SEAL_FIELD = "sealed_as"
"""The stored field that carries an event's :class:`Seal`."""


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


class Seal(BaseModel):
    """What an event was recorded as: its kind and schema version, inside what its hash covers.

    Why: the stored row names the event's class (its topic) and schema version
    (``class_version``) beside the state, where the hash does not reach, so whoever can
    write to the database could relabel an event as another class with the same fields, or
    make the mapper upcast a current event as an old one. Every event recorded since seals
    exist carries one, and the verifier (and the mapper, on every read) checks the row's
    topic and ``class_version`` against it. Events stored before have none and keep
    verifying as they were hashed; a seal stripped from a newer one breaks its hash, and
    one missing after a sealed event of the same history is reported (seals never stop).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    """The stable name of the event's kind (:meth:`LedgerEvent.kind_name`), not its topic."""
    version: int
    """The ``class_version`` the event was recorded at (the stored row's, before upcasting)."""


def seal_problem(cls: type[Any] | None, state: dict[str, Any]) -> str | None:
    """Why a stored row's topic or schema version is not what its event was sealed as, if so.

    Args:
        cls: the class the row's topic names (None: it names none).
        state: the row's state exactly as stored, before upcasting.

    Returns:
        None for a row that agrees with its seal, and for a row without one (an event
        recorded before seals existed: whether one was due is the verifier's question).
    """
    sealed = state.get(SEAL_FIELD)
    if sealed is None:
        return None
    if not isinstance(sealed, dict) or not isinstance(sealed.get("kind"), str):
        return "its seal cannot be read"
    if cls is None or not issubclass(cls, LedgerEvent):
        return f"its topic names no event class, but it was sealed as {sealed['kind']}"
    if cls.kind_name() != sealed["kind"]:
        return f"stored as {cls.kind_name()}, but it was sealed as {sealed['kind']}"
    if state.get("class_version", 1) != sealed.get("version"):
        return (f"stored as version {state.get('class_version', 1)} of its class, but it was"
                f" sealed as version {sealed.get('version')}")
    return None


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
    sealed_as: Seal | None = None
    """None only on events recorded before seals existed: left out of their dump
    (:meth:`_without_missing_seal`), so they re-serialise exactly as stored."""
    prev_hash: str
    hash: str = ""

    class_version: ClassVar[int] = 1
    former_kind: ClassVar[str | None] = None
    """Set only on a class renamed after events of it were stored: the name they were sealed
    under (register the old topic too, with ``eventsourcing.utils.register_topic``)."""

    def model_post_init(self, _: Any, /) -> None:
        """Seal a new event and hash it; a stored event keeps the seal and hash it was read with."""
        if not self.hash:
            cls = type(self)
            object.__setattr__(self, "sealed_as",
                               Seal(kind=cls.kind_name(), version=cls.class_version))
            object.__setattr__(self, "hash", canonical_hash(self.model_dump(mode="json")))

    @model_serializer(mode="wrap")
    def _without_missing_seal(self, dump: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The fields as dumped, less ``sealed_as`` on an event recorded before seals existed.

        Why: such an event was stored, and hashed, without the field; dumped with
        ``sealed_as: null`` it would no longer be its stored form.
        """
        fields = cast("dict[str, Any]", dump(self))
        if SEAL_FIELD in fields and fields[SEAL_FIELD] is None:
            del fields[SEAL_FIELD]
        return fields

    @property
    def recorded_at(self) -> datetime:
        """When the ledger recorded the event (the library's ``timestamp``)."""
        return self.timestamp

    @property
    def effective_date(self) -> date:
        """The business date the event takes effect."""
        return self.meta.effective_date

    @classmethod
    def kind_name(cls) -> str:
        """The stable name new events of this class are sealed as (:class:`Seal`).

        Not the topic: a module path changes when code moves, and the seal must not. The
        qualified class name (``PaymentReceived``, ``Customer.Event``), unless the class was
        renamed after events were stored (``former_kind``, not inherited).
        """
        former = cls.__dict__.get("former_kind")
        return former if isinstance(former, str) else cls.__qualname__

    @classmethod
    def event_name(cls) -> str:
        """The past-tense name an accountant reads (``PaymentReceived``)."""
        return cls.__name__


class LedgerCreated(LedgerEvent, CanInitAggregate[UUID]):
    """Base of the first event of an aggregate's history."""

    originator_topic: str
