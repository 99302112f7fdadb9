"""Run the LBX benchmarks against one PostgreSQL server and print one table.

``python -m bench.run`` creates a throw-away database, measures the raw psycopg baselines
and LBX on the same server, prints every LBX figure as a ratio of its baseline, and drops
the database. ``--quick`` shrinks every size (for a smoke test); ``--what-if`` adds the
diagnosis: command throughput under other settings, the cost of each part of a save's
transaction, where one command's time goes, and where a cold load's time goes.
"""

from __future__ import annotations

import argparse
import resource
import signal
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.console import Console

from api.bootstrap import bootstrap
from bench import billrun, raw, scenarios, suite
from bench.db import DEFAULT_ADMIN_URL, throwaway_database
from bench.results import table
from bench.suite import QUICK, Sizes

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from bench.results import Figure


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: sizes, the admin connection, optional diagnosis."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL,
                        help="admin connection used to create and drop the throw-away database")
    parser.add_argument("-n", "--transactions", type=int, default=None,
                        help="baseline A transactions and timed commands (default 2000)")
    parser.add_argument("--what-if", action="store_true",
                        help="also measure alternative settings and profile one command")
    return parser.parse_args(argv)


def measure(url: str, sizes: Sizes, console: Console) -> tuple[list[Figure], UUID]:
    """Every scenario of the suite in order, against the database at ``url``."""
    services = bootstrap({"LBX_DATABASE_URL": url})
    try:
        with raw.connect(url) as raw_conn:
            console.log("single commands, alternating with baseline A")
            figures = suite.commands(services.runtime, raw_conn, sizes)
            console.log("batched saves, alternating with baseline B")
            figures += suite.batches(services.ledger, raw_conn, sizes)
            console.log(f"projections over {sizes.log_events:,} events, with baseline C")
            views = suite.projections(services, raw_conn, sizes)
        console.log(f"one long customer ({sizes.history:,} events)")
        history, customer_id = suite.long_history(services, sizes, views[0])
        console.log("loads")
        figures += views + history + suite.loads(services, sizes, customer_id)
        size = scenarios.mean_event_bytes(services.ledger, customer_id)
    finally:
        services.close()
    figures[1] = replace(figures[1], note=f"{figures[1].note}; LBX events ~{size:,.0f} bytes")
    return figures, customer_id


def peak_rss_mib() -> float:
    """The process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and print the table; exit 0 unless something crashed."""
    args = parse_args(argv)
    # A plain SIGTERM would skip the ``finally`` that drops the throw-away database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    sizes = QUICK if args.quick else Sizes()
    if args.transactions:
        sizes = replace(sizes, transactions=args.transactions)
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)  # a log file: wide enough for the table, no wrapping
    started = time.perf_counter()
    with throwaway_database(args.database_url) as url:
        figures, customer_id = measure(url, sizes, console)
        console.print(table("LBX on PostgreSQL (ratios are to baselines of this run)", figures))
        console.print(table("Bill run (issue 3; ratio to its own alternating baseline B)",
                            billrun.measure(url, sizes.bill_run, console)))
        if args.what_if:
            from bench import billprofile, whatif  # noqa: PLC0415  (only when asked for)

            whatif.run(url, sizes, customer_id, console)
            billprofile.run(url, console, min(billprofile.CUSTOMERS, sizes.bill_run))
    console.print(f"peak RSS {peak_rss_mib():,.0f} MiB; "
                  f"wall time {time.perf_counter() - started:,.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
