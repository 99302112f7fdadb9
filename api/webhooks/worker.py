"""The delivery worker: claims due deliveries, posts them signed, records what happened.

Several workers (threads or processes, on one database) may run at once: claims are
exclusive (see :mod:`projections.webhook_deliveries`). Within a worker, each endpoint's
share of a batch is sent in a lane of its own (:mod:`api.webhooks.lanes`), so a receiver
that hangs delays only its own deliveries. A worker that stops mid-way leaves
its claimed rows to expire; the next worker sends them again. So delivery is at least
once, and receivers de-duplicate by the envelope's ``id`` (also sent as
``LBX-Event-Id``). Time comes from an injectable clock and retry delays from an
injectable :class:`RetryPolicy`, so tests neither wait three days nor sleep.

Whatever goes wrong while sending (a refused address, a URL the client cannot use, a
timeout) is a failed attempt like a 500: recorded, and retried with backoff. A delivery
whose processing fails for another reason is logged and left to its lease; it never stops
the rest of the batch. The worker's own client (:mod:`api.webhooks.transport`) connects
only to public addresses unless ``LBX_WEBHOOK_ALLOW_PRIVATE`` is on, bounds a whole send
by ``timeout``, and reads at most 4 KiB of an answer.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from uuid import UUID, uuid4

from api.webhooks.lanes import Round
from api.webhooks.retry import RetryPolicy
from api.webhooks.signing import secret_for, signed_headers
from api.webhooks.transport import guarded_client, resolve
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
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    import httpx

    from api.bootstrap import Services
    from ledger.clock import Clock

log = logging.getLogger(__name__)
USER_AGENT = "LBX-Webhooks/1"


MAX_ANSWER = 4096
"""How much of a receiver's answer is read (and kept in the attempt log)."""


class Answer(Protocol):
    """What the worker reads of an HTTP answer: its status, and the start of its body."""

    @property
    def status_code(self) -> int:
        """The HTTP status."""
        ...

    def iter_raw(self) -> Iterator[bytes]:
        """The body as it arrives."""
        ...


class Poster(Protocol):
    """An HTTP client that streams (httpx's, or a test client talking to an app in-process)."""

    def stream(self, method: str, url: str, *, content: bytes,
               headers: dict[str, str]) -> AbstractContextManager[Answer]:
        """Send one request; the answer's body is read only as far as asked."""
        ...


class WebhookWorker:
    """Sends the outbox, one claimed batch at a time, each endpoint's share in its own lane."""

    def __init__(
        self, services: Services, *, clock: Clock | None = None,
        retry: RetryPolicy | None = None, client: Poster | None = None,
        batch_size: int = 10, per_endpoint: int = 3, timeout: float = 10.0,
        interval: float = 1.0, resolver: Callable[[str, int], list[str]] = resolve,
    ) -> None:
        """``client`` replaces the worker's own (guarded) one, e.g. a test client.

        A batch takes at most ``per_endpoint`` deliveries of one endpoint (see
        :mod:`api.webhooks.lanes`), so a round lasts at most ``per_endpoint`` sends.
        """
        self.services = services
        self.clock = clock or services.runtime.clock
        self.retry = retry or RetryPolicy()
        self._own: httpx.Client | None = None
        if client is None:
            client = self._own = guarded_client(
                allow_private=services.settings.webhook_allow_private, timeout=timeout,
                resolver=resolver)
        self.client: Poster = client
        self.batch_size, self.per_endpoint = batch_size, per_endpoint
        self._lanes = ThreadPoolExecutor(max_workers=batch_size,
                                         thread_name_prefix="lbx-webhook-lane")
        self.lease = timedelta(seconds=timeout * batch_size + 30)
        """Longer than a whole batch of sends, each within ``timeout``; then another worker
        may take the rest over."""
        self.interval = interval
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Report give-ups, then claim and send one batch; return how many were sent."""
        self.report_failures()
        held = self._claim(self.batch_size)
        return Round(self._lanes, self._deliver_or_log, self._top_up).run(held)

    def _claim(self, limit: int, endpoint_id: str | None = None) -> list[Claim]:
        now = self.clock.now()
        return claim(self.services.store, self.owner, now, now + self.lease, limit,
                     per_endpoint=self.per_endpoint, endpoint_id=endpoint_id)

    def _top_up(self, endpoint_id: str) -> list[Claim]:
        return self._claim(self.per_endpoint, endpoint_id)

    def _deliver_or_log(self, delivery: Claim) -> None:
        try:
            self.deliver(delivery)
        except Exception:
            log.exception("webhook delivery %s to endpoint %s could not be processed;"
                          " it is tried again when its claim expires",
                          delivery.delivery_id, delivery.endpoint_id)

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
                               held.attempts + 1, summary(attempt.status_code, attempt.error))
        return attempt.succeeded

    def _post(self, held: Claim) -> Attempt:
        started = self.clock.now()
        body = held.body.encode()
        secret = secret_for(self.services.settings, held.endpoint_id, held.secret_version)
        headers = {
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "LBX-Event-Id": held.event_id, "LBX-Delivery-Id": held.delivery_id,
            "LBX-Endpoint-Id": held.endpoint_id,
            "LBX-Attempt": str(held.try_no), "Accept-Encoding": "identity",
            **signed_headers(secret, int(started.timestamp()), body),
        }
        clock = time.perf_counter()
        try:
            with self.client.stream("POST", held.url, content=body, headers=headers) as answer:
                code = answer.status_code
                ok = 200 <= code < 300  # noqa: PLR2004
                why = None if ok else f"HTTP {code}: {_head(answer)[:300]}"
        except Exception as failure:  # noqa: BLE001  (any failure to send is a failed attempt)
            took = int((time.perf_counter() - clock) * 1000)
            return Attempt(started, took, None, f"{type(failure).__name__}: {failure}"[:1000])
        took = int((time.perf_counter() - clock) * 1000)
        return Attempt(started, took, code, why)

    def report_failures(self) -> None:
        """Mark failing the endpoints of deliveries that gave up (also after a crash)."""
        for row in unreported_failures(self.services.store):
            code = row["last_status_code"]
            try:
                self._mark_failing(row["endpoint_id"], row["delivery_id"], int(row["tries"]),
                                   int(row["attempts"]),
                                   summary(None if code is None else int(code), row["last_error"]))
            except Exception:
                log.exception("webhook endpoint %s could not be marked failing",
                              row["endpoint_id"])

    def _mark_failing(self, endpoint_id: str, delivery_id: str, try_no: int, attempts: int,
                      error: str) -> None:
        context = Context(actor="system:webhooks", source="system",
                          idempotency_key=f"webhook-failing/{delivery_id}/{try_no}")
        command = MarkWebhookEndpointFailing(
            endpoint_id=UUID(endpoint_id), delivery_id=UUID(delivery_id),
            attempts=max(attempts, 1), last_error=error or "gave up")
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
        self._lanes.shutdown(wait=True)
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


def _head(answer: Answer) -> str:
    """At most :data:`MAX_ANSWER` bytes of an answer's body, as text."""
    read = bytearray()
    try:
        for chunk in answer.iter_raw():
            read += chunk
            if len(read) >= MAX_ANSWER:
                break
    except Exception:  # noqa: BLE001, S110  (the deadline passed or the receiver hung up:
        pass  # keep what came)
    return bytes(read[:MAX_ANSWER]).decode("utf-8", errors="replace")


def summary(status_code: int | None, error: str | None) -> str:
    """What the event log says of a failed attempt: ``HTTP 503`` or the error's class name.

    The receiver's own words (which may hold anything) stay in the delivery log.
    """
    if status_code is not None:
        return f"HTTP {status_code}"
    return (error or "gave up").split(":", 1)[0][:100]
