"""Altering stored rows behind the ledger's back, as someone with write access to the database
could: what the audit's checks must catch. Works on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from ledger.events import GENESIS_HASH, SEAL_FIELD, canonical_hash

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from api.bootstrap import Services


def _table(services: Services, snapshots: bool) -> tuple[Any, str, str, Callable[[UUID], Any]]:
    """The recorder's datastore, its table, the placeholder and how it stores an id."""
    ledger = services.ledger
    recorder: Any = (ledger.repository.snapshot_store.recorder  # type: ignore[union-attr]
                     if snapshots else ledger.recorder)
    table = f'"{recorder.events_table_name}"'
    if type(recorder).__module__.startswith("eventsourcing.sqlite"):
        return recorder.datastore, table, "?", lambda i: i.hex
    text = recorder.datastore.originator_id_type != "uuid"
    return recorder.datastore, table, "%s", str if text else (lambda i: i)


def edit_row(
    services: Services, aggregate_id: UUID, version: int, change: Callable[[dict[str, Any]], Any],
    *, snapshots: bool = False,
) -> None:
    """Rewrite one stored row's JSON state with ``change`` (it edits the dict in place)."""
    datastore, table, p, stored_id = _table(services, snapshots)
    where = f"WHERE originator_id = {p} AND originator_version = {p}"
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(f"SELECT state FROM {table} {where}", (stored_id(aggregate_id), version))
        state = orjson.loads(bytes(cursor.fetchone()["state"]))
        change(state)
        cursor.execute(f"UPDATE {table} SET state = {p} {where}",
                       (orjson.dumps(state), stored_id(aggregate_id), version))
    services.ledger.forget(aggregate_id)


def delete_row(services: Services, aggregate_id: UUID, version: int) -> None:
    """Delete one stored event."""
    datastore, table, p, stored_id = _table(services, snapshots=False)
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE originator_id = {p} AND originator_version = {p}",
            (stored_id(aggregate_id), version))
    services.ledger.forget(aggregate_id)


def relabel_row(services: Services, aggregate_id: UUID, version: int, topic: str) -> None:
    """Give one stored event another class's topic, its state untouched."""
    datastore, table, p, stored_id = _table(services, snapshots=False)
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(
            f"UPDATE {table} SET topic = {p} WHERE originator_id = {p}"
            f" AND originator_version = {p}", (topic, stored_id(aggregate_id), version))
    services.ledger.forget(aggregate_id)


def rewrite_history(
    services: Services, aggregate_id: UUID, change: Callable[[int, dict[str, Any]], Any],
) -> None:
    """Rewrite every stored row with ``change(version, state)``, then rehash and relink them all.

    What someone who knows the hash recipe can do to a whole history (the chain is unkeyed),
    and how the tests build a history as an earlier release stored it.
    """
    datastore, table, p, stored_id = _table(services, snapshots=False)
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(f"SELECT originator_version, state FROM {table} WHERE originator_id = {p}"
                       " ORDER BY originator_version", (stored_id(aggregate_id),))
        rows = [(row["originator_version"], orjson.loads(bytes(row["state"])))
                for row in cursor.fetchall()]
        prev_hash = GENESIS_HASH
        for version, state in rows:
            change(version, state)
            state["prev_hash"] = prev_hash
            state["hash"] = prev_hash = canonical_hash(state)
            cursor.execute(
                f"UPDATE {table} SET state = {p} WHERE originator_id = {p}"
                f" AND originator_version = {p}",
                (orjson.dumps(state), stored_id(aggregate_id), version))
    services.ledger.forget(aggregate_id)


def stored_before_seals(services: Services, aggregate_id: UUID) -> None:
    """Make a history what a release before seals stored: no ``sealed_as``, hashed without it."""
    rewrite_history(services, aggregate_id, lambda _, state: state.pop(SEAL_FIELD))
