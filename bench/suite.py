"""The default suite: each LBX scenario next to the raw baseline it is divided by.

Order matters. The projections catch up over a log of many small customers first; only
then is the one long customer written, and its 10,050 events are caught up separately,
because a view that updates the same row thousands of times in one transaction behaves
very differently from one that touches many rows a few times, and mixing the two would
hide both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench import raw, scenarios
from bench.interleave import interleave
from bench.results import Figure, Target, median_ms, percentile_ms, rate

if TYPE_CHECKING:
    from uuid import UUID

    from psycopg import Connection

    from api.bootstrap import Services
    from commands.runtime import Runtime
    from ledger.application import Ledger

    RawConnection = Connection[tuple[object, ...]]

COMMANDS_TARGET = Target("ratio_at_least", 0.50)
COLD_LOAD_TARGET_MS = Target("value_below", 20.0)
ROUNDS = 10
"""Alternating rounds of baseline A and the single commands."""


@dataclass(frozen=True)
class Sizes:
    """How much each scenario does; the defaults aim at a few minutes on 2 shared cores."""

    transactions: int = 2000
    """Baseline A's transactions and the number of timed RecordPayment commands."""
    customers: int = 100
    """Customers the commands are spread over."""
    batch_rounds: int = 40
    """``save_all`` calls of 100 customers, alternating with baseline B's 100-row ones."""
    log_events: int = 20_000
    """Notifications in the log before the projections catch up from zero."""
    history: int = 10_050
    """Events of the long customer: a snapshot at 10,000 plus 50, the mean distance to one."""
    loads: int = 20
    """Cold loads of the long customer (the median is reported)."""
    replays: int = 3
    """Loads of the long customer without snapshots (every event is replayed)."""
    bill_run: int = 20_000
    """Customers of the bill run (``bench.billrun``). Issue 3 asks for 100,000, which takes
    ~8-10 minutes here with set-up; ``python -m bench.billrun`` runs the full size alone."""


QUICK = Sizes(transactions=200, customers=20, batch_rounds=5, log_events=2_000, history=1_050,
              loads=5, replays=1, bill_run=1_000)


def cache_settings(ledger: Ledger) -> str:
    """The aggregate cache's policy, as the notes print it.

    ``Ledger.load`` decides copying itself (the library's DEEPCOPY and FASTFORWARD
    settings no longer apply to it): a writer takes the cached object, a reader copies it.
    """
    if ledger.repository.cache is None:
        return "no aggregate cache"
    return "cache: writers take the object (no copy), readers copy"


def commands(runtime: Runtime, raw_conn: RawConnection, sizes: Sizes) -> list[Figure]:
    """Baseline A and RecordPayment through ``dispatch``, in alternating rounds."""
    customer_ids = scenarios.register_customers(runtime, sizes.customers, "cmd")
    scenarios.record_payments(runtime, customer_ids, len(customer_ids), "warm")  # fill cache
    chunk = max(1, sizes.transactions // ROUNDS)
    samples: list[float] = []

    def lbx(round_number: int) -> float:
        timings = scenarios.record_payments(runtime, customer_ids, chunk, f"cmd{round_number}")
        samples.extend(timings.samples)
        return timings.seconds

    raw_seconds, lbx_seconds = interleave(
        ROUNDS, [lambda _: raw.single_row_transactions(raw_conn, chunk), lbx]
    )
    count = chunk * ROUNDS
    base = rate("A: raw BEGIN; INSERT 1 row; COMMIT", count, raw_seconds, "rows/s", key="A",
                note=f"{raw.STATE_BYTES}-byte state; alternated with the row below")
    return [base, rate(
        "LBX RecordPayment via dispatch", count, lbx_seconds, "commands/s",
        baseline=base, target=COMMANDS_TARGET,
        note=f"serial; p50 {median_ms(samples):.2f} ms, p99 {percentile_ms(samples, 0.99):.2f}"
             f" ms; 2 events per command (payment + idempotency record); "
             f"{sizes.customers} customers, warm; {cache_settings(runtime.ledger)}",
    )]


def batches(ledger: Ledger, raw_conn: RawConnection, sizes: Sizes) -> list[Figure]:
    """Baseline B and ``save_all`` of 100 customers, in alternating rounds."""
    writer = scenarios.BatchedCustomers(ledger, batch=100, prefix="batch")
    raw_seconds, lbx_seconds = interleave(
        sizes.batch_rounds, [lambda _: raw.batch_transactions(raw_conn, 1), writer.round]
    )
    base = rate("B: raw BEGIN; INSERT 100 rows; COMMIT", sizes.batch_rounds * 100, raw_seconds,
                "rows/s", key="B", note="INSERT ... SELECT FROM unnest(arrays), as the recorder")
    saving = writer.events / writer.saving
    return [base, rate(
        "LBX ledger.save_all(100 customers)", writer.events, lbx_seconds, "events/s",
        baseline=base,
        note=f"deciding + saving; save_all alone {saving:,.0f} events/s = "
             f"{saving / base.value:.2f} x B",
    )]


def projections(services: Services, raw_conn: RawConnection, sizes: Sizes) -> list[Figure]:
    """Baseline C, then every view caught up from zero, then one view rebuilt."""
    scenarios.top_up(services.ledger, sizes.log_events, "fill")
    seconds, rows = raw.paged_reads(raw_conn, page=500)
    base = rate("C: raw SELECT 500-row pages", rows, seconds, "rows/s", key="C",
                note="the baseline table read back in notification order")
    runner = services.runner
    seconds, count = scenarios.timed_catch_up(runner)
    catch_up = rate("projection catch-up from zero (all views)", count, seconds, "events/s",
                    baseline=base, note=f"{len(runner.projections)} views, batches of "
                    f"{runner.batch_size}; many customers, a few events each")
    seconds, count = scenarios.timed_rebuild(runner, "customers")
    rebuild = rate("projection rebuild ('customers' view)", count, seconds, "events/s",
                   baseline=base, note="one view, one transaction")
    return [base, catch_up, rebuild]


def long_history(services: Services, sizes: Sizes, base: Figure) -> tuple[list[Figure], UUID]:
    """Write the long customer (timed, as a batch import), then catch the views up on it."""
    begun = time.perf_counter()
    customer_id = scenarios.long_history(services.ledger, sizes.history, 100, "long")
    writing = rate(f"write one customer's {sizes.history:,} events", sizes.history,
                   time.perf_counter() - begun, "events/s",
                   note="100 payments per save_all; a snapshot every 100 versions")
    seconds, count = scenarios.timed_catch_up(services.runner)
    hot = rate("catch-up of that one customer's events", count, seconds, "events/s",
               baseline=base, note="every event updates the same view rows")
    return [writing, hot], customer_id


def loads(services: Services, sizes: Sizes, customer_id: UUID) -> list[Figure]:
    """Cold loads of the long customer with snapshots, without them, and warm from cache."""
    ledger = services.ledger
    replays = scenarios.loads_without_snapshots(ledger, customer_id, sizes.replays)
    full = Figure("cold load, no snapshot (full replay)", median_ms(replays), "ms",
                  sizes.replays, key="full", note=f"{sizes.history:,} events replayed")
    cold = scenarios.loads(ledger, customer_id, sizes.loads)
    warm = scenarios.loads(ledger, customer_id, max(3, sizes.loads // 4), cold=False)
    behind = sizes.history % 100
    kib = scenarios.snapshot_bytes(ledger, customer_id) / 1024
    return [
        Figure("cold load, from snapshot (median)", median_ms(cold), "ms", sizes.loads,
               baseline=full, target=COLD_LOAD_TARGET_MS,
               note=f"snapshot {kib:,.0f} KiB + {behind} events; max {max(cold) * 1000:.1f} "
                    f"ms; 'cold' = evicted from the aggregate cache"),
        full,
        Figure("warm load, cache hit (median)", median_ms(warm), "ms", len(warm),
               baseline=full, note=cache_settings(ledger)),
    ]
