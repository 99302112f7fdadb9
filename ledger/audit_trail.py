"""The audit trail as stored: a customer's rows read without parsing, and their verification.

Why apart from loading: an auditor's question is whether the stored rows are what was
written, so these methods read rows (and snapshots) exactly as stored and check the hash
chain before anything is parsed; loading, by contrast, trusts the rows to build state fast.
The chain's hashes cover each row's state; each row's seal (``ledger.events.Seal``, inside
the state) is what covers the topic and ``class_version`` stored beside it.
:class:`AuditTrail` is mixed into :class:`ledger.application.Ledger`, whose recorder,
mapper and repository it reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from eventsourcing.utils import get_topic, resolve_topic

from ledger.aggregate import LedgerSnapshot
from ledger.audit import ChainReport, HistoryUnreadable, verify_chain, verify_snapshots
from ledger.customers import Customer
from ledger.customers.events import CustomerRegistered
from ledger.errors import CustomerNotFound
from ledger.events import SEAL_FIELD, LedgerEvent, seal_problem
from ledger.persistence import PydanticMapper

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from uuid import UUID


CUSTOMER_TOPICS = Customer.__module__.rpartition(".")[0] + "."
"""Every topic of a customer's events starts so (``ledger.customers.``)."""


def _subclasses(cls: type[Any]) -> Iterator[type[Any]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def customer_topics() -> list[str]:
    """The topics of every customer event class (all are imported with ``Customer``)."""
    return sorted({topic for cls in _subclasses(LedgerEvent)
                   if (topic := get_topic(cls)).startswith(CUSTOMER_TOPICS)})


def _event_class(topic: str) -> type[Any] | None:
    """The class a stored row's topic names, or None when it names none (it was altered?)."""
    try:
        return cast("type[Any]", resolve_topic(topic))
    except Exception:  # noqa: BLE001  (any topic that does not resolve names no class)
        return None


def verify_seals(aggregate_id: UUID, rows: Sequence[tuple[str, dict[str, Any]]],
                 ) -> ChainReport | None:
    """The first row whose topic or schema version is not what its event was sealed as.

    Also the first row without a seal after one with a seal: the code that seals never
    goes back, so such a row is an event stripped of its seal (and rehashed, or its hash
    would already be broken) to pass as one recorded before seals existed.

    Args:
        aggregate_id: whose history this is.
        rows: each stored row's topic and state exactly as stored, oldest first.

    Returns:
        A report broken at that row, or None when every seal holds.
    """
    sealed_before = False
    for version, (topic, state) in enumerate(rows, start=1):
        if SEAL_FIELD not in state:
            if sealed_before:
                return ChainReport(aggregate_id, version, version,
                                   "it has no seal, but an event before it has one")
            continue
        sealed_before = True
        problem = seal_problem(_event_class(topic), state)
        if problem is not None:
            return ChainReport(aggregate_id, version, version, problem)
    return None


def _first_break(chain: ChainReport, seals: ChainReport | None) -> ChainReport:
    """Of the chain's report and the seals', the one broken at the earlier version."""
    if seals is None or seals.first_broken_version is None:
        return chain
    if chain.first_broken_version is not None and (
            chain.first_broken_version <= seals.first_broken_version):
        return chain
    return seals


class AuditTrail:
    """Reading and verifying stored histories (mixed into the Ledger application)."""

    if TYPE_CHECKING:  # provided by the application this is mixed into
        recorder: Any
        mapper: Any
        repository: Any

        def history(self, aggregate_id: UUID) -> list[LedgerEvent]:
            """Every event of one aggregate, parsed (the application's)."""

        def _ids_with(self, topics: list[str]) -> Iterator[UUID]:
            """Ids of the notifications of ``topics`` (the application's)."""

    def stored_states(self, aggregate_id: UUID) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each stored event's topic and state exactly as written, for chain verification."""
        mapper = self.mapper
        assert isinstance(mapper, PydanticMapper)  # noqa: S101  (set in env above)
        for stored in self.recorder.select_events(aggregate_id):
            try:
                state = mapper.decode_state(stored)
            except ValueError:  # unreadable bytes: the verifier reports this version broken
                state = {"originator_version": stored.originator_version}
            yield stored.topic, state

    def customer_rows(self, customer_id: UUID) -> list[tuple[str, dict[str, Any]]]:
        """A customer's stored rows (topic, state as stored), without parsing any of them.

        A history counts as a customer's when any of its rows has a customer event's
        topic, so one whose registration was deleted is still found (and fails its check).

        Raises:
            CustomerNotFound: no stored row of that id is a customer event.
        """
        rows = list(self.stored_states(customer_id))
        if not any(topic.startswith(CUSTOMER_TOPICS) for topic, _ in rows):
            raise CustomerNotFound(customer=str(customer_id))
        return rows

    def verify_customer(self, customer_id: UUID) -> ChainReport:
        """Check a customer's chain from its stored rows, then its stored snapshots.

        The chain is checked before (and without) parsing any event, so an altered row is
        reported at its version rather than failing to load; so is each row's seal against
        its topic and schema version (:func:`verify_seals`). Version 1 must be the
        registration. Snapshots are compared with a replay only when the chain holds.

        Raises:
            CustomerNotFound: no stored row of that id is a customer event.
        """
        rows = self.customer_rows(customer_id)
        report = _first_break(verify_chain(customer_id, (state for _, state in rows)),
                              verify_seals(customer_id, rows))
        if report.ok and rows[0][0] != get_topic(CustomerRegistered):
            return ChainReport(customer_id, report.events, 1,
                               "version 1 is not the customer's registration")
        snapshots, unreadable = self._stored_snapshots(customer_id)
        if not report.ok or not (snapshots or unreadable):
            return report
        if unreadable is not None:
            return ChainReport(customer_id, report.events, forged_snapshot=unreadable,
                               snapshot_problem="it cannot be read")
        try:
            events = self.history(customer_id)
        except HistoryUnreadable as error:  # the chain holds, so the code cannot read it
            return ChainReport(customer_id, report.events, error.facts["version"], error.detail)
        return verify_snapshots(report, events, snapshots)

    def _stored_snapshots(self, aggregate_id: UUID) -> tuple[list[LedgerSnapshot], int | None]:
        """The stored snapshots of the current state shape, and the first unreadable one's version.

        Snapshots of an older shape are left out: loading passes over them too.
        """
        store = self.repository.snapshot_store
        found: list[LedgerSnapshot] = []
        if store is None:
            return found, None
        for row in store.recorder.select_events(aggregate_id):
            try:
                snapshot = store.mapper.to_domain_event(row)
            except Exception:  # noqa: BLE001  (an unreadable snapshot is reported, not raised)
                return found, row.originator_version
            if isinstance(snapshot, LedgerSnapshot) and snapshot.is_current:
                found.append(snapshot)
        return found, None

    def verify_customers(self) -> Iterator[ChainReport]:
        """:meth:`verify_customer` for every id any customer event is stored under."""
        for customer_id in self.customer_history_ids():
            yield self.verify_customer(customer_id)

    def customer_history_ids(self) -> Iterator[UUID]:
        """Every id with at least one stored customer event, in order of its first one.

        Unlike :meth:`customer_ids` (registrations), this finds a history whose
        registration row was deleted or altered, which is what a verifier must see.
        """
        seen: set[UUID] = set()
        for customer_id in self._ids_with(customer_topics()):
            if customer_id not in seen:
                seen.add(customer_id)
                yield customer_id
