"""Audit: verify a history's hash chain and its snapshots, and replay a history as of a point.

They work on what the event store returns and do no I/O themselves, so an auditor's
tooling (API, CLI, workspace) and the tests share one definition of "verified" and "as of".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ledger.aggregate import LedgerSnapshot
from ledger.errors import Conflict, InvalidField
from ledger.events import GENESIS_HASH, canonical_hash

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import date, datetime
    from uuid import UUID

    from ledger.events import LedgerEvent


class HistoryUnreadable(Conflict):
    """Raised when a stored event no longer parses as its class (the history was altered?).

    Why a conflict, not a refusal of the request: the request is fine; what is recorded
    is not. The chain check (``verify``) reads the stored rows without parsing them and
    says where the history breaks.
    """

    title = "Stored history cannot be read"
    template = ("stored event v{version} of {aggregate} cannot be read (history altered?):"
                " verify its chain")


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying one aggregate's chain (and, for a customer, its snapshots)."""

    aggregate_id: UUID
    events: int
    first_broken_version: int | None = None
    problem: str | None = None
    snapshots: int = 0
    """How many stored snapshots were compared with a replay of the events."""
    forged_snapshot: int | None = None
    """The version of the first stored snapshot that is not what its events replay to."""
    snapshot_problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every link holds and every snapshot checked is its events' replay."""
        return self.first_broken_version is None and self.forged_snapshot is None


def verify_chain(aggregate_id: UUID, stored: Iterable[dict[str, Any]]) -> ChainReport:
    """Check each stored event's own hash and its link to the one before.

    A history must start at version 1 from the genesis hash and go on without a gap, so
    a history whose first events were deleted is broken at version 1.

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


def verify_snapshots(
    report: ChainReport, events: Iterable[LedgerEvent], snapshots: Sequence[LedgerSnapshot],
) -> ChainReport:
    """Compare each stored snapshot with a replay of the events up to its version.

    Loading trusts a snapshot (it is what keeps loading fast), so a snapshot altered in
    the store would change the book the ledger acts on while the event chain still holds.
    Here each one must carry the hash of the event at its version as its chain head, and
    exactly the state (and times) that replaying the events up to that version gives.

    Args:
        report: the chain's report; an already broken chain is returned as it is.
        events: the history, parsed, oldest first.
        snapshots: the stored snapshots of the current state shape (older shapes are
            never loaded), any order.

    Returns:
        The report, with the number of snapshots checked and the first forged one.
    """
    if not report.ok or not snapshots:
        return report
    wanted = {s.originator_version: s for s in snapshots}
    aggregate: Any = None
    for event in events:
        aggregate = event.mutate(aggregate)
        snapshot = wanted.pop(event.originator_version, None)
        if snapshot is None:
            continue
        problem = _snapshot_problem(snapshot, event, LedgerSnapshot.take(aggregate))
        if problem:
            return replace(report, snapshots=len(snapshots) - len(wanted),
                           forged_snapshot=snapshot.originator_version, snapshot_problem=problem)
        if not wanted:
            break
    if wanted:
        version = min(wanted)
        return replace(report, snapshots=len(snapshots), forged_snapshot=version,
                       snapshot_problem="a snapshot of a version the history does not have")
    return replace(report, snapshots=len(snapshots))


def _snapshot_problem(stored: LedgerSnapshot, event: LedgerEvent, replayed: LedgerSnapshot,
                      ) -> str | None:
    if stored.state.get("last_hash") != event.hash:
        return "its chain head is not the hash of the event at its version"
    if stored.topic != replayed.topic or stored.state != replayed.state:
        return "its state is not what the events up to its version replay to"
    return None


def replay(
    events: Sequence[LedgerEvent],
    *,
    version: int | None = None,
    recorded_at: datetime | None = None,
    effective_on: date | None = None,
) -> Any:
    """Rebuild an aggregate from its events as of a version, a recorded instant or a business date.

    - ``version``: the state right after that version was recorded;
    - ``recorded_at``: what the ledger held at that instant: the longest run of versions
      from 1 whose events were all recorded at or before it. Replay stops at the first
      event recorded later, so an event stamped early but saved after a later one (a
      writer that waited for the customer's lock, or another process's clock) never
      shows up before the versions it follows: every state shown is one that existed;
    - ``effective_on``: every event effective on or before that business date, including
      corrections recorded later (the "as we now know it" view of that date).

    Returns:
        The aggregate, or None when nothing had happened yet.
    """
    chosen = []
    for e in events:
        if recorded_at is not None and e.recorded_at > recorded_at:
            break
        if (version is None or e.originator_version <= version) and (
                effective_on is None or e.effective_date <= effective_on
                or e.originator_version == 1):
            chosen.append(e)
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
                "version {version} ({event}) depends on an event effective after"
                " {effective_on}; replay as of a version or an instant instead"),
                version=event.originator_version, event=type(event).__name__,
                effective_on=effective_on) from None
        aggregate.version = event.originator_version
        aggregate.modified_on = event.recorded_at
    return aggregate
