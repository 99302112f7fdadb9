"""Shared fixtures: every behaviour runs on SQLite and on PostgreSQL.

PostgreSQL: the local server at 127.0.0.1:5432 (user postgres) when it answers; otherwise a
throw-away cluster started from the installed binaries. Each test session creates its own
database and drops it at the end; each test starts from empty tables. Under ``CI=true`` a
PostgreSQL test never skips: an unavailable server is a failure.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg
import pytest

from api.bootstrap import Services, bootstrap
from ledger.clock import SimulatedClock
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


def empty_postgres(url: str) -> None:
    """Remove every table, so that the next test starts from nothing."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )]
        if tables:
            conn.execute("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")


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
