"""``lbx``: run the API, read the views, replay and verify histories, manage keys.

Every command reads its settings from the environment, as the server does:
``LBX_DATABASE_URL`` selects PostgreSQL, otherwise SQLite files live in ``LBX_DATA_DIR``.
Commands that read views catch them up first, because no worker runs beside the CLI.
Audit commands (``replay``, ``verify``) read the event store itself, never a view.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer
import uvicorn
from rich.text import Text

from api import present
from api.app import create_app
from api.cli_accounting import exports
from api.cli_admin import keys, projections
from api.cli_bank import bank_queue, imports
from api.cli_billing import bill, demo, print_demo_keys, tariffs
from api.cli_support import (
    add_row,
    catch_up,
    customer_events,
    customer_id,
    err,
    existing,
    out,
    printable,
    services,
    table,
)
from api.crm.cli import crm
from ledger.audit import replay
from ledger.customers import ServiceStatus  # noqa: TC001  (typer reads it at runtime)
from ledger.customers.state import Balance
from ledger.errors import CustomerNotFound
from projections import queries

if TYPE_CHECKING:
    from api.bootstrap import Services
    from ledger.customers import Customer
    from projections.store import Row

app = typer.Typer(
    name="lbx",
    no_args_is_help=True,
    help="LBX, an event-sourced billing ledger: serve the API, query, audit, administer.",
)
app.add_typer(keys, name="keys")
app.add_typer(projections, name="projections")
app.add_typer(imports, name="import")
app.add_typer(bank_queue, name="bank")
app.add_typer(bill, name="bill")
app.add_typer(tariffs, name="tariffs")
app.add_typer(demo, name="demo")
app.add_typer(exports, name="export")
app.add_typer(crm, name="crm")


def _instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        msg = "expected an ISO-8601 instant, e.g. 2026-01-31T23:59:59Z"
        raise typer.BadParameter(msg) from None
    if instant.tzinfo is None:
        raise typer.BadParameter("give a time zone, e.g. 2026-01-31T23:59:59Z or +03:00")
    return instant


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("expected an ISO-8601 date, e.g. 2026-01-31") from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    worker: Annotated[bool, typer.Option(
        "--worker/--no-worker",
        help="Run the projection worker in the server (turn off when another process runs it).",
    )] = True,
    with_demo: Annotated[bool, typer.Option(
        "--demo", help="Load the demo company first if the database is empty.")] = False,
) -> None:
    """Run the HTTP API, with OpenAPI docs at /docs."""
    if not worker:
        os.environ["LBX_WORKER"] = "0"
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    if with_demo:
        # the demo's webhook endpoint is LBX's own test receiver on this machine
        os.environ.setdefault("LBX_WEBHOOK_TEST_RECEIVER", "1")
        os.environ.setdefault("LBX_WEBHOOK_ALLOW_PRIVATE", "1")
        _demo_if_empty(url)
    out().print(Text(f"LBX workspace: {url}/app/  (sign in with a key above; API docs: "
                     f"{url}/docs); stop with Ctrl+C"))
    uvicorn.run(create_app(), host=host, port=port)


def _demo_if_empty(base_url: str) -> None:
    from api.demo import load_demo  # noqa: PLC0415

    with services() as s:
        if s.ledger.max_position() == 0:
            out().print("Empty database: loading the demo company (about half a minute)…")
            load_demo(s, s.runtime.clock.today(), base_url)
            s.runner.catch_up()
    print_demo_keys()


@app.command()
def customers(
    search: Annotated[str | None, typer.Option(
        help="Part of the name, or an exact external key or ИНН.")] = None,
    status: Annotated[ServiceStatus | None, typer.Option(help="Only this service status.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many rows.")] = 50,
) -> None:
    """List customers by name, with what each owes in their own currency."""
    with services() as s:
        catch_up(s)
        page = queries.customers(s.store, search=search,
                                 status=status.value if status else None, limit=limit)
    if not page.items:
        out().print("No customers match.")
        return
    caption = "Net owed: positive, the customer owes us; negative, we owe them (credit)."
    if page.next_cursor:
        caption += f"\nMore than {limit} match: narrow with --search or raise --limit."
    grid = table("Customers", "External key", "Name", "ИНН", "Status", "Net owed",
                 caption=caption)
    for row in present.rows(page.items):
        add_row(grid, row["external_key"], row["name"], row["inn"], row["status"],
                f"{row['net']} {row['currency']}")
    out().print(grid)


def _timeline(s: Services, cid: str) -> list[Row]:
    rows: list[Row] = []
    cursor: str | None = None
    while True:
        page = queries.timeline(s.store, cid, limit=500, cursor=cursor)
        rows.extend(page.items)
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor


@app.command()
def history(
    customer: Annotated[str, typer.Argument(help="The customer's id (UUID) or external key.")],
) -> None:
    """Show a customer's history in plain language: what was recorded, when, by whom, why."""
    with services() as s:
        cid = str(customer_id(customer))
        catch_up(s)
        found = queries.customer(s.store, cid)
        if found is None:
            raise CustomerNotFound(customer=customer)
        lines = _timeline(s, cid)
    grid = table(f"{found['name']} ({found['external_key']}, {cid})", "Version", "Recorded",
                 "Effective", "Who", "Source", "What", "Why")
    for line in lines:
        add_row(grid, line["version"], line["recorded_at"], line["effective_date"],
                line["actor"], line["source"], line["summary"], line["reason"])
    out().print(grid)


def _print_book(book: Customer) -> None:
    state = book.state
    profile = state.profile
    out().print(Text(printable(f"{profile.name} ({profile.external_key}, {book.id})") + "\n"
                     f"as of version {book.version}, recorded {book.modified_on.isoformat()}\n"
                     f"status: {state.status.value}"))
    totals = [name for name in Balance.model_fields if name != "currency"]
    money = table("Balances", "Currency", *(n.replace("_", " ").capitalize() for n in totals),
                  "Receivable", "Credit")
    for b in state.balances.values():
        add_row(money, b.currency, *(present.money_text(getattr(b, n), b.currency) for n in totals),
                b.receivable.to_decimal_string(), b.credit.to_decimal_string())
    plans = table("Subscriptions", "Subscription", "Tariff", "Qty", "Period", "Started",
                  "Billed until", "Status")
    for sub in state.subscriptions.values():
        add_row(plans, sub.subscription_id, f"{sub.tariff_code} v{sub.tariff_version}",
                sub.quantity, f"{sub.period_count} {sub.period_unit.value} ({sub.timing})",
                sub.started_on, sub.billed_until, sub.status)
    for grid in (money, plans):
        out().print(grid if grid.row_count else Text(f"{grid.title}: none."))


@app.command("replay")
def replay_book(
    customer: Annotated[str, typer.Argument(help="The customer's id (UUID) or external key.")],
    version: Annotated[int | None, typer.Option(
        min=1, help="Right after this version of the history was recorded.")] = None,
    at: Annotated[datetime | None, typer.Option(
        parser=_instant, metavar="ISO-INSTANT",
        help="What the ledger held at this instant (needs a time zone).")] = None,
    effective_on: Annotated[date | None, typer.Option(
        parser=_date, metavar="DATE",
        help="Every event effective by this business date, with later corrections.")] = None,
) -> None:
    """Rebuild a customer's book from its events as of a point: balances, status, plans.

    Reads the event store itself, not the views. Give at most one of --version, --at,
    --effective-on; with none, the book as it stands now.
    """
    if sum(x is not None for x in (version, at, effective_on)) > 1:
        raise typer.BadParameter("give at most one of --version, --at, --effective-on")
    with services() as s:
        events = customer_events(s, customer)
    book = replay(events, version=version, recorded_at=at, effective_on=effective_on)
    if book is None:
        out().print("Nothing was recorded for this customer by then.")
        return
    _print_book(book)


@app.command()
def verify(
    customer: Annotated[str | None, typer.Argument(
        help="The customer's id (UUID) or external key; every customer when omitted.")] = None,
) -> None:
    """Check the hash chain and the snapshots of one customer's history, or of every one's.

    Every stored event must match its own hash and link to the one before, from version 1;
    every stored snapshot must be what its events replay to. Every id any customer event
    is stored under is checked, so a history whose registration was deleted is broken at
    version 1. Exits 1 and names the first broken version if a history was altered.
    """
    with services() as s:
        reports = ([s.ledger.verify_customer(existing(s, customer))] if customer
                   else list(s.ledger.verify_customers()))
    broken = [r for r in reports if not r.ok]
    for r in broken:
        what = (f"first broken version {r.first_broken_version}: {r.problem}"
                if r.first_broken_version is not None
                else f"forged snapshot at version {r.forged_snapshot}: {r.snapshot_problem}")
        err().print(Text(f"BROKEN: customer {r.aggregate_id}, {what}", style="bold red"))
    if broken:
        raise typer.Exit(1)
    events = sum(r.events for r in reports)
    snapshots = sum(r.snapshots for r in reports)
    out().print(Text(f"OK: {len(reports)} chain(s), {events} events and {snapshots} "
                     "snapshot(s) verified.", style="green"))


if __name__ == "__main__":
    app()
