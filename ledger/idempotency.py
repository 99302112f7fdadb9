"""Idempotency records: what a client key already did, stored with what it did.

A command that carries a client key saves, in the same transaction as its events, a tiny
aggregate whose id is derived from (target aggregate, key). A second save under the same
key therefore fails on the event store's unique key, atomically with the events it would
have duplicated. The record keeps a fingerprint of the request and the outcome, so that a
retry gets the original answer and a different request under the same key is refused.

Keys are scoped to the aggregate a command targets (one customer, one tariff), which keeps
every record in the same shard as the customer it protects.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict

from ledger.aggregate import LedgerAggregate
from ledger.events import GENESIS_HASH, EventMeta, LedgerCreated, Provenance

_KEYS = uuid5(NAMESPACE_URL, "https://lbx.dev/idempotency-keys/")


def record_id_for(target_id: UUID, key: str) -> UUID:
    """The id of the record that protects ``key`` on ``target_id``."""
    return uuid5(_KEYS, f"{target_id}/{key}")


class KeyUse(BaseModel):
    """What a key was used for: the request's fingerprint and its outcome."""

    model_config = ConfigDict(extra="forbid")

    key: str
    target_id: UUID
    command: str
    fingerprint: str
    outcome: dict[str, Any]


class IdempotencyKeyUsed(LedgerCreated):
    """A client key was used for a request whose outcome is kept here."""

    key: str
    target_id: UUID
    command: str
    fingerprint: str
    outcome: dict[str, Any]

    def apply(self, aggregate: Any) -> None:
        """Keep the key's use."""
        aggregate.begin(KeyUse(key=self.key, target_id=self.target_id, command=self.command,
                               fingerprint=self.fingerprint, outcome=self.outcome))
        aggregate.chain(self)


class IdempotencyRecord(LedgerAggregate[KeyUse]):
    """The use of one client key on one target."""

    state_class: ClassVar[type[KeyUse]] = KeyUse

    @classmethod
    def use(
        cls,
        provenance: Provenance,
        *,
        key: str,
        target_id: UUID,
        command: str,
        fingerprint: str,
        outcome: dict[str, Any],
    ) -> IdempotencyRecord:
        """Record that ``key`` produced ``outcome`` for a request with ``fingerprint``."""
        return cls._create(
            IdempotencyKeyUsed,
            id=record_id_for(target_id, key),
            timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, provenance.recorded_at.date(), None),
            prev_hash=GENESIS_HASH,
            key=key,
            target_id=target_id,
            command=command,
            fingerprint=fingerprint,
            outcome=outcome,
        )
