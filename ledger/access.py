"""API keys and roles: who may send commands, query, audit, or administer.

Keys live in one event-sourced key ring, so issuing and revoking a key leaves the same
audit trail as any billing fact. Only a SHA-256 of each key's secret is stored; the
secret is shown when the key is issued (a secret the API derived from the installation
secret can be shown again to a retry of that issue). Secrets are 32 random or HMAC-derived
bytes, so a fast hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from ledger.aggregate import LedgerAggregate, StateEvent
from ledger.errors import Conflict, NotFound
from ledger.events import GENESIS_HASH, EventMeta, LedgerCreated

if TYPE_CHECKING:
    from ledger.events import Provenance

KEY_RING_ID = uuid5(NAMESPACE_URL, "https://lbx.dev/key-ring")


class Role(StrEnum):
    """What a key may do."""

    SERVICE = "service"
    ACCOUNTANT = "accountant"
    AUDITOR = "auditor"
    ADMIN = "admin"


def secret_hash(secret: str) -> str:
    """The stored form of a key's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(BaseModel):
    """One issued key (without its secret)."""

    model_config = ConfigDict(extra="forbid")

    key_id: str
    name: str
    role: Role
    secret_sha256: str
    issued_on: date
    revoked: bool = False

    def matches(self, secret: str) -> bool:
        """Compare a presented secret in constant time."""
        return hmac.compare_digest(self.secret_sha256, secret_hash(secret))


class KeyRingState(BaseModel):
    """All keys ever issued."""

    model_config = ConfigDict(extra="forbid")

    keys: dict[str, ApiKey] = Field(default_factory=dict)


class KeyRingOpened(LedgerCreated):
    """The key ring was created (once per installation)."""

    def apply(self, aggregate: Any) -> None:
        """Start with no keys."""
        aggregate.begin(KeyRingState())
        aggregate.chain(self)


class ApiKeyIssued(StateEvent):
    """A key was issued to a person or service with a role."""

    key_id: str
    name: str
    role: Role
    secret_sha256: str

    def change(self, state: KeyRingState) -> None:
        """Add the key."""
        state.keys[self.key_id] = ApiKey(
            key_id=self.key_id, name=self.name, role=self.role,
            secret_sha256=self.secret_sha256, issued_on=self.meta.effective_date,
        )


class ApiKeyRevoked(StateEvent):
    """A key was revoked; it no longer authenticates."""

    key_id: str

    def change(self, state: KeyRingState) -> None:
        """Mark the key revoked."""
        state.keys[self.key_id].revoked = True


class KeyRing(LedgerAggregate[KeyRingState]):
    """The installation's API keys."""

    state_class: ClassVar[type[KeyRingState]] = KeyRingState

    @classmethod
    def open(cls, provenance: Provenance, effective_date: date) -> KeyRing:
        """Create the empty key ring."""
        return cls._create(
            KeyRingOpened, id=KEY_RING_ID, timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, effective_date, None), prev_hash=GENESIS_HASH,
        )

    def issue(
        self, provenance: Provenance, effective_date: date, *, key_id: str, name: str,
        role: Role, secret: str,
    ) -> None:
        """Issue a key; the caller shows ``secret`` once and forgets it."""
        if key_id in self.state.keys:
            raise Conflict("key {key_id} already exists", field="key_id", key_id=key_id)
        self.record(
            ApiKeyIssued, provenance, effective_date,
            key_id=key_id, name=name, role=role, secret_sha256=secret_hash(secret),
        )

    def revoke(
        self, provenance: Provenance, effective_date: date, key_id: str, reason: str
    ) -> bool:
        """Revoke a key; return False if it was already revoked."""
        key = self.state.keys.get(key_id)
        if key is None:
            raise NotFound("no key {key_id}", field="key_id", key_id=key_id)
        if key.revoked:
            return False
        self.record(ApiKeyRevoked, provenance, effective_date, reason, key_id=key_id)
        return True

    def authenticate(self, key_id: str, secret: str) -> ApiKey | None:
        """The live key with this id and secret, or None."""
        key = self.state.keys.get(key_id)
        if key is None or key.revoked or not key.matches(secret):
            return None
        return key


def key_ring_id() -> UUID:
    """The id of the installation's key ring."""
    return KEY_RING_ID
