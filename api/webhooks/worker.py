"""The delivery worker: claims due deliveries, posts them signed, records what happened.

Several workers (threads or processes, on one database) may run at once: claims are
exclusive (see :mod:`projections.webhook_deliveries`). A worker that stops mid-way leaves
its claimed rows to expire; the next worker sends them again. So delivery is at least
once, and receivers de-duplicate by the envelope's ``id`` (also sent as
``LBX-Event-Id``). Time comes from an injectable clock and retry delays from an
injectable :class:`RetryPolicy`, so tests neither wait three days nor sleep.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from uuid import UUID, uuid4

import httpx

from api.webhooks.retry import RetryPolicy
from api.webhooks.signing import secret_for, signed_headers
from commands.base import Context
from commands.dispatch import dispatch
from commands.webhooks import MarkWebhookEndpointFailing
from projections.webhook_deliveries import (
    Attempt,
    Claim,
    claim,
    record,
    unreported_failures,
)

if TYPE_CHECKING:
    from api.bootstrap import Services
    from ledger.clock import Clock

log = logging.getLogger(__name__)
USER_AGENT = "LBX-Webhooks/1"


class Answer(Protocol):
    """What the worker reads of an HTTP answer."""

    @property
    def status_code(self) -> int:
        """The HTTP status."""
        ...

    @property
    def text(self) -> str:
        """The body, decoded."""
        ...


class Poster(Protocol):
    """An HTTP client that can POST (httpx's, or a test client talking to an app in-process)."""

    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> Answer:
        """Send one request."""
        ...


class WebhookWorker:
    """Sends the outbox, one claimed batch at a time."""

    def __init__(
        self, services: Services, *, clock: Clock | None = None,
        retry: RetryPolicy | None = None, client: Poster | None = None,
        batch_size: int = 10, timeout: float = 10.0, interval: float = 1.0,
    ) -> None:
        self.services = services
        self.clock = clock or services.runtime.clock
        self.retry = retry or RetryPolicy()
        self._own = None if client is not None else httpx.Client(
            timeout=timeout, follow_redirects=False)
        self.client: Poster = client or self._own  # type: ignore[assignment]
        self.batch_size = batch_size
        self.lease = timedelta(seconds=timeout * batch_size + 30)
        """Long enough for a whole batch to time out; then another worker may take over."""
        self.interval = interval
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Report give-ups, then claim and send one batch; return how many were sent."""
        self.report_failures()
        now = self.clock.now()
        held = claim(self.services.store, self.owner, now, now + self.lease, self.batch_size)
        for delivery in held:
            self.deliver(delivery)
        return len(held)

    def deliver(self, held: Claim) -> bool:
        """Post one delivery and record the attempt; return whether it was delivered."""
        attempt = self._post(held)
        next_at = None
        if not attempt.succeeded:
            first = datetime.fromisoformat(held.first_attempt_at)
            next_at = self.retry.next_attempt(held.attempts + 1, first, self.clock.now())
        kept = record(self.services.store, self.owner, held, attempt, next_at)
        if kept and not attempt.succeeded and next_at is None:
            self._mark_failing(held.endpoint_id, held.delivery_id, held.try_no,
                               held.attempts + 1, attempt.error or "")
        return attempt.succeeded

    def _post(self, held: Claim) -> Attempt:
        started = self.clock.now()
        body = held.body.encode()
        secret = secret_for(self.services.settings, held.endpoint_id, held.secret_version)
        headers = {
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "LBX-Event-Id": held.event_id, "LBX-Delivery-Id": held.delivery_id,
            "LBX-Endpoint-Id": held.endpoint_id,
            "LBX-Attempt": str(held.try_no),
            **signed_headers(secret, int(started.timestamp()), body),
        }
        clock = time.perf_counter()
        try:
            response = self.client.post(held.url, content=body, headers=headers)
        except httpx.HTTPError as failure:
            took = int((time.perf_counter() - clock) * 1000)
            return Attempt(started, took, None, f"{type(failure).__name__}: {failure}"[:1000])
        took = int((time.perf_counter() - clock) * 1000)
        why = None
        if not 200 <= response.status_code < 300:  # noqa: PLR2004
            why = f"HTTP {response.status_code}: {response.text[:300]}"
        return Attempt(started, took, response.status_code, why)

    def report_failures(self) -> None:
        """Mark failing the endpoints of deliveries that gave up (also after a crash)."""
        for row in unreported_failures(self.services.store):
            self._mark_failing(row["endpoint_id"], row["delivery_id"], int(row["tries"]),
                               int(row["attempts"]), row["last_error"] or "gave up")

    def _mark_failing(self, endpoint_id: str, delivery_id: str, try_no: int, attempts: int,
                      error: str) -> None:
        context = Context(actor="system:webhooks", source="system",
                          idempotency_key=f"webhook-failing/{delivery_id}/{try_no}")
        command = MarkWebhookEndpointFailing(
            endpoint_id=UUID(endpoint_id), delivery_id=UUID(delivery_id),
            attempts=max(attempts, 1), last_error=(error or "gave up")[:500])
        outcome = dispatch(command, context, self.services.runtime)
        log.warning("webhook endpoint %s marked failing (delivery %s): %s",
                    endpoint_id, delivery_id, error)
        self.services.await_position(outcome.position, timeout=1.0)

    # -- in the background ---------------------------------------------------------------

    def start(self) -> None:
        """Send in a background thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="lbx-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the delivery in progress (its claim expires if it never records)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if self._own is not None:
            self._own.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
            except Exception:
                log.exception("webhook delivery failed; retrying in %s s", self.interval)
                sent = 0
            if not sent:
                self._stop.wait(self.interval)
