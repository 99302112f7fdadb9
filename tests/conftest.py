"""Shared fixtures: every behaviour runs on SQLite and on PostgreSQL.

PostgreSQL: the local server at 127.0.0.1:5432 (user postgres) when it answers; otherwise a
throw-away cluster started from the installed binaries. Each test session creates its own
database and drops it at the end; each test starts from empty tables. Under ``CI=true`` a
PostgreSQL test never skips: an unavailable server is a failure.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from api.bootstrap import Services, bootstrap
from ledger.clock import SimulatedClock
from projections import all_projections
from projections.runner import created_tables, fingerprint
from tests.support.pgcluster import ThrowawayCluster, server_answers

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _unavailable(why: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """An admin URL of a running PostgreSQL server (local, or a throw-away cluster)."""
    if server_answers("127.0.0.1", 5432) and not os.environ.get("LBX_TEST_THROWAWAY_PG"):
        yield os.environ.get("LBX_TEST_POSTGRES_ADMIN_URL", LOCAL_SERVER)
        return
    cluster = ThrowawayCluster.start()
    if cluster is None:
        _unavailable("no server at 127.0.0.1:5432 and no PostgreSQL binaries installed")
        return
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A database of this test session's own, dropped at the end."""
    name = f"lbx_test_{os.getpid()}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    base = postgres_admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


LEDGER_TABLES = frozenset({"ledger_events", "ledger_snapshots", "lbx_tracking", "lbx_schema"})


def _current_tables() -> frozenset[str]:
    """Every table this release creates: the ledger's and each projection's."""
    return LEDGER_TABLES | created_tables([s for p in all_projections() for s in p.schema])


def _schema_is_current(conn: psycopg.Connection[tuple[Any, ...]], tables: list[str]) -> bool:
    """True when the tables are exactly this release's, with its projection fingerprints.

    A test that simulated an older release (a dropped view, another fingerprint, a toy
    projection's table) leaves something else behind, and the next test then starts from
    nothing again.
    """
    if frozenset(tables) != CURRENT_TABLES:
        return False
    stored = dict(conn.execute("SELECT projection, fingerprint FROM lbx_schema").fetchall())
    return stored == {p.name: fingerprint(p) for p in all_projections()}


def empty_postgres(url: str, *, drop: bool = False) -> None:
    """Empty the database, so that the next test starts from no events and no rows.

    Deleting the rows of this release's tables (and restarting the log's numbering) is
    about three times faster than dropping and creating some thirty tables per test, and
    starts from the same place. Tables of another shape, and ``drop=True``, are dropped.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )]
        if not tables:
            return
        if drop or not _schema_is_current(conn, tables):
            conn.execute("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
            return
        sequences = [r[0] for r in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
        with conn.transaction():
            for table in tables:
                if table != "lbx_schema":
                    conn.execute(f'DELETE FROM "{table}"')
            for sequence in sequences:
                conn.execute("SELECT setval(%s, 1, false)", (f'"{sequence}"',))


CURRENT_TABLES = _current_tables()


@pytest.fixture
def clock() -> SimulatedClock:
    """A clock standing at noon, 15 January 2026 (Moscow)."""
    return SimulatedClock(datetime(2026, 1, 15, 9, 0, tzinfo=UTC))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The environment of one backend, with empty storage."""
    if request.param == "sqlite":
        return {"LBX_DATA_DIR": str(tmp_path / "var")}
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    # files (the installation secret, the company file) stay in the test's own folder
    return {"LBX_DATABASE_URL": url, "LBX_DATA_DIR": str(tmp_path / "var")}


@pytest.fixture
def services(backend_env: dict[str, str], clock: SimulatedClock) -> Iterator[Services]:
    """LBX on one backend (both, by parametrisation), with a standing clock."""
    built = bootstrap(backend_env, clock=clock)
    try:
        yield built
    finally:
        built.close()
