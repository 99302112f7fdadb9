"""The daily scheduler inside the service: the bill run and dunning, once per business day.

It wakes up every minute; the first time it sees a business date it has not handled, it
runs billing and then dunning as of that date for every customer. Both are idempotent, so a
restart that runs the same day again bills and reminds nothing twice, and several service
instances can each run it.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING
from uuid import uuid4

from api.webhooks.schedule import queue_webhook_schedules
from commands.base import Context
from commands.run_billing import RunBilling, run_billing
from commands.run_dunning import run_dunning_for

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from api.bootstrap import Services

log = logging.getLogger(__name__)
DailyJob = "Callable[[Services, date, Context], None]"


def bill_everyone(services: Services, today: date, context: Context) -> None:
    """The daily bill run."""
    report = run_billing(RunBilling(as_of=today), context, services.runtime,
                         services.ledger.customer_ids())
    log.info("bill run %s: %d invoice(s), totals %s", today, len(report.invoices),
             report.totals())


def dun_everyone(services: Services, today: date, context: Context) -> None:
    """The daily dunning run: reminders, suspensions, cancellations that fall due today."""
    report = run_dunning_for(services.runtime, services.ledger.customer_ids(), today, context)
    log.info("dunning %s: %d step(s)", today, len(report.steps))


DAILY_JOBS: list[Callable[[Services, date, Context], None]] = [
    bill_everyone, dun_everyone, queue_webhook_schedules]
"""Jobs run once per business day, in order: bill first, so dunning sees today's invoices;
then the time-based webhooks, from a renewal calendar that has seen today's invoices."""


class DailyScheduler:
    """Runs :data:`DAILY_JOBS` once per business date, in a background thread."""

    def __init__(self, services: Services, interval: float = 60.0) -> None:
        self.services = services
        self.interval = interval
        self.last_day: date | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lbx-scheduler", daemon=True)

    def start(self) -> None:
        """Start the background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop it (waits for a job in progress to finish)."""
        self._stop.set()
        self._thread.join(timeout=30)

    def tick(self) -> bool:
        """Run the day's jobs if the business date changed; return whether it did."""
        today = self.services.runtime.clock.today()
        if today == self.last_day:
            return False
        context = Context(actor="scheduler:daily", source="scheduler",
                          idempotency_key=f"daily/{today}/{uuid4()}")
        for job in DAILY_JOBS:
            job(self.services, today, context)
        self.last_day = today
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("daily jobs failed; retrying in %s s", self.interval)
            self._stop.wait(self.interval)
