"""A throw-away PostgreSQL database per run, so a benchmark never touches real data.

The database is created through an admin connection in autocommit mode (``CREATE DATABASE``
cannot run inside a transaction) and dropped with ``FORCE`` at the end, even when the run
crashes, so that pooled connections left open by a failed scenario cannot keep it alive.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

if TYPE_CHECKING:
    from collections.abc import Iterator

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_url(admin_url: str, dbname: str) -> str:
    """The admin URL pointed at another database, as a ``postgresql://`` URL.

    LBX's settings parse the URL with psycopg, so the host, port, user and password of the
    admin connection carry over unchanged.
    """
    parts = conninfo_to_dict(admin_url)
    user = parts.get("user", "postgres")
    password = parts.get("password")
    credentials = f"{user}:{password}" if password else f"{user}"
    host = parts.get("host", "127.0.0.1")
    port = parts.get("port", "5432")
    return f"postgresql://{credentials}@{host}:{port}/{dbname}"


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    """Create ``lbx_bench_<pid>``, yield its URL, and drop it whatever happens.

    Raises:
        psycopg.OperationalError: the admin connection failed (the server is not reachable).
    """
    dbname = f"lbx_bench_{os.getpid()}"
    name = sql.Identifier(dbname)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        yield database_url(admin_url, dbname)
    finally:
        _drop(admin_url, name)


def _drop(admin_url: str, name: sql.Identifier, attempts: int = 20) -> None:
    """Drop the database, retrying while the server has no connection slot to spare.

    A shared server can be at ``max_connections`` for a moment (other test suites); giving
    up then would leave a benchmark database behind.
    """
    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name)
    for attempt in range(attempts):
        try:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(statement)
        except psycopg.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
        else:
            return
