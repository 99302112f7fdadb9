"""Load, decide, save — exactly once per client key, retrying lost races.

Every handler hands :func:`execute` a ``decide`` function. ``execute`` stamps the attempt,
asks ``decide`` for the aggregates it changed, and saves them together with an
idempotency record in one transaction. When the save loses an optimistic-concurrency race
it decides again on fresh state, a bounded number of times.

The fast path does no extra read for idempotency: a retried request normally fails to
save (its derived ids or its key record already exist), and only then is the key's
earlier use looked up and its original outcome returned.

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

from commands.base import Outcome
from ledger.application import WriteConflict
from ledger.errors import ConcurrencyExhausted, IdempotencyKeyReused, LedgerError, NotFound
from ledger.idempotency import IdempotencyRecord, record_id_for

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
        provenance = context.provenance(runtime.clock.now())
        try:
            with runtime.ledger.exclusive(target_id):
                aggregates, result = decide(provenance)
                outcome = Outcome(
                    command=command.command_name,
                    target_id=target_id,
                    version=aggregates[0].version if aggregates else 0,
                    events=[type(e).__name__ for a in aggregates for e in a.pending_events],
                    result=result,
                )
                record = IdempotencyRecord.use(
                    provenance,
                    key=context.idempotency_key,
                    target_id=target_id,
                    command=command.command_name,
                    fingerprint=fingerprint,
                    outcome=outcome.model_dump(mode="json"),
                )
                position = runtime.ledger.save_all(*aggregates, record)
            return outcome.model_copy(update={"position": position})
        except (WriteConflict, LedgerError) as error:
            earlier = earlier_outcome(runtime, target_id, context.idempotency_key, fingerprint)
            if earlier is not None:
                return earlier
            if isinstance(error, LedgerError):
                raise
            backoff = min(MAX_BACKOFF, 0.001 * 2 ** attempt)
            time.sleep(random.uniform(0, backoff))  # noqa: S311  (jitter, not security)
    raise ConcurrencyExhausted(customer=str(target_id), attempts=MAX_ATTEMPTS)


def earlier_outcome(
    runtime: Runtime, target_id: UUID, key: str, fingerprint: str
) -> Outcome | None:
    """The original outcome of ``key`` on ``target_id``, if the key was used before.

    Raises:
        IdempotencyKeyReused: the earlier use was for a different request.
    """
    try:
        record = runtime.ledger.load(record_id_for(target_id, key), IdempotencyRecord)
    except NotFound:
        return None
    if record.state.fingerprint != fingerprint:
        raise IdempotencyKeyReused(key=key)
    original = Outcome.model_validate(record.state.outcome)
    return original.model_copy(update={"replayed": True})
