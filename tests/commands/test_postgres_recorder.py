"""LBX's PostgreSQL recorder: one statement per save, with the library's guarantees.

A save is one call of a plpgsql function in autocommit: it takes the events table's
EXCLUSIVE lock and inserts every row of the save, so it writes all or nothing, a taken
version still raises the library's ``IntegrityError``, and no NOTIFY is sent (LBX polls).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from api.bootstrap import bootstrap
from api.postgres_store import LedgerPostgresRecorder
from api.settings import Settings
from ledger.application import Ledger
from tests.conftest import empty_postgres

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.postgres


@pytest.fixture
def ledger(postgres_url: str, tmp_path: Path) -> Iterator[Ledger]:
    empty_postgres(postgres_url, drop=True)  # these tests start on a new database
    services = bootstrap({"LBX_DATABASE_URL": postgres_url, "LBX_DATA_DIR": str(tmp_path)})
    try:
        yield services.ledger
    finally:
        services.close()


def rows(*versions: int, originator: object = None) -> list[StoredEvent]:
    originator = originator or uuid4()
    return [StoredEvent(originator, v, "tests:Event", b"{}") for v in versions]  # type: ignore[arg-type]


def test_the_ledger_saves_through_lbx_s_recorder(ledger: Ledger) -> None:
    assert isinstance(ledger.recorder, LedgerPostgresRecorder)


def test_a_save_returns_its_notification_ids_in_order(ledger: Ledger) -> None:
    ids = ledger.recorder.insert_events(rows(1, 2, 3))
    assert ids is not None
    assert len(ids) == 3
    assert list(ids) == sorted(ids)
    assert [n.id for n in ledger.recorder.select_notifications(start=1, limit=10)] == ids


def test_a_taken_version_fails_the_whole_save_with_the_library_s_error(ledger: Ledger) -> None:
    originator = uuid4()
    ledger.recorder.insert_events(rows(1, originator=originator))
    with pytest.raises(IntegrityError):
        ledger.recorder.insert_events(rows(2, 1, originator=originator))
    assert [e.originator_version for e in ledger.recorder.select_events(originator)] == [1]


def test_a_save_sends_no_notify(ledger: Ledger, postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as listener:
        listener.execute("LISTEN ledger_events")
        ledger.recorder.insert_events(rows(1))
        assert list(listener.notifies(timeout=0.3)) == []


def test_ledgers_starting_together_on_a_new_database_all_start(postgres_admin_url: str) -> None:
    name = f"lbx_test_start_{os.getpid()}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    env = Settings.from_env(
        {"LBX_DATABASE_URL": f"{postgres_admin_url.rsplit('/', 1)[0]}/{name}"}).ledger_env()
    try:
        with ThreadPoolExecutor(4) as pool:
            ledgers = list(pool.map(lambda _: Ledger(env=env), range(4)))
        for started in ledgers:
            assert started.max_position() == 0
            started.close()
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
