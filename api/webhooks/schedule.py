"""The daily job that queues time-based webhooks (renewals and contract ends within N days).

Why it first waits for the views: the scan reads the renewal calendar, which must include
today's bill run (an invoice moves a subscription's next renewal) before it is asked. If
the calendar is still behind after a few waits, the scan is skipped with a warning rather
than run on stale data; the last day scanned is kept, so the next scan covers what this
one would have queued (see :mod:`projections.webhook_schedule`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from projections.webhook_schedule import queue_time_based

if TYPE_CHECKING:
    from datetime import date

    from api.bootstrap import Services
    from commands.base import Context

log = logging.getLogger(__name__)
WAITS = 3
"""How many times the job waits (``WAIT_SECONDS`` each) for the calendar to catch up."""
WAIT_SECONDS = 30.0


def queue_webhook_schedules(services: Services, today: date, _: Context) -> None:
    """Queue today's ``renewal.upcoming`` and ``contract.ending`` deliveries."""
    head = services.ledger.max_position()
    for _wait in range(WAITS):
        if services.await_position(head, timeout=WAIT_SECONDS):
            break
        log.warning("webhooks %s: the renewal calendar is behind the log; waiting", today)
    else:
        log.warning("webhooks %s: the renewal calendar is still behind the log; the scan is"
                    " skipped, and the next one announces what it would have", today)
        return
    queued = queue_time_based(services.store, today, services.runtime.clock.now())
    log.info("webhooks %s: %d time-based deliveries queued", today, queued)
