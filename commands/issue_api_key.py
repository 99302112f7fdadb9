"""IssueApiKey and RevokeApiKey: manage who may use the API (admins only)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Annotated
from uuid import uuid5

from pydantic import Field

from commands.base import Command, Reason, Text
from commands.unit_of_work import execute
from ledger.access import KEY_RING_ID, KeyRing, Role
from ledger.errors import NotFound

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class IssueApiKey(Command):
    """Issue a key with a role. ``secret`` may be given (e.g. a demo key); normally it is drawn.

    The API gives one derived from the installation secret and the key's id, so that a retry
    under the same ``Idempotency-Key`` shows the same token again.
    """

    name: Text
    role: Role
    secret: Annotated[str, Field(min_length=16, max_length=200, pattern=r"^[\w-]+$")] | None = None


class RevokeApiKey(Command):
    """Revoke a key, saying why."""

    key_id: Annotated[str, Field(min_length=1, max_length=64)]
    reason: Reason


NOT_SHOWN_AGAIN = ("the token was shown once, in the first answer, and is not kept; "
                   "if it was lost, revoke this key and issue another")


def key_id_for(idempotency_key: str) -> str:
    """The id of the key issued under ``idempotency_key`` (a retry derives it again)."""
    return str(uuid5(KEY_RING_ID, f"key/{idempotency_key}"))[:8]


def _ring(runtime: Runtime, provenance: Provenance, context: Context) -> KeyRing:
    try:
        return runtime.ledger.load(KEY_RING_ID, KeyRing)
    except NotFound:
        return KeyRing.open(provenance, context.effective_date or runtime.clock.today())


def handle_issue(command: IssueApiKey, context: Context, runtime: Runtime) -> Outcome:
    """Issue the key; the outcome carries the token, which is never stored in clear.

    A retry shows the token again when the command carries its secret; a secret drawn
    here is gone after the first answer, so a retry answers ``token: null`` and says so.
    """
    secret = command.secret or secrets.token_urlsafe(32)
    key_id = key_id_for(context.idempotency_key)

    def decide(provenance: Provenance) -> Decision:
        ring = _ring(runtime, provenance, context)
        ring.issue(
            provenance, context.effective_date or runtime.clock.today(),
            key_id=key_id, name=command.name, role=command.role, secret=secret,
        )
        return [ring], {"key_id": key_id, "role": command.role.value}

    outcome = execute(runtime, context, command, KEY_RING_ID, decide)
    if outcome.replayed and command.secret is None:
        shown = {"token": None, "token_note": NOT_SHOWN_AGAIN}
    else:
        shown = {"token": f"lbx_{key_id}_{secret}"}
    return outcome.model_copy(update={"result": {**outcome.result, **shown}})


def handle_revoke(command: RevokeApiKey, context: Context, runtime: Runtime) -> Outcome:
    """Revoke the key."""

    def decide(provenance: Provenance) -> Decision:
        ring = runtime.ledger.load(KEY_RING_ID, KeyRing)
        changed = ring.revoke(
            provenance, context.effective_date or runtime.clock.today(),
            command.key_id, command.reason,
        )
        return [ring], {"revoked": changed}

    return execute(runtime, context, command, KEY_RING_ID, decide)
