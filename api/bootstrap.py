"""The composition root: builds the ledger, the read store and the projections, once.

Everything that runs LBX — the HTTP app, the CLI, the tests — calls :func:`bootstrap`,
with settings from the environment and, in tests and simulations, a clock that stands still.
Nothing is built at import time.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import psycopg

from api.settings import Settings
from commands.runtime import Runtime
from ledger.application import Ledger
from ledger.clock import SystemClock
from projections import all_projections
from projections.postgres import PostgresReadStore
from projections.runner import ProjectionRunner, TrackingConflict
from projections.sqlite import SQLiteReadStore

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ledger.clock import Clock
    from projections.store import ReadStore


log = logging.getLogger(__name__)
MAX_RETRY_PAUSE = 30.0


def passing(error: BaseException) -> bool:
    """True for an error of the database that passes: a deadlock, a lost connection, a lock.

    PostgreSQL's operational errors are all of that kind; SQLite calls a missing table
    "operational" too, which is a projection's bug, so only its locks count.
    """
    if isinstance(error, psycopg.OperationalError):
        return True
    return isinstance(error, sqlite3.OperationalError) and (
        "locked" in str(error) or "busy" in str(error))


@dataclass
class Services:
    """Everything a way in needs: settings, the ledger runtime, the views and their runner."""

    settings: Settings
    runtime: Runtime
    store: ReadStore
    runner: ProjectionRunner
    _stop: threading.Event = field(default_factory=threading.Event)
    _worker: threading.Thread | None = None
    worker_error: BaseException | None = None

    @property
    def ledger(self) -> Ledger:
        """The event store."""
        return self.runtime.ledger

    def start_worker(self, interval: float = 0.2) -> None:
        """Follow the log in a background thread (the projection worker beside the API).

        A database error that passes (a deadlock, a lost connection, a locked SQLite file)
        is retried with a growing pause, the health check saying "degraded" until the
        database answers again; a projection that fails on an event stops the worker, and
        the health check says why.
        """
        if self._worker is not None:
            return

        def work() -> None:
            pause = interval
            while not self._stop.is_set():
                try:
                    with contextlib.suppress(TrackingConflict):  # another runner moved first
                        self.runner.catch_up()
                    self.worker_error, pause = None, interval  # the database answers again
                    self.runner.run_forever(self._stop, interval)
                except BaseException as error:
                    self.worker_error = error  # health says "degraded" while it lasts
                    if not passing(error):  # a failing projection stops; status shows why
                        raise
                    log.warning("projection worker: %s; retrying in %.1f s", error, pause)
                    self._stop.wait(pause)
                    pause = min(pause * 2, MAX_RETRY_PAUSE)

        self._worker = threading.Thread(target=work, name="lbx-projections", daemon=True)
        self._worker.start()

    def await_position(self, position: int, timeout: float = 5.0) -> bool:
        """Wait until every view has applied the log up to ``position`` (read your writes).

        Without a running worker the caller's thread catches the views up itself; when a
        runner elsewhere (another instance's worker) moves a view first, it waits for that
        one instead. Returns False if the views are still behind after ``timeout`` seconds.
        """
        position = min(position, self.ledger.max_position())
        if self._worker is None:
            with contextlib.suppress(TrackingConflict):
                self.runner.catch_up()
        deadline = time.monotonic() + timeout
        while min(self.runner.positions().values(), default=0) < position:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        """Stop the worker and release every connection."""
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout=10)
            self._worker = None
        self.store.close()
        self.ledger.close()


def bootstrap(env: Mapping[str, str] | None = None, *, clock: Clock | None = None) -> Services:
    """Build LBX's services from settings (``env`` or the process environment)."""
    settings = Settings.from_env(env)
    ledger = Ledger(env=settings.ledger_env())
    store: ReadStore
    if settings.database_url:
        store = PostgresReadStore(settings.database_url)
    else:
        store = SQLiteReadStore(settings.views_path())
    runner = ProjectionRunner(ledger, store, all_projections())
    runner.setup()
    runtime = Runtime(
        ledger=ledger, clock=clock or SystemClock(ZoneInfo(settings.timezone)),
        invoice_prefix=settings.invoice_prefix,
    )
    return Services(settings=settings, runtime=runtime, store=store, runner=runner)
