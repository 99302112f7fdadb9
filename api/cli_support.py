"""What every ``lbx`` command shares: services from the environment, errors, output.

Each invocation builds its own services with :func:`api.bootstrap.bootstrap` (settings
from ``LBX_*`` variables), runs, and closes them, so the CLI never holds a connection
between commands. A ``LedgerError`` or a refused command body is the user's to fix: it
is printed in red and the command exits 1. A malformed option is typer's usage error (exit
2): dates go through :func:`business_day`, bounded like API bodies. Anything else is a bug
and keeps its traceback. Text that comes from data (names, reasons, error details) is
printed through :func:`printable`, so control characters in it cannot drive the
operator's terminal.
"""

from __future__ import annotations

import getpass
import os
import re
import sqlite3
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import psycopg
import typer
from eventsourcing.persistence import PersistenceError
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from api.bodies import business_date
from api.bootstrap import Services, bootstrap
from commands.base import Context
from ledger.customers import customer_id_for
from ledger.errors import CustomerNotFound, LedgerError
from projections.runner import TrackingConflict

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ledger.events import LedgerEvent


CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 and C1 control characters (and DEL), except tab and newline: ESC, CSI and their kin
make a terminal clear the screen, move the cursor or retitle the window."""
REPLACEMENT = "\ufffd"


def printable(value: object) -> str:
    """``value`` as text for the terminal, each control character shown as U+FFFD."""
    return CONTROL_CHARACTERS.sub(REPLACEMENT, "" if value is None else str(value))


def out() -> Console:
    """The console for results (built per call, so it sees the current terminal width)."""
    return Console(highlight=False)


def err() -> Console:
    """The console for errors and warnings, on stderr."""
    return Console(stderr=True, highlight=False)


def fail(message: str) -> typer.Exit:
    """Print ``message`` as an error; return the exit (code 1) for the caller to raise."""
    err().print(Text.assemble(("error: ", "bold red"), (printable(message), "red")))
    return typer.Exit(1)


def business_day(text: str) -> date:
    """A date option: ISO-8601, and within this century like the dates of API bodies.

    A year like 9999 would make billing walk thousands of periods, then overflow.

    Raises:
        typer.BadParameter: the text is no ISO date, or the date lies outside the century.
    """
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("expected an ISO-8601 date, e.g. 2026-01-31") from None
    try:
        return business_date(day)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _validation_text(error: ValidationError) -> str:
    """Each complaint after its field (a rule across fields names it in its context)."""
    def where(e: Any) -> str:
        named = (e.get("ctx") or {}).get("field")
        parts = [*e["loc"], *([named] if isinstance(named, str) else [])]
        return ".".join(str(part) for part in parts) or "input"

    return "; ".join(f"{where(e)}: {e['msg']}" for e in error.errors())


@contextmanager
def services() -> Iterator[Services]:
    """Services built from the environment, closed afterwards; ledger errors exit 1."""
    try:
        built = bootstrap()
    except (PersistenceError, psycopg.Error, sqlite3.Error, OSError) as error:
        where = "LBX_DATABASE_URL" if os.environ.get("LBX_DATABASE_URL") else "LBX_DATA_DIR"
        raise fail(f"cannot open the database (check {where}): {error}") from None
    try:
        yield built
    except LedgerError as error:
        raise fail(error.detail) from None
    except ValidationError as error:
        raise fail(_validation_text(error)) from None
    finally:
        built.close()


def actor() -> str:
    """Who sends a CLI command: ``cli:<os user>``."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (e.g. some containers)
        user = "unknown"
    return f"cli:{user}"


def context() -> Context:
    """A command context for this invocation: a fresh idempotency key every time."""
    return Context(actor=actor(), source="cli", idempotency_key=f"cli-{uuid4()}")


def customer_id(text: str) -> UUID:
    """A customer's id from a UUID or from the external key other systems know it by."""
    try:
        return UUID(text)
    except ValueError:
        return customer_id_for(text)


def existing(s: Services, text: str) -> UUID:
    """Resolve ``text`` to an id the ledger holds events for.

    Raises:
        CustomerNotFound: nothing is recorded under that id or external key.
    """
    cid = customer_id(text)
    if not s.ledger.exists(cid):
        raise CustomerNotFound(customer=text)
    return cid


def customer_events(s: Services, text: str) -> list[LedgerEvent]:
    """Every event of a customer's book, oldest first, read from the event store.

    Raises:
        CustomerNotFound: no customer has that id or external key.
    """
    try:
        return s.ledger.customer_history(customer_id(text))
    except CustomerNotFound:
        raise CustomerNotFound(customer=text) from None


def catch_up(s: Services) -> None:
    """Bring the views up to the log before reading them (no worker runs beside the CLI)."""
    try:
        s.runner.catch_up()
    except TrackingConflict:
        # A running server's worker is applying the same batch; its views are current enough.
        err().print("[dim]views are being updated by another runner; showing them as they are[/]")


def table(title: str | None, *columns: str, caption: str | None = None) -> Table:
    """A result table with the given column headers."""
    grid = Table(title=Text(printable(title)) if title else None,
                 caption=Text(printable(caption)) if caption else None,
                 title_justify="left", caption_justify="left")
    for column in columns:
        grid.add_column(column)
    return grid


def add_row(grid: Table, *values: Any) -> None:
    """Add a row of values as plain, printable text (data is never markup, never control)."""
    grid.add_row(*(Text(printable(v)) for v in values))
