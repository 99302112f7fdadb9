"""RunDunning: take the dunning steps a customer's overdue invoices have reached by a date.

``RunDunning`` serves one customer through the unit of work (idempotent under its key).
:func:`run_dunning_for` is the daily scheduler's fan-out: the policy is read once, then
customers are decided and saved in batches, one transaction per batch, like a bill run.
``RunDunningFor`` is that fan-out asked for under a client key (``POST /v1/dunning/runs``):
its report is kept under the key, so a retry answers the same report.
Dunning is idempotent by construction — each step is taken at most once per invoice — so
running the same date twice, or again after a run was killed half-way, repeats nothing.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID, uuid4

from pydantic import Field

from commands.base import Command, Context, CustomerCommand
from commands.unit_of_work import execute, execute_once
from ledger.application import BATCH_LOCK_WAIT, WriteConflict
from ledger.dunning import DEFAULT_TERMS, DUNNING_POLICY_ID, DunningPolicy
from ledger.errors import LedgerError, NotFound

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from commands.base import Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.customers import Customer
    from ledger.customers.dunning_decisions import StepTaken
    from ledger.dunning import DunningTerms
    from ledger.events import Provenance, Source

MAX_BATCH_ATTEMPTS = 10


class RunDunning(CustomerCommand):
    """Take every dunning step due by ``as_of`` (today when omitted) for one customer."""

    as_of: date | None = None


class RunDunningFor(Command):
    """Take every dunning step due by ``as_of`` for many customers (all when omitted)."""

    as_of: date | None = None
    customer_ids: Annotated[list[UUID], Field(max_length=10_000)] | None = None


def policy_terms(runtime: Runtime) -> DunningTerms:
    """The dunning policy in force: the latest published version, else the default."""
    runtime.ledger.forget(DUNNING_POLICY_ID)  # published by another process? read it fresh
    try:
        return runtime.ledger.load(DUNNING_POLICY_ID, DunningPolicy).terms()
    except NotFound:
        return DEFAULT_TERMS


def handle(command: RunDunning, context: Context, runtime: Runtime) -> Outcome:
    """Take the customer's due steps and suspend or reactivate it accordingly."""

    def decide(provenance: Provenance) -> Decision:
        as_of = command.as_of or context.effective_date or runtime.clock.today()
        terms = policy_terms(runtime)
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        taken = customer.take_dunning_steps(provenance, as_of, terms, runtime.definition,
                                            today=runtime.clock.today())
        return [customer], {
            "as_of": as_of.isoformat(), "policy_version": terms.version,
            "steps": [asdict(step) for step in taken], "status": customer.state.status.value,
        }

    return execute(runtime, context, command, command.customer_id, decide)


def handle_many(command: RunDunningFor, context: Context, runtime: Runtime) -> Outcome:
    """Run dunning once under the client's key; a retry answers the first run's report."""

    def work() -> dict[str, Any]:
        as_of = command.as_of or context.effective_date or runtime.clock.today()
        ids = (command.customer_ids if command.customer_ids is not None
               else runtime.ledger.customer_ids())
        return run_dunning_for(runtime, ids, as_of, context).summary()

    return execute_once(runtime, context, command, work)


@dataclass
class DunningReport:
    """What a dunning run did, customer by customer."""

    as_of: date
    policy_version: int
    correlation_id: UUID | None = None
    """The run's id: every step the run took carries it as its correlation id."""
    customers: int = 0
    steps: list[tuple[str, StepTaken]] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The report as plain data (JSON), as the API answers it and a key keeps it."""
        return {
            "as_of": self.as_of.isoformat(), "policy_version": self.policy_version,
            "customers": self.customers,
            "correlation_id": None if self.correlation_id is None else str(self.correlation_id),
            "steps": [{"customer_id": cid, **asdict(step)} for cid, step in self.steps],
            "suspended": self.suspended, "reactivated": self.reactivated,
            "skipped": [{"customer_id": cid, "detail": why} for cid, why in self.skipped],
        }


def dunning_run_context(actor: str, source: Source = "scheduler") -> Context:
    """The context a scheduled or manual dunning run records its steps under."""
    return Context(actor=actor, source=source, idempotency_key=f"dunning-run/{uuid4()}")


def run_dunning_for(
    runtime: Runtime, customer_ids: Iterable[UUID], as_of: date,
    context: Context | None = None, *, batch_size: int = 100,
) -> DunningReport:
    """Run dunning as of ``as_of`` for the given customers (all of them, usually).

    A customer whose dunning is refused is skipped and reported; it does not stop the run.
    One run is one correlation: every step of every batch (and retry) carries
    ``context.correlation_id``, which the report names. A customer named twice is dunned
    once: loaded twice in one batch, both copies would take the same steps and the batch
    could never be saved.
    """
    context = context or dunning_run_context("scheduler:dunning")
    terms = policy_terms(runtime)
    report = DunningReport(as_of, terms.version, context.correlation_id)
    for batch in _batches(_once_each(customer_ids), batch_size):
        _run_batch(runtime, context, batch, terms, report)
        report.customers += len(batch)
    return report


def _once_each(ids: Iterable[UUID]) -> Iterator[UUID]:
    """The ids in their order, each the first time it comes (read lazily, like the ids)."""
    seen: set[UUID] = set()
    for customer_id in ids:
        if customer_id not in seen:
            seen.add(customer_id)
            yield customer_id


def _batches(ids: Iterable[UUID], size: int) -> Iterator[list[UUID]]:
    iterator = iter(ids)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _run_batch(
    runtime: Runtime, context: Context, batch: list[UUID], terms: DunningTerms,
    report: DunningReport,
) -> None:
    for attempt in range(MAX_BATCH_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, min(0.5, 0.01 * 2 ** attempt)))  # noqa: S311
        partial = DunningReport(report.as_of, terms.version)
        with runtime.ledger.exclusive(*batch, wait=BATCH_LOCK_WAIT):
            # every batch and retry of one run records under the run's correlation id
            provenance = context.provenance(runtime.clock.now())
            decided = [c for cid in batch
                       if (c := _decide(runtime, provenance, cid, terms, partial))]
            try:
                runtime.ledger.save_all(*decided)
            except WriteConflict:
                continue
        report.steps.extend(partial.steps)
        report.suspended.extend(partial.suspended)
        report.reactivated.extend(partial.reactivated)
        report.skipped.extend(partial.skipped)
        return
    why = f"kept conflicting with other writers after {MAX_BATCH_ATTEMPTS} attempts; run again"
    report.skipped.extend((str(customer_id), why) for customer_id in batch)


def _decide(
    runtime: Runtime, provenance: Provenance, customer_id: UUID, terms: DunningTerms,
    report: DunningReport,
) -> Customer | None:
    try:
        customer = runtime.ledger.customer(customer_id, for_update=True)
        before = customer.state.status
        taken = customer.take_dunning_steps(provenance, report.as_of, terms, runtime.definition,
                                            today=runtime.clock.today())
    except LedgerError as error:  # the customer, taken out of the cache, is simply dropped
        report.skipped.append((str(customer_id), error.detail))
        return None
    report.steps.extend((str(customer_id), step) for step in taken)
    after = customer.state.status
    if after is not before:
        (report.suspended if after.value == "suspended" else report.reactivated).append(
            str(customer_id))
    return customer
