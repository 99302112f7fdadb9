"""RunBilling: bill every customer for what is due by a date, in batches.

A bill run is a fan-out of per-customer decisions: each customer's due invoice is drafted
from its own aggregate (plus the read-only catalog), and a batch of customers is saved in
one transaction together with the invoice numbers it used. Billing is idempotent by
construction — a subscription's billing cursor moves with its invoice — so running the same
date twice, or again after a run was killed half-way, bills every period exactly once.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Annotated
from uuid import uuid4

from pydantic import Field

from commands.base import Command, Context
from commands.invoicing import IssuedInvoice, issue_due_invoices
from ledger.application import BATCH_LOCK_WAIT, WriteConflict

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from uuid import UUID

    from commands.runtime import Runtime
    from ledger.events import Source

MAX_BATCH_ATTEMPTS = 10
RUN_GEN0_THRESHOLD = 10_000
"""The collector's generation-0 threshold while a bill run is in progress (default 700)."""


class RunBilling(Command):
    """Bill everything due by ``as_of``; ``dry_run`` shows what would be billed, writing nothing."""

    as_of: date
    dry_run: bool = False
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 100


@dataclass
class BillRunReport:
    """What a bill run did."""

    as_of: date
    dry_run: bool
    correlation_id: UUID | None = None
    """The run's id: every event the run recorded carries it as its correlation id."""
    customers: int = 0
    invoices: list[IssuedInvoice] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def totals(self) -> dict[str, str]:
        """Invoiced totals per currency, as decimal strings."""
        from ledger.money import Money  # noqa: PLC0415

        sums: dict[str, int] = {}
        for invoice in self.invoices:
            minor = Money.parse(invoice.total, invoice.currency).minor
            sums[invoice.currency] = sums.get(invoice.currency, 0) + minor
        return {cur: Money(minor, cur).to_decimal_string() for cur, minor in sums.items()}


def _batches(ids: Iterable[UUID], size: int) -> Iterator[list[UUID]]:
    iterator = iter(ids)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class _CollectorPacing:
    """Fewer cyclic garbage collections while any bill run of this process is running.

    Why: a bill run allocates a great many small objects (event models, money, dates), and
    CPython's collector starts a collection every 700 net allocations; with thousands of
    aggregates in the cache those collections took a third or more of a run's time
    (``bench.billprofile``). A higher generation-0 threshold collects the same garbage,
    less often. It is a process setting, so runs in several threads share one raise, and
    the last one to finish puts the previous thresholds back. Nothing computed changes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs = 0
        self._saved = gc.get_threshold()

    @contextlib.contextmanager
    def relaxed(self) -> Iterator[None]:
        """Raise the generation-0 threshold until the block (and any other's) ends."""
        with self._lock:
            if self._runs == 0:
                self._saved = gc.get_threshold()
                first, *older = self._saved
                gc.set_threshold(max(first, RUN_GEN0_THRESHOLD), *older)
            self._runs += 1
        try:
            yield
        finally:
            with self._lock:
                self._runs -= 1
                if self._runs == 0:
                    gc.set_threshold(*self._saved)


_pacing = _CollectorPacing()


def run_billing(
    command: RunBilling, context: Context, runtime: Runtime, customer_ids: Iterable[UUID],
    progress: Callable[[int], None] | None = None,
) -> BillRunReport:
    """Bill the given customers (all of them, usually) batch by batch.

    One run is one correlation: every event of every batch (and of every retried batch)
    carries ``context.correlation_id``, which the report names, so an auditor can pull
    everything a run did by that id.

    A customer whose billing is refused (e.g. its tariff was removed) is skipped and
    reported; it does not stop the run.
    """
    report = BillRunReport(command.as_of, command.dry_run, context.correlation_id)
    with _pacing.relaxed():
        for batch in _batches(customer_ids, command.batch_size):
            issued, skipped = _bill_batch(runtime, context, batch, command)
            report.customers += len(batch)
            report.invoices.extend(issued)
            report.skipped.extend(skipped)
            if progress is not None:
                progress(len(batch))
    return report


def _bill_batch(
    runtime: Runtime, context: Context, batch: list[UUID], command: RunBilling
) -> tuple[list[IssuedInvoice], list[tuple[str, str]]]:
    for attempt in range(MAX_BATCH_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, min(0.5, 0.01 * 2 ** attempt)))  # noqa: S311
        with runtime.ledger.exclusive(*batch, wait=BATCH_LOCK_WAIT):
            # every batch and retry of one run records under the run's correlation id
            provenance = context.provenance(runtime.clock.now())
            # One query for the batch's snapshots and one for the events after them; an id
            # listed twice is billed once (two objects of one customer would bill it twice).
            customers = runtime.ledger.customers(list(dict.fromkeys(batch)), for_update=True)
            skipped: list[tuple[str, str]] = []
            series, issued = issue_due_invoices(
                runtime, provenance, customers, command.as_of, skipped)
            if command.dry_run or series is None:
                runtime.ledger.put_back(*customers)  # those a dry run billed stay out
                return issued, skipped
            try:
                runtime.ledger.save_all(series, *customers)
            except WriteConflict:
                continue
        return issued, skipped
    # another writer kept winning (e.g. a second bill run): report the batch, go on
    why = f"kept conflicting with other writers after {MAX_BATCH_ATTEMPTS} attempts; run again"
    return [], [(str(customer_id), why) for customer_id in batch]


def bill_run_context(actor: str, source: Source = "scheduler") -> Context:
    """The context a scheduled or manual bill run records its invoices under."""
    return Context(actor=actor, source=source,
                   idempotency_key=f"bill-run/{uuid4()}")
