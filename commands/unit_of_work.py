"""Load, decide, save — exactly once per client key, retrying lost races.

Every handler hands :func:`execute` a ``decide`` function. ``execute`` stamps the attempt,
asks ``decide`` for the aggregates it changed, and saves them together with an
idempotency record in one transaction. When the save loses an optimistic-concurrency race
it decides again on fresh state, a bounded number of times. A decision that changes
nothing is checked against the store instead (no save would conflict): made on a copy that
another process had moved past, it is made again on fresh state.

The fast path does no extra read for idempotency: a retried request normally fails to
save (its derived ids or its key record already exist), and only then is the key's
earlier use looked up and its original outcome returned, with the log's current position
(at least the original commit's), so that the client can still wait for its own write.
A command whose target a body field names also files its key under its command type (see
:mod:`ledger.idempotency`), so a reused key with another target is refused as well.

Handlers load the aggregates they change with ``for_update=True``: the cached object is
taken out of the cache rather than deep-copied, so a decision that fails part-way leaves
nothing half-changed behind, and no other thread ever holds the same object. From load to
save ``execute`` holds the target's in-process writer lock, so commands on one customer
in this process take turns instead of racing.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING, Any

from commands.base import FINGERPRINT_VERSION, Outcome
from ledger.application import WriteConflict
from ledger.errors import ConcurrencyExhausted, IdempotencyKeyReused, LedgerError, NotFound
from ledger.idempotency import IdempotencyRecord, record_id_for, scope_for

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from commands.base import Command, Context
    from commands.runtime import Runtime
    from ledger.aggregate import LedgerAggregate
    from ledger.events import Provenance

    Decision = tuple[list[LedgerAggregate[Any]], dict[str, Any]]

MAX_ATTEMPTS = 60
MAX_BACKOFF = 0.05
"""Seconds: exponential backoff with full jitter, capped, between lost races."""


def execute(
    runtime: Runtime,
    context: Context,
    command: Command,
    target_id: UUID,
    decide: Callable[[Provenance], Decision],
) -> Outcome:
    """Run one command against one target aggregate, idempotently, with bounded retries.

    Raises:
        IdempotencyKeyReused: the key was already used for a different request.
        ConcurrencyExhausted: the target kept changing under us.
        LedgerError: the command was refused; nothing was written.
    """
    fingerprint = command.fingerprint()
    for attempt in range(MAX_ATTEMPTS):
        try:
            with runtime.ledger.exclusive(target_id):
                # stamped once the writer's lock is held: an attempt that queued behind
                # another writer is not stamped before the events that saved first
                provenance = context.provenance(runtime.clock.now())
                aggregates, result = decide(provenance)
                if stale := runtime.ledger.outdated(
                        *(a for a in aggregates if not a.pending_events)):
                    for aggregate_id in stale:  # decided on a copy another writer moved past
                        runtime.ledger.forget(aggregate_id)
                    continue
                outcome = Outcome(
                    command=command.command_name,
                    target_id=target_id,
                    version=aggregates[0].version if aggregates else 0,
                    events=[type(e).__name__ for a in aggregates for e in a.pending_events],
                    result=result,
                )
                records = key_records(provenance, context, command, fingerprint, outcome)
                position = runtime.ledger.save_all(*aggregates, *records)
            return outcome.model_copy(update={"position": position})
        except (WriteConflict, LedgerError) as error:
            earlier = earlier_outcome(runtime, target_id, context.idempotency_key, command)
            if earlier is not None:
                return earlier
            if isinstance(error, LedgerError):
                raise
            backoff = min(MAX_BACKOFF, 0.001 * 2 ** attempt)
            time.sleep(random.uniform(0, backoff))  # noqa: S311  (jitter, not security)
    raise ConcurrencyExhausted(customer=str(target_id), attempts=MAX_ATTEMPTS)


def key_records(
    provenance: Provenance, context: Context, command: Command, fingerprint: str,
    outcome: Outcome,
) -> list[IdempotencyRecord]:
    """The records of this use of the client key, to save with the command's events.

    One on the target; a second per command type when a body field names the target
    (:attr:`commands.base.Command.target_from_body`).
    """
    return [
        IdempotencyRecord.use(
            provenance,
            key=context.idempotency_key,
            target_id=outcome.target_id,
            command=command.command_name,
            fingerprint=fingerprint,
            fingerprint_version=FINGERPRINT_VERSION,
            outcome=outcome.model_dump(mode="json"),
            scope=place,
        )
        for place in _places(command, outcome.target_id)
    ]


def earlier_outcome(
    runtime: Runtime, target_id: UUID, key: str, command: Command
) -> Outcome | None:
    """The original outcome of ``key`` on ``target_id``, if the key was used before.

    Its ``position`` is the log's head now: the original commit's position was not known
    when the outcome was recorded, and the head is at or after it, so a reader may wait
    for it.

    Raises:
        IdempotencyKeyReused: the earlier use was for a different request.
    """
    for place in _places(command, target_id):
        try:
            record = runtime.ledger.load(record_id_for(place, key), IdempotencyRecord)
        except NotFound:
            continue
        if not _same_request(record, command):
            raise IdempotencyKeyReused(key=key)
        original = Outcome.model_validate(record.state.outcome)
        return original.model_copy(
            update={"replayed": True, "position": runtime.ledger.max_position()})
    return None


def execute_once(
    runtime: Runtime, context: Context, command: Command, work: Callable[[], dict[str, Any]],
) -> Outcome:
    """Do ``work`` once per client key and keep what it answered: a retry replays that.

    For work of many transactions that is safe to repeat by itself (a dunning run over
    every customer): it cannot commit together with its key, so the key is recorded after
    it, under the command type's scope. A run killed half-way records nothing, and a retry
    runs it again (repeating nothing it did); of two identical requests at once, both may
    run and the second to record answers the first one's outcome.

    Raises:
        IdempotencyKeyReused: the key was already used for a different request.
        LedgerError: ``work`` refused; nothing was recorded under the key.
    """
    scope = scope_for(command.command_name)
    key = context.idempotency_key
    earlier = earlier_outcome(runtime, scope, key, command)
    if earlier is not None:
        return earlier
    outcome = Outcome(command=command.command_name, target_id=scope, version=0, events=[],
                      result=work())
    provenance = context.provenance(runtime.clock.now())
    (record,) = key_records(provenance, context, command, command.fingerprint(), outcome)
    try:
        position = runtime.ledger.save_all(record)
    except WriteConflict:
        earlier = earlier_outcome(runtime, scope, key, command)
        if earlier is None:  # pragma: no cover - a key record conflicts only with itself
            raise
        return earlier
    return outcome.model_copy(update={"position": position})


def _places(command: Command, target_id: UUID) -> list[UUID]:
    """Where the uses of a key by ``command`` on ``target_id`` are filed."""
    if command.target_from_body:
        return [target_id, scope_for(command.command_name)]
    return [target_id]


def _same_request(record: IdempotencyRecord, command: Command) -> bool:
    """Whether ``command`` is the request ``record`` kept, by the fingerprint it holds."""
    if record.state.fingerprint_version < FINGERPRINT_VERSION:
        return record.state.fingerprint == command.legacy_fingerprint()
    return record.state.fingerprint == command.fingerprint()
