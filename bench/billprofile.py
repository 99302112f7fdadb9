"""Where a bill run's time goes, per customer, and what proposed changes would buy.

The bill run (``bench.billrun``) is far from its target, so this module answers "where do
a customer's milliseconds go?" three ways, each over fresh, never-billed customers loaded
cold (a daily run's customers are not in a 5,000-entry cache):

- exclusive timers around the steps of one run (a wrapped call's time minus that of the
  wrapped calls inside it, so the phases add up to the run);
- cProfile's functions with the most own time;
- customers/s under other ways of running it, prototyped by patching one ``Ledger``
  instance or by a setting, measured in alternating rounds: among them the loads of
  before the batched load (two queries per customer), so that the gain of the batched
  load is measured in the same run as the shipped path.

Nothing in LBX is edited; the patches live as long as the ledger they were applied to.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import signal
import sys
import time
from collections import defaultdict
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import eventsourcing.application
from rich.console import Console

from api.bootstrap import bootstrap
from bench import billrun
from bench.db import DEFAULT_ADMIN_URL, throwaway_database
from bench.interleave import interleave
from bench.phases import patched, phase_table, profile_table
from bench.results import rate, table
from bench.variants import Variant
from commands import invoicing
from ledger import application as ledger_application
from ledger.customers import Customer
from ledger.customers import billing as customer_billing
from ledger.numbering import NumberSeries

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from uuid import UUID

    from rich.table import Table

    from bench.results import Figure
    from commands.runtime import Runtime
    from ledger.application import Ledger

CUSTOMERS = 2_000
"""Customers per measurement: enough batches (20) to average, small enough to set up fast."""


class ExclusiveTimers:
    """Seconds per phase, exclusive: time inside a nested wrapped call counts only there."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []

    def wrapped(self, owner: Any, attribute: str, phase: str) -> AbstractContextManager[None]:
        """Time every call of ``owner.attribute`` under ``phase`` until the block ends."""
        inner = self._inner

        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def timed(*args: Any, **kwargs: Any) -> Any:
                inner.append(0.0)
                begun = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent = time.perf_counter() - begun
                    self.seconds[phase] += spent - inner.pop()
                    if inner:
                        inner[-1] += spent
            return timed

        return patched(owner, attribute, wrap)


PHASES = (
    ("load: SELECT latest snapshots (1 round trip per batch)", "snapshot_select"),
    ("load: SELECT events after them (1 round trip per batch)", "events_select"),
    ("load: decode rows (orjson + pydantic event models)", "decode"),
    ("load: replay the events onto the aggregate", "replay"),
    ("load: deepcopy out of the aggregate cache", "deepcopy"),
    ("load: cache and repository bookkeeping", "repository"),
    ("draft: state -> engine terms, cursors, credit", "draft"),
    ("engine: ledger.billing.engine.bill()", "engine"),
    ("issue: InvoiceIssued (lines, event model, hash)", "issue"),
    ("numbering: open the series (a cached aggregate)", "series"),
    ("numbering: NumberSeries.allocate (100 numbers)", "allocate"),
    ("save: encode events (model_dump + orjson)", "encode"),
    ("save: INSERT transaction", "insert"),
    ("save: bookkeeping (collect events, cache put, snapshots)", "save"),
)


def _steps(ledger: Ledger) -> list[tuple[Any, str, str]]:
    """What to time: (owner, attribute, phase) for each step this ledger has.

    The load path is listed twice, as the library ships it (``repository.get``) and as the
    ledger may override it (``_take``/``_copy``/``_reconstruct``); only the attributes
    that exist are wrapped, so the breakdown follows the core as it changes.
    """
    snapshots = ledger.snapshots
    assert snapshots is not None  # the ledger snapshots customers
    repository = ledger.repository
    candidates = [
        (snapshots.recorder, "select_events", "snapshot_select"),
        (ledger.recorder, "select_events", "events_select"),
        (ledger_application, "select_latest", "snapshot_select"),
        (ledger_application, "select_after", "events_select"),
        (ledger.mapper, "to_domain_event", "decode"),
        (repository, "_reconstruct_aggregate", "replay"),
        (ledger, "_reconstruct", "replay"),
        (ledger, "_reconstruct_many", "replay"),
        (eventsourcing.application, "deepcopy", "deepcopy"),
        (repository, "get", "repository"),
        (ledger, "_take", "repository"),
        (ledger, "_copy", "repository"),
        (ledger, "load_many", "repository"),
        (Customer, "draft_invoice", "draft"),
        (customer_billing, "bill", "engine"),
        (Customer, "issue_invoice", "issue"),
        (invoicing, "open_series", "series"),
        (NumberSeries, "allocate", "allocate"),
        (ledger.mapper, "to_stored_event", "encode"),
        (ledger.recorder, "insert_events", "insert"),
        (ledger, "save_all", "save"),
    ]
    return [step for step in candidates if hasattr(step[0], step[1])]


def breakdown(runtime: Runtime, ids: Sequence[UUID]) -> Table:
    """Milliseconds per customer in each phase of one bill run over ``ids``."""
    timers = ExclusiveTimers()
    with ExitStack() as stack:
        for owner, attribute, phase in _steps(runtime.ledger):
            stack.enter_context(timers.wrapped(owner, attribute, phase))
        report, total = billrun.bill(runtime, ids)
    count = report.customers
    return phase_table(f"One bill run by phase, ms per customer ({count:,} cold customers, "
                       f"batches of {billrun.BILL_BATCH})", "customer", phases=PHASES,
                       seconds=timers.seconds, count=count, total=total,
                       other="other (run_billing, provenance, issue_due_invoices, report)")


def hotspots(runtime: Runtime, ids: Sequence[UUID], top: int = 20) -> Table:
    """The functions with the most own time over one bill run, under cProfile.

    cProfile roughly doubles the cost of Python calls, so read shares, not milliseconds.
    """
    profile = cProfile.Profile()
    profile.enable()
    report, _ = billrun.bill(runtime, ids)
    profile.disable()
    count = report.customers
    return profile_table(
        profile, count, "customer",
        f"Hot spots over one bill run of {count:,} customers (cProfile, own time; total "
        "{per_unit:.2f} ms/customer under the profiler)", top)


def per_customer_loads(ledger: Ledger) -> None:
    """Load a batch one customer at a time, as the bill run did before batched loads.

    Two round trips per cold customer (its latest snapshot, then the events after it).
    """
    def customers(customer_ids: Sequence[UUID], *, for_update: bool = False) -> list[Customer]:
        return [ledger.customer(customer_id, for_update=for_update)
                for customer_id in customer_ids]

    setattr(ledger, "customers", customers)  # noqa: B010  (instance patch, this ledger only)


@dataclass(frozen=True)
class Proposal:
    """A way to run the same bill run: a batch size, a patch of the ledger, the collector."""

    name: str
    batch: int = billrun.BILL_BATCH
    patch: Callable[[Ledger], None] | None = None
    no_collector: bool = False
    """Run with the cyclic garbage collector off (``gc.disable()``), to show its share."""

    def runtime(self, url: str, number: int) -> Runtime:
        """A runtime with its own ledger (patched if asked) and its own invoice series.

        Separate series keep the proposals from racing for numbers, which would make every
        batch of all but one of them fail its save once and start again.
        """
        runtime = replace(AS_SHIPPED.build(url), invoice_prefix=f"P{number}")
        if self.patch is not None:
            self.patch(runtime.ledger)
        return runtime


PROPOSALS = (
    Proposal("as shipped (batched loads), batches of 100"),
    Proposal("loads one customer at a time (before batched loads), batches of 100",
             patch=per_customer_loads),
    Proposal("as shipped, batches of 500", batch=500),
    Proposal("as shipped, batches of 100, cyclic GC off during the run (a process setting)",
             no_collector=True),
)
AS_SHIPPED = Variant("as shipped")


def compare(url: str, customers: int, console: Console) -> list[Figure]:
    """Customers/s of each proposal on its own fresh customers, in alternating rounds.

    A round bills as many customers as the largest batch, so that every proposal's batches
    are whole ones: a round of 200 with a batch size of 500 would measure batches of 200.
    """
    chunk = max(proposal.batch for proposal in PROPOSALS)  # whole batches in every round
    rounds = max(2, -(-customers // chunk))
    workloads: list[Callable[[int], float]] = []
    runtimes = []
    for number, proposal in enumerate(PROPOSALS):
        ids = _populated(url, chunk * rounds, f"proposal{number}", console)
        runtime = proposal.runtime(url, number)
        runtimes.append(runtime)
        workloads.append(_rounds(runtime, ids, chunk, proposal.batch, proposal.no_collector))
    console.log(f"bill-run proposals: {len(PROPOSALS)} x {chunk * rounds:,} customers, "
                f"alternating")
    seconds = interleave(rounds, workloads)
    for runtime in runtimes:
        runtime.ledger.close()
    base = rate(PROPOSALS[0].name, chunk * rounds, seconds[0], "customers/s", key="shipped")
    return [base] + [
        rate(proposal.name, chunk * rounds, spent, "customers/s", baseline=base)
        for proposal, spent in zip(PROPOSALS[1:], seconds[1:], strict=True)
    ]


def _rounds(
    runtime: Runtime, ids: Sequence[UUID], chunk: int, batch: int, no_collector: bool,
) -> Callable[[int], float]:
    def workload(round_number: int) -> float:
        part = ids[round_number * chunk:(round_number + 1) * chunk]
        if not no_collector:
            return billrun.bill(runtime, part, batch)[1]
        gc.disable()
        try:
            return billrun.bill(runtime, part, batch)[1]
        finally:
            gc.enable()

    return workload


def _populated(url: str, count: int, prefix: str, console: Console) -> list[UUID]:
    """Save ``count`` fresh subscribed customers; their ids (none of them is cached)."""
    console.log(f"bill-run profile: saving {count:,} subscribed customers ({prefix})")
    services = bootstrap({"LBX_DATABASE_URL": url})
    try:
        billrun.populate(services.runtime, count, prefix)
    finally:
        services.close()
    return billrun.customer_ids(count, prefix)


def run(url: str, console: Console, customers: int = CUSTOMERS) -> None:
    """Print the phase breakdown, the hot spots and the proposals' customers/s."""
    phase_ids = _populated(url, customers, "phases", console)
    profile_ids = _populated(url, customers, "profile", console)
    runtime = replace(AS_SHIPPED.build(url), invoice_prefix="PROF")
    try:
        console.print(breakdown(runtime, phase_ids))
        console.print(hotspots(runtime, profile_ids))
    finally:
        runtime.ledger.close()
    console.print(table("What if: bill-run customers/s under proposed changes (alternating "
                        "rounds, cold customers)", compare(url, customers, console)))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.billprofile``: the diagnosis alone, in a throw-away database."""
    parser = argparse.ArgumentParser(prog="python -m bench.billprofile", description=__doc__)
    parser.add_argument("--customers", type=int, default=CUSTOMERS,
                        help=f"customers per measurement (default {CUSTOMERS:,})")
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL,
                        help="admin connection used to create and drop the throw-away database")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    console = Console() if Console().is_terminal else Console(width=120)
    with throwaway_database(args.database_url) as url:
        run(url, console, args.customers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
