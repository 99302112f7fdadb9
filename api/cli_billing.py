"""``lbx bill``, ``lbx simulate``, ``lbx tariffs`` and ``lbx demo``: billing from the terminal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path  # noqa: TC003  (typer reads it at runtime)
from typing import Annotated

import typer
from rich.progress import Progress
from rich.text import Text

from api.cli_support import (
    add_row,
    business_day,
    context,
    existing,
    fail,
    out,
    printable,
    services,
    table,
)
from api.demo import demo_token, load_demo
from commands.dispatch import dispatch
from commands.publish_tariff import PublishTariff
from commands.run_billing import BillRunReport, RunBilling, run_billing
from commands.run_dunning import run_dunning_for
from commands.runtime import Runtime
from ledger.access import Role
from ledger.clock import SimulatedClock
from ledger.tariffs import Tariff
from ledger.tariffs.aggregate import TariffPublished
from ledger.tariffs.catalog_file import CatalogEntry, read_catalog, write_catalog

bill = typer.Typer(no_args_is_help=True, help="Bill runs.")
tariffs = typer.Typer(no_args_is_help=True, help="The tariff catalog as YAML or JSON files.")
demo = typer.Typer(no_args_is_help=True, help="The demo company.")


def _report(report: BillRunReport) -> None:
    what = "would be issued" if report.dry_run else "issued"
    out().print(f"Bill run as of {report.as_of}: {len(report.invoices)} invoice(s) {what}"
                f" for {report.customers} customer(s) checked", soft_wrap=True)
    if report.invoices:
        grid = table(None, "Number", "Customer", "Total")
        for invoice in report.invoices:
            add_row(grid, invoice.number, invoice.customer_id,
                    f"{invoice.total} {invoice.currency}")
        out().print(grid)
    for currency, amount in report.totals().items():
        out().print(f"Total {currency}: {amount}")
    for customer, why in report.skipped:
        out().print(Text("skipped ", style="yellow"), Text(printable(f"{customer}: {why}")),
                    sep="")


@bill.command("run")
def bill_run(
    as_of: Annotated[date, typer.Option(
        "--as-of", parser=business_day, metavar="DATE", help="Bill what is due by this date.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show, write nothing.")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:
    """Bill every customer for everything due by a date (safe to run again)."""
    with services() as s:
        if not dry_run and as_of > s.runtime.clock.today():
            raise fail("a real bill run cannot be dated in the future; use --dry-run to look"
                       " ahead, or `lbx bill simulate` on a copy of the database")
        ids = list(s.ledger.customer_ids())
        with Progress(transient=True) as progress:
            task = progress.add_task("Billing", total=len(ids))
            report = run_billing(
                RunBilling(as_of=as_of, dry_run=dry_run,
                           batch_size=batch_size),
                context(), s.runtime, ids, lambda n: progress.advance(task, n))
        if not dry_run:  # dunning follows every real bill run, as it does the daily one
            steps = run_dunning_for(s.runtime, ids, as_of, context()).steps
            out().print(f"Dunning: {len(steps)} step(s) taken")
    _report(report)


@bill.command("simulate")
def simulate(
    until: Annotated[date, typer.Option(
        "--until", parser=business_day, metavar="DATE", help="Walk the clock to this date.")],
    start: Annotated[date | None, typer.Option(
        "--from", parser=business_day, metavar="DATE", help="First day (default: today).")] = None,
    customer: Annotated[str | None, typer.Option(
        help="Only this customer (id or external key); default: everyone.")] = None,
    dunning: Annotated[bool, typer.Option(
        "--dunning/--no-dunning",
        help="Also dun each day. No payments are simulated, so every invoice goes unpaid and "
             "the policy suspends and cancels customers: off by default.")] = False,
) -> None:
    """Walk a test clock day by day, billing each day: see what the future will bill.

    No payments are simulated, so debts grow; dunning is left out unless asked for (it would
    suspend and cancel customers who in fact pay, and the forecast would stop billing them).
    This writes real events (dated in the future): run it on a copy or a demo database.
    """
    with services() as s:
        first = start or s.runtime.clock.today()
        clock = SimulatedClock(datetime(first.year, first.month, first.day, 9, tzinfo=UTC))
        runtime = Runtime(s.ledger, clock, s.runtime.invoice_prefix)
        ids = [existing(s, customer)] if customer else list(s.ledger.customer_ids())
        day, invoices, steps = first, 0, 0
        while day <= until:
            clock.move_to(day)
            invoices += len(run_billing(RunBilling(as_of=day), context(), runtime, ids).invoices)
            if dunning:
                steps += len(run_dunning_for(runtime, ids, day, context()).steps)
            day += timedelta(days=1)
        s.runner.catch_up()
    dunned = f", {steps} dunning step(s) taken" if dunning else ", no dunning"
    out().print(f"Simulated {first} → {until}: {invoices} invoice(s) issued{dunned}.",
                soft_wrap=True)


@tariffs.command("import")
def import_tariffs(file: Annotated[Path, typer.Argument(exists=True, readable=True)]) -> None:
    """Publish every tariff of a catalog file; unchanged tariffs get no new version.

    The whole file is read and checked before anything is published.
    """
    fmt = "json" if file.suffix.lower() == ".json" else "yaml"
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail(f"{file} is not UTF-8 text") from None
    with services() as s:  # a broken catalog is an InvalidField: an error line, exit 1
        entries = read_catalog(text, fmt)
        for entry in entries:
            outcome = dispatch(PublishTariff(code=entry.code, definition=entry.definition),
                               context(), s.runtime)
            out().print(f"{entry.code}: version {outcome.result['version']}")


@tariffs.command("export")
def export_tariffs(
    file: Annotated[Path, typer.Argument(help="Where to write (.yaml or .json).")],
) -> None:
    """Write the latest version of every tariff to a catalog file."""
    fmt = "json" if file.suffix.lower() == ".json" else "yaml"
    with services() as s:
        found = [s.ledger.load(t, Tariff) for t in s.ledger.ids_created_by(TariffPublished)]
        entries = sorted((CatalogEntry(code=t.state.code, definition=t.definition_of(None)[1])
                          for t in found), key=lambda e: e.code)
    file.write_text(write_catalog(entries, fmt), encoding="utf-8")
    out().print(f"{len(entries)} tariff(s) written to {file}")


def print_demo_keys() -> None:
    """Show the demo API keys (they exist only in a database the demo was loaded into)."""
    grid = table("Demo API keys", "Role", "Key")
    for role in Role:
        add_row(grid, role.value, demo_token(role))
    out().print(grid)


@demo.command("load")
def demo_load() -> None:
    """Load the demo company (ten months of history) into an empty database."""
    with services() as s:
        out().print("Loading the demo company (ten months of history; about half a minute)…")
        if not load_demo(s, s.runtime.clock.today()):
            raise fail("the database is not empty; the demo loads only into an empty one")
        s.runner.catch_up()
    print_demo_keys()
