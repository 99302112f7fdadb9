"""The LBX workloads: commands one at a time, batched saves, catch-up and cold replay.

Single commands go through :func:`commands.dispatch.dispatch`, the path every request
takes (pydantic command, idempotency record, optimistic save). Batched saves and the long
history work on aggregates directly, because their point is the cost of writing many
events per transaction, not the cost of a request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from commands.base import Context
from commands.dispatch import dispatch
from commands.record_payment import RecordPayment
from commands.register_customer import RegisterCustomer
from ledger.customers import Customer
from ledger.events import Provenance
from ledger.money import Money

if TYPE_CHECKING:
    from commands.runtime import Runtime
    from ledger.application import Ledger
    from projections.runner import ProjectionRunner

PAYMENT = Money(10000, "RUB")


def provenance() -> Provenance:
    """The provenance of benchmark writes made without a command."""
    return Provenance(
        actor="bench", source="system", recorded_at=datetime.now(UTC), correlation_id=uuid4()
    )


@dataclass(frozen=True)
class Timings:
    """How long a workload took in all, and each of its operations."""

    seconds: float
    samples: list[float]


def register_customers(runtime: Runtime, count: int, prefix: str) -> list[UUID]:
    """Register ``count`` customers through the command path (not timed)."""
    ids = []
    for number in range(count):
        outcome = dispatch(
            RegisterCustomer(external_key=f"{prefix}-{number}", name=f"Bench {number}"),
            Context(actor="bench", source="system", idempotency_key=f"{prefix}-reg-{number}"),
            runtime,
        )
        ids.append(outcome.target_id)
    return ids


def record_payments(
    runtime: Runtime, customer_ids: list[UUID], count: int, prefix: str
) -> Timings:
    """Dispatch ``count`` RecordPayment commands round-robin over the customers, serially.

    Building the command and its context is inside the timing: a request pays for it too.
    Every command has its own idempotency key (``prefix`` must differ between calls), so
    every one of them writes.
    """
    samples = []
    started = time.perf_counter()
    for number in range(count):
        begun = time.perf_counter()
        command = RecordPayment(
            customer_id=customer_ids[number % len(customer_ids)], amount="100.00", currency="RUB"
        )
        context = Context(actor="bench", source="api", idempotency_key=f"{prefix}-{number}")
        dispatch(command, context, runtime)
        samples.append(time.perf_counter() - begun)
    return Timings(time.perf_counter() - started, samples)


class BatchedCustomers:
    """A batch importer's working set: customers held in memory, saved together.

    The first round registers the batch in one ``save_all``; every later round adds one
    payment to each customer and saves them all again. The aggregates stay in memory
    between rounds, so what is timed is deciding (event models, hashes) and saving, not
    loading.
    """

    def __init__(self, ledger: Ledger, batch: int, prefix: str) -> None:
        self.ledger = ledger
        self.batch = batch
        self.prefix = prefix
        self.customers: list[Customer] = []
        self.rounds = 0
        self.saving = 0.0
        """Seconds spent inside ``save_all`` (the rest of a round is deciding)."""

    def round(self, _: int = 0) -> float:
        """Decide and save one round; return its seconds."""
        today = date.today()  # noqa: DTZ011  (the business date does not matter here)
        begun = time.perf_counter()
        stamp = provenance()
        if not self.customers:
            self.customers = [
                Customer.register(stamp, today, external_key=f"{self.prefix}-{n}",
                                  name=f"Batch {n}", currency="RUB")
                for n in range(self.batch)
            ]
        else:
            for n, customer in enumerate(self.customers):
                customer.receive_payment(
                    stamp, today, payment_id=f"{self.prefix}-{self.rounds}-{n}", amount=PAYMENT
                )
        decided = time.perf_counter()
        self.ledger.save_all(*self.customers)
        ended = time.perf_counter()
        self.rounds += 1
        self.saving += ended - decided
        return ended - begun

    @property
    def events(self) -> int:
        """Events written so far."""
        return self.batch * self.rounds


def long_history(ledger: Ledger, events: int, per_save: int, key: str) -> UUID:
    """Write one customer with ``events`` events (a registration, then payments), fast.

    Payments go ``per_save`` to a transaction; the ledger snapshots every 100 versions on
    the way, exactly as it would have if they had arrived one by one.
    """
    today = date.today()  # noqa: DTZ011
    stamp = provenance()
    customer = Customer.register(stamp, today, external_key=key, name="Long", currency="RUB")
    customer_id: UUID = customer.id
    ledger.save_all(customer)
    written = 1
    while written < events:
        for _ in range(min(per_save, events - written)):
            customer.receive_payment(stamp, today, payment_id=f"{key}-{written}", amount=PAYMENT)
            written += 1
        ledger.save_all(customer)
    return customer_id


def top_up(ledger: Ledger, events: int, prefix: str) -> None:
    """Write batched events until the log holds at least ``events`` notifications."""
    writer = BatchedCustomers(ledger, batch=100, prefix=prefix)
    while ledger.max_position() < events:
        writer.round()


def loads(ledger: Ledger, customer_id: UUID, count: int, *, cold: bool = True) -> list[float]:
    """Seconds per load of one customer, evicted from the aggregate cache first if ``cold``.

    Cold means "not in LBX's cache"; PostgreSQL's buffers are warm, as they are in service.
    """
    samples = []
    for _ in range(count):
        if cold:
            ledger.forget(customer_id)
        begun = time.perf_counter()
        ledger.customer(customer_id)
        samples.append(time.perf_counter() - begun)
    return samples


def loads_without_snapshots(ledger: Ledger, customer_id: UUID, count: int) -> list[float]:
    """Cold loads that replay every event, by hiding the snapshot store for the duration."""
    repository = ledger.repository
    snapshots = repository.snapshot_store
    repository.snapshot_store = None
    try:
        return loads(ledger, customer_id, count)
    finally:
        repository.snapshot_store = snapshots
        ledger.forget(customer_id)


def snapshot_bytes(ledger: Ledger, customer_id: UUID) -> int:
    """The stored size of the customer's latest snapshot (0 if there is none)."""
    if ledger.snapshots is None:
        return 0
    latest = ledger.snapshots.recorder.select_events(customer_id, desc=True, limit=1)
    return len(latest[0].state) if latest else 0


def mean_event_bytes(ledger: Ledger, customer_id: UUID, sample: int = 50) -> float:
    """The mean stored size of a customer's first events (to compare with the baselines')."""
    stored = ledger.recorder.select_events(customer_id, limit=sample)
    return sum(len(e.state) for e in stored) / len(stored) if stored else 0.0


def timed_catch_up(runner: ProjectionRunner) -> tuple[float, int]:
    """Seconds and notifications for one catch-up of every projection."""
    begun = time.perf_counter()
    count = runner.catch_up()
    return time.perf_counter() - begun, count


def timed_rebuild(runner: ProjectionRunner, name: str) -> tuple[float, int]:
    """Seconds and notifications for rebuilding one projection from the whole log."""
    begun = time.perf_counter()
    count = runner.rebuild(name)
    return time.perf_counter() - begun, count
