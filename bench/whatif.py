"""Diagnosis for missed targets: other settings, a save's transaction, where time goes.

Everything here changes LBX only from the outside (see :mod:`bench.variants`). Each
variant's throughput is measured in rounds that alternate with baseline A, so the ratios
compare like with like on a shared machine.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING

from bench import phases, raw, scenarios, shapes
from bench.interleave import interleave
from bench.results import Figure, Target, median_ms, rate, table
from bench.suite import COLD_LOAD_TARGET_MS, cache_settings
from bench.variants import AS_CONFIGURED, LEAN, VARIANTS, Variant, skip_protocol_check

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from rich.console import Console

    from bench.suite import Sizes
    from commands.runtime import Runtime
    from ledger.application import Ledger

ROUNDS = 10
TARGET = Target("ratio_at_least", 0.50)
LONG_PER_ROUND = 2
"""Commands per round on the long customer: each one can cost a deepcopy of its history."""


def compare(url: str, sizes: Sizes, long_id: UUID | None) -> list[Figure]:
    """Commands/s of every variant, alternating with baseline A; then on the long customer."""
    chunk = max(1, sizes.transactions // ROUNDS)
    runtimes = {variant.name: variant.build(url) for variant in VARIANTS}
    named: list[tuple[str, int, Callable[[int], float]]] = []
    for number, (name, runtime) in enumerate(runtimes.items()):
        ids = scenarios.register_customers(runtime, sizes.customers, f"v{number}")
        scenarios.record_payments(runtime, ids, len(ids), f"v{number}-warm")
        label = f"{name} ({cache_settings(runtime.ledger)})" if number == 0 else name
        named.append((label, chunk, _commands(runtime, ids, chunk, f"v{number}")))
    if long_id is not None:
        for number, variant in enumerate((AS_CONFIGURED, LEAN)):
            runtime = runtimes[variant.name]
            scenarios.record_payments(runtime, [long_id], 1, f"long{number}-warm")
            named.append((f"{variant.name}, on the long customer", LONG_PER_ROUND,
                          _commands(runtime, [long_id], LONG_PER_ROUND, f"long{number}")))
    with raw.connect(url) as conn:
        seconds = interleave(ROUNDS, [lambda _: raw.single_row_transactions(conn, chunk),
                                      *(workload for _, _, workload in named)])
    for runtime in runtimes.values():
        runtime.ledger.close()
    base = rate("A: raw BEGIN; INSERT 1 row; COMMIT", chunk * ROUNDS, seconds[0], "rows/s",
                key="A")
    return [base] + [
        rate(name, count * ROUNDS, spent, "commands/s", baseline=base, target=TARGET)
        for (name, count, _), spent in zip(named, seconds[1:], strict=True)
    ]


def _commands(
    runtime: Runtime, ids: list[UUID], chunk: int, prefix: str
) -> Callable[[int], float]:
    def workload(round_number: int) -> float:
        return scenarios.record_payments(runtime, ids, chunk, f"{prefix}-{round_number}").seconds

    return workload


def cold_loads(url: str, long_id: UUID, count: int, replays: int) -> list[Figure]:
    """Cold loads of the long customer: cache settings, and full replays with and without
    the library projector's Protocol assert."""
    cases = (
        (AS_CONFIGURED, True, count),
        (AS_CONFIGURED, False, replays),
        (Variant("projector without Protocol assert", patch=skip_protocol_check), False,
         replays),
    )
    figures = []
    for variant, snapshots, loads in cases:
        ledger = variant.build(url).ledger
        try:
            if snapshots:
                samples = scenarios.loads(ledger, long_id, loads)
            else:
                samples = scenarios.loads_without_snapshots(ledger, long_id, loads)
            how = "from snapshot" if snapshots else "full replay"
            figures.append(Figure(f"{how}, {variant.name}", median_ms(samples), "ms", loads,
                                  target=COLD_LOAD_TARGET_MS if snapshots else None,
                                  note=cache_settings(ledger)))
        finally:
            ledger.close()
    return figures


def copy_cost_ms(ledger: Ledger, customer_id: UUID, repeats: int = 5) -> float:
    """Median milliseconds of one ``deepcopy`` of a customer: what every cache hit pays."""
    customer = ledger.customer(customer_id)
    samples = []
    for _ in range(repeats):
        begun = time.perf_counter()
        copy.deepcopy(customer)
        samples.append(time.perf_counter() - begun)
    return median_ms(samples)


def run(url: str, sizes: Sizes, long_id: UUID | None, console: Console) -> None:
    """Print every diagnosis table for the single command and the cold load."""
    console.log("what-if: single-command variants, alternating with baseline A")
    variants = compare(url, sizes, long_id)
    console.print(table("What if: RecordPayment under other settings (same DB, same run)",
                        variants))
    console.log("what-if: transaction shapes, alternating")
    console.print(table("One save's transaction, piece by piece (alternating rounds)",
                        shapes.measure(url, sizes.transactions)))
    runtime = AS_CONFIGURED.build(url)
    try:
        ids = scenarios.register_customers(runtime, sizes.customers, "phase")
        scenarios.record_payments(runtime, ids, len(ids), "phase-warm")
        count = max(1, sizes.transactions // 2)
        console.print(phases.breakdown(runtime, ids, count, 1000 / variants[0].value))
        console.print(phases.hotspots(runtime, ids, count))
        if long_id is not None:
            scenarios.record_payments(runtime, [long_id], 1, "phase-long-warm")
            console.print(phases.breakdown(runtime, [long_id], 10, 1000 / variants[0].value,
                                           " on the long customer"))
            console.print(phases.load_breakdown(runtime.ledger, long_id, 5))
            console.print(table("Cold load of the long customer, other settings",
                                cold_loads(url, long_id, 5, sizes.replays)))
            console.print(
                f"deepcopy of one customer: {copy_cost_ms(runtime.ledger, ids[0]):.3f} ms "
                f"(~{sizes.transactions // sizes.customers + 2} payments); of the long "
                f"customer: {copy_cost_ms(runtime.ledger, long_id):.1f} ms"
            )
    finally:
        runtime.ledger.close()
