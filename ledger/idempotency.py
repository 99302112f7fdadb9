"""Idempotency records: what a client key already did, stored with what it did.

A command that carries a client key saves, in the same transaction as its events, a tiny
aggregate whose id is derived from (target aggregate, key). A second save under the same
key therefore fails on the event store's unique key, atomically with the events it would
have duplicated. The record keeps a fingerprint of the request and the outcome, so that a
retry gets the original answer and a different request under the same key is refused.

Keys are scoped to the aggregate a command targets (one customer, one tariff), which keeps
every record in the same shard as the customer it protects. A command whose target a body
field names (a new customer's external key, a tariff's code) files a second record under
a fixed scope of its command type, in the same transaction: the same key sent again with
another external key finds that record and is refused, instead of reaching another target
that has none.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict

from ledger.aggregate import LedgerAggregate
from ledger.events import GENESIS_HASH, EventMeta, LedgerCreated, Provenance

_KEYS = uuid5(NAMESPACE_URL, "https://lbx.dev/idempotency-keys/")
_SCOPES = uuid5(NAMESPACE_URL, "https://lbx.dev/idempotency-scopes/")


def record_id_for(target_id: UUID, key: str) -> UUID:
    """The id of the record that protects ``key`` on ``target_id`` (or on a scope)."""
    return uuid5(_KEYS, f"{target_id}/{key}")


def scope_for(command: str) -> UUID:
    """The fixed scope under which every use of a key by ``command`` is also filed."""
    return uuid5(_SCOPES, command)


class KeyUse(BaseModel):
    """What a key was used for: the request's fingerprint (of which version), its outcome."""

    model_config = ConfigDict(extra="forbid")

    key: str
    target_id: UUID
    command: str
    fingerprint: str
    fingerprint_version: int
    outcome: dict[str, Any]


class IdempotencyKeyUsed(LedgerCreated):
    """A client key was used for a request whose outcome is kept here.

    Version 2 says which version of the command's fingerprint it holds (the commands
    define them); version-1 records hold version 1.
    """

    class_version: ClassVar[int] = 2

    key: str
    target_id: UUID
    command: str
    fingerprint: str
    fingerprint_version: int
    outcome: dict[str, Any]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version-1 records hold the first form of fingerprint."""
        state["fingerprint_version"] = 1

    def apply(self, aggregate: Any) -> None:
        """Keep the key's use."""
        aggregate.begin(KeyUse(key=self.key, target_id=self.target_id, command=self.command,
                               fingerprint=self.fingerprint,
                               fingerprint_version=self.fingerprint_version,
                               outcome=self.outcome))
        aggregate.chain(self)


class IdempotencyRecord(LedgerAggregate[KeyUse]):
    """The use of one client key on one target (or in one command type's scope)."""

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
        fingerprint_version: int,
        outcome: dict[str, Any],
        scope: UUID | None = None,
    ) -> IdempotencyRecord:
        """Record that ``key`` produced ``outcome`` for a request with ``fingerprint``.

        The record is filed under ``target_id``, or under ``scope`` (see :func:`scope_for`)
        when one is given; either way it names the target the key acted on.
        """
        return cls._create(
            IdempotencyKeyUsed,
            id=record_id_for(scope or target_id, key),
            timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, provenance.recorded_at.date(), None),
            prev_hash=GENESIS_HASH,
            key=key,
            target_id=target_id,
            command=command,
            fingerprint=fingerprint,
            fingerprint_version=fingerprint_version,
            outcome=outcome,
        )
