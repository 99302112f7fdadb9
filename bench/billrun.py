"""The bill run of issue 3: customers billed per second, against raw 100-row batches.

Issue 3 asks for a 100,000-customer run reported as customers/s, as a ratio to baseline B
(raw psycopg 100-row batches, target >= 0.40) and as peak memory (target < 1 GiB). The
customers are set up without the command path (aggregates built directly, saved 500 at a
time), because dispatching 200,000 set-up commands would take longer than the run itself.

The run itself happens in a fresh child process, for two reasons. Its peak RSS is then the
bill run's own (the harness process has been through every other scenario by then), and its
aggregate cache starts empty, as a daily run's does: 100,000 customers do not fit in a
5,000-entry cache, so every load is cold. The child bills the customers in rounds that
alternate with rounds of baseline B, so both sides of the ratio meet the same noise; the
rounds are multiples of the batch size, so the batches are those of one uninterrupted run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from api.bootstrap import bootstrap
from bench import raw
from bench.db import DEFAULT_ADMIN_URL, throwaway_database
from bench.interleave import interleave
from bench.results import Figure, Target, rate, table
from bench.scenarios import provenance
from commands.base import Context
from commands.dispatch import dispatch
from commands.invoicing import open_series
from commands.publish_tariff import PublishTariff
from commands.run_billing import RunBilling, bill_run_context, run_billing
from ledger.customers import Customer, customer_id_for
from ledger.periods import BillingPeriod, next_boundary

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from commands.run_billing import BillRunReport
    from commands.runtime import Runtime
    from ledger.events import Provenance
    from ledger.tariffs import TariffDefinition

FULL_SIZE = 100_000
"""The run issue 3 asks for; smaller runs say so and extrapolate the time."""
QUICK_SIZE = 1_000
BILLING_DAY = date(2026, 1, 1)
"""Subscriptions start here and the run is as of here: one in-advance month each."""
TARIFF_CODE = "bench-monthly"
TARIFF = {
    "name": "Bench monthly", "currency": "RUB", "vat_rate": "22",
    "components": [{"code": "base", "name": "Subscription", "kind": "flat",
                    "price": "1000.00"}],
}
PREFIX = "billrun"
SAVE_BATCH = 500
BILL_BATCH = 100
ROUNDS = 10
RAW_BATCHES_PER_ROUND = 20
RATIO_TARGET = Target("ratio_at_least", 0.40)
PEAK_TARGET_MIB = Target("value_below", 1024.0)
CHILD_URL_VARIABLE = "LBX_BENCH_BILLRUN_URL"
"""The child gets the database URL from its environment, so no password shows in ``ps``."""


@dataclass(frozen=True)
class ChildResult:
    """What the bill-run process measured, sent back to the harness as one JSON line."""

    customers: int
    bill_seconds: float
    raw_rows: int
    raw_seconds: float
    invoices: int
    skipped: int
    series_last: int
    second_invoices: int
    second_seconds: float
    start_rss_mib: float
    peak_rss_mib: float
    invoice_bytes: int
    """The stored size of one customer's InvoiceIssued event (B's rows carry 300 bytes)."""


def publish_tariff(runtime: Runtime) -> TariffDefinition:
    """Publish the monthly flat-fee tariff through the command path; return version 1."""
    command = PublishTariff.model_validate({"code": TARIFF_CODE, "definition": TARIFF})
    dispatch(command, Context(actor="bench", source="system",
                              idempotency_key="bench-billrun-tariff"), runtime)
    return runtime.definition(TARIFF_CODE, 1)


def subscribed(stamp: Provenance, definition: TariffDefinition, key: str) -> Customer:
    """A registered customer on the tariff from ``BILLING_DAY``, decided as the commands do.

    The first renewal is worked out as ``StartSubscription`` works it out (anchor day 1).
    """
    customer = Customer.register(stamp, BILLING_DAY, external_key=key, name=f"Bench {key}",
                                 currency=definition.currency)
    period = BillingPeriod(definition.period_unit, definition.period_count)
    anchor = BILLING_DAY.day
    customer.start_subscription(
        stamp, BILLING_DAY, subscription_id=f"{key}/sub", tariff_code=TARIFF_CODE,
        tariff_version=1, started_on=BILLING_DAY, anchor_day=anchor, quantity=1,
        period_unit=definition.period_unit, period_count=definition.period_count,
        timing=definition.timing, trial_end=None,
        first_renewal=next_boundary(anchor if period.months else BILLING_DAY, period,
                                    BILLING_DAY, BILLING_DAY),
        term_end=None, auto_renew=True,
    )
    return customer


def populate(runtime: Runtime, count: int, prefix: str = PREFIX) -> float:
    """Publish the tariff and save ``count`` subscribed customers, 500 per transaction.

    Returns the seconds it took. Only one batch of aggregates is held at a time.
    """
    begun = time.perf_counter()
    definition = publish_tariff(runtime)
    stamp = provenance()
    for first in range(0, count, SAVE_BATCH):
        batch = [subscribed(stamp, definition, f"{prefix}-{n}")
                 for n in range(first, min(count, first + SAVE_BATCH))]
        runtime.ledger.save_all(*batch)
    return time.perf_counter() - begun


def customer_ids(count: int, prefix: str = PREFIX) -> list[UUID]:
    """The ids of the populated customers (derived from their external keys), in order."""
    return [customer_id_for(f"{prefix}-{n}") for n in range(count)]


def rss_mib() -> float:
    """This process's own peak resident set size so far, in MiB.

    Linux's ``VmHWM`` first: ``ru_maxrss`` survives ``exec``, so in a child it starts at
    the parent's RSS when it was spawned (171 MiB after the suite), not at the child's own.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def bill(
    runtime: Runtime, ids: Sequence[UUID], batch: int = BILL_BATCH
) -> tuple[BillRunReport, float]:
    """One bill run as of ``BILLING_DAY`` over ``ids``, as the scheduler starts it; seconds."""
    begun = time.perf_counter()
    report = run_billing(RunBilling(as_of=BILLING_DAY, batch_size=batch),
                         bill_run_context("bench"), runtime, ids)
    return report, time.perf_counter() - begun


def child(url: str, count: int, prefix: str) -> ChildResult:
    """The bill run, alternating with baseline B, then the checks; in the child process."""
    services = bootstrap({"LBX_DATABASE_URL": url})
    runtime = services.runtime
    start_rss = rss_mib()
    ids = customer_ids(count, prefix)
    per_round = -(-count // ROUNDS // BILL_BATCH) * BILL_BATCH  # a multiple of the batch
    reports: list[BillRunReport] = []

    def billing(round_number: int) -> float:
        chunk = ids[round_number * per_round:(round_number + 1) * per_round]
        if not chunk:
            return 0.0
        report, seconds = bill(runtime, chunk)
        reports.append(report)
        return seconds

    try:
        with raw.connect(url) as conn:
            raw_seconds, bill_seconds = interleave(ROUNDS, [
                lambda _: raw.batch_transactions(conn, RAW_BATCHES_PER_ROUND), billing])
        peak = rss_mib()
        again, again_seconds = bill(runtime, ids)
        series = open_series(runtime, provenance(), BILLING_DAY, "invoice")
        latest = runtime.ledger.recorder.select_events(ids[0], desc=True, limit=1)
        return ChildResult(
            customers=sum(r.customers for r in reports), bill_seconds=bill_seconds,
            raw_rows=ROUNDS * RAW_BATCHES_PER_ROUND * 100, raw_seconds=raw_seconds,
            invoices=sum(len(r.invoices) for r in reports),
            skipped=sum(len(r.skipped) for r in reports), series_last=series.state.last,
            second_invoices=len(again.invoices), second_seconds=again_seconds,
            start_rss_mib=start_rss, peak_rss_mib=peak,
            invoice_bytes=len(latest[0].state) if latest else 0,
        )
    finally:
        services.close()


def run_child(url: str, count: int, prefix: str = PREFIX) -> ChildResult:
    """Start ``python -m bench.billrun --child`` and read its result from its last line."""
    command = [sys.executable, "-m", "bench.billrun", "--child", "--customers", str(count),
               "--prefix", prefix]
    done = subprocess.run(  # noqa: S603  (our own interpreter and module, no shell)
        command, cwd=Path(__file__).resolve().parents[1], check=True, stdout=subprocess.PIPE,
        text=True, env={**os.environ, CHILD_URL_VARIABLE: url},
    )
    fields: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return ChildResult(**fields)


def measure(url: str, count: int, console: Console) -> list[Figure]:
    """Set up ``count`` customers here, bill them in a child process, return the figures."""
    console.log(f"bill run: publishing the tariff, saving {count:,} subscribed customers")
    services = bootstrap({"LBX_DATABASE_URL": url})
    try:
        setup_seconds = populate(services.runtime, count)
    finally:
        services.close()
    console.log(f"bill run: billing {count:,} customers in a fresh process, alternating with B")
    return figures(run_child(url, count), setup_seconds)


def figures(result: ChildResult, setup_seconds: float) -> list[Figure]:
    """The bill run's rows: B, customers/s, peak RSS, and the two exactly-once checks."""
    count = result.customers
    base = rate("B: raw BEGIN; INSERT 100 rows; COMMIT", result.raw_rows, result.raw_seconds,
                "rows/s", key="B", note="alternated with the bill run, in its process")
    speed = count / result.bill_seconds if result.bill_seconds > 0 else 0.0
    scale = (f"measured at {count:,} customers; {FULL_SIZE:,} would take "
             f"~{FULL_SIZE / speed:,.0f} s at this rate (extrapolated)"
             if count < FULL_SIZE and speed else f"{result.bill_seconds:,.1f} s")
    name = f"bill run, {count:,} customers" + (" (NOT the full 100,000)"
                                               if count < FULL_SIZE else "")
    wanted = count == result.invoices == result.series_last and not result.skipped
    return [
        base,
        rate(name, count, result.bill_seconds, "customers/s", baseline=base,
             target=RATIO_TARGET,
             note=f"RunBilling(batch_size={BILL_BATCH}) as of {BILLING_DAY}, one monthly "
                  f"flat-fee subscription each, cold aggregate cache; {scale}; set-up "
                  f"(not timed) {setup_seconds:,.0f} s; writes one InvoiceIssued of "
                  f"{result.invoice_bytes:,} bytes per customer"),
        Figure(f"peak RSS of the bill-run process, {count:,} customers", result.peak_rss_mib,
               "MiB", count, target=PEAK_TARGET_MIB,
               note=f"the child process's own peak (VmHWM) at the end of the run; "
                    f"{result.start_rss_mib:,.0f} MiB of it were there before billing"),
        Figure("invoices issued by the run" + ("" if wanted else " -- WRONG"), result.invoices,
               "invoices", count,
               note=f"{'OK' if wanted else 'WRONG'}: expected {count:,}; series last "
                    f"number {result.series_last:,}; {result.skipped:,} skipped"),
        Figure("second run, same date: invoices issued", result.second_invoices, "invoices",
               count, target=Target("value_below", 1),
               note=f"must be 0 (billing is idempotent per period); took "
                    f"{result.second_seconds:,.1f} s"),
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of ``python -m bench.billrun``."""
    parser = argparse.ArgumentParser(prog="python -m bench.billrun", description=__doc__)
    parser.add_argument("--customers", type=int, default=None,
                        help=f"customers to bill (default {FULL_SIZE:,})")
    parser.add_argument("--quick", action="store_true", help="1,000 customers")
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL,
                        help="admin connection used to create and drop the throw-away database")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default=PREFIX, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Only the bill run, in its own throw-away database (or, with ``--child``, its child)."""
    args = parse_args(argv)
    count = args.customers or (QUICK_SIZE if args.quick else FULL_SIZE)
    if args.child:
        result = child(os.environ[CHILD_URL_VARIABLE], count, args.prefix)
        print(json.dumps(asdict(result)))  # the line the parent reads
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    console = Console() if Console().is_terminal else Console(width=120)
    with throwaway_database(args.database_url) as url:
        console.print(table("Bill run on PostgreSQL (issue 3)", measure(url, count, console)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
