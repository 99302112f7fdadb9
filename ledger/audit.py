"""Audit: verify a history's hash chain, and replay a history as of a point in time.

Both work on what the event store returns and do no I/O themselves, so an auditor's
tooling (API, CLI) and the tests share one definition of "verified" and "as of".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.errors import InvalidField
from ledger.events import GENESIS_HASH, canonical_hash

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import date, datetime
    from uuid import UUID

    from ledger.events import LedgerEvent


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying one aggregate's chain."""

    aggregate_id: UUID
    events: int
    first_broken_version: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every link holds."""
        return self.first_broken_version is None


def verify_chain(aggregate_id: UUID, stored: Iterable[dict[str, Any]]) -> ChainReport:
    """Check each stored event's own hash and its link to the one before.

    Args:
        aggregate_id: whose history this is.
        stored: the events' states exactly as stored, oldest first.

    Returns:
        A report naming the first version whose hash or link is wrong, if any.
    """
    expected_prev = GENESIS_HASH
    count = 0
    for count, state in enumerate(stored, start=1):
        version = state.get("originator_version")
        if version != count:
            return ChainReport(aggregate_id, count, count, f"version {version} out of sequence")
        if state.get("prev_hash") != expected_prev:
            return ChainReport(aggregate_id, count, count, "link to the previous event is broken")
        if canonical_hash(state) != state.get("hash"):
            return ChainReport(aggregate_id, count, count, "content does not match its hash")
        expected_prev = state["hash"]
    return ChainReport(aggregate_id, count)


def replay(
    events: Sequence[LedgerEvent],
    *,
    version: int | None = None,
    recorded_at: datetime | None = None,
    effective_on: date | None = None,
) -> Any:
    """Rebuild an aggregate from its events as of a version, a recorded instant or a business date.

    - ``version``: the state right after that version was recorded;
    - ``recorded_at``: what the ledger held at that instant (events recorded up to it);
    - ``effective_on``: every event effective on or before that business date, including
      corrections recorded later (the "as we now know it" view of that date).

    Returns:
        The aggregate, or None when nothing had happened yet.
    """
    chosen = [
        e
        for e in events
        if (version is None or e.originator_version <= version)
        and (recorded_at is None or e.recorded_at <= recorded_at)
        and (effective_on is None or e.effective_date <= effective_on or e.originator_version == 1)
    ]
    if not chosen or chosen[0].originator_version != 1:
        return None
    if effective_on is not None and chosen[0].effective_date > effective_on:
        return None
    aggregate: Any = chosen[0].mutate(None)
    for event in chosen[1:]:
        try:
            event.apply(aggregate)
        except (KeyError, AttributeError):
            # e.g. a payment effective that day settles an invoice issued after it
            raise InvalidField(field="effective_on", why=(
                f"version {event.originator_version} ({type(event).__name__}) depends on an "
                f"event effective after {effective_on}; replay as of a version or an "
                "instant instead")) from None
        aggregate.version = event.originator_version
        aggregate.modified_on = event.recorded_at
    return aggregate
