"""The daily job that queues time-based webhooks (renewals and contract ends within N days).

Why it first waits for the views: the scan reads the renewal calendar, which must include
today's bill run (an invoice moves a subscription's next renewal) before it is asked.
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


def queue_webhook_schedules(services: Services, today: date, _: Context) -> None:
    """Queue today's ``renewal.upcoming`` and ``contract.ending`` deliveries."""
    services.await_position(services.ledger.max_position(), timeout=30.0)
    queued = queue_time_based(services.store, today, services.runtime.clock.now())
    log.info("webhooks %s: %d time-based deliveries queued", today, queued)
