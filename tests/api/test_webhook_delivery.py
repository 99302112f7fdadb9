"""Delivering webhooks to a real HTTP receiver on 127.0.0.1, on both backends.

The receiver is a ``http.server`` thread that can answer 500, go down (connection
refused) and come back on the same port. The worker runs with a standing clock that the
test moves and a quick retry policy, so retries take no real time. Every specification
checks what a receiver is promised: each event arrives, with a valid signature, exactly
once after de-duplication by id, and never before an earlier event of the same customer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from api.bootstrap import bootstrap
from api.webhooks.retry import RetryPolicy
from api.webhooks.signing import secret_for
from api.webhooks.worker import WebhookWorker
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from commands.webhooks import EnableWebhookEndpoint, RegisterWebhookEndpoint
from ledger.webhooks import WEBHOOK_REGISTRY_ID
from tests.support.dsl import event_names, register, send

if TYPE_CHECKING:
    from collections.abc import Iterator

    from api.bootstrap import Services
    from ledger.clock import SimulatedClock

QUICK = RetryPolicy(first_delay=timedelta(seconds=1), max_delay=timedelta(seconds=4),
                    give_up_after=timedelta(minutes=5), rng=random.Random(3))  # noqa: S311
TYPES = ["customer.registered", "payment.received", "invoice.issued"]


@dataclass
class Arrival:
    """One request the receiver got, and what it answered."""

    envelope: dict[str, Any]
    signature_valid: bool
    answered: int


@dataclass
class Receiver:
    """A real HTTP server that can fail, go down and come back."""

    secret: str = ""
    fail_next: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stamp = self.headers["LBX-Timestamp"]
                expected = hmac.new(receiver.secret.encode(), f"{stamp}.".encode() + body,
                                    hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(self.headers["LBX-Signature"], f"v1={expected}")
                status = 200
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    status = 500
                receiver.arrivals.append(Arrival(json.loads(body), valid, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Go down: the port refuses connections until :meth:`start`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def accepted(self) -> list[dict[str, Any]]:
        """The envelopes answered 2xx, in arrival order."""
        return [a.envelope for a in self.arrivals if a.answered == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.start()
    yield running
    running.stop()


def subscribe(services: Services, receiver: Receiver) -> str:
    outcome = send(services, RegisterWebhookEndpoint(url=receiver.url, event_types=TYPES))
    endpoint_id = str(outcome.result["endpoint_id"])
    receiver.secret = secret_for(services.settings, endpoint_id, 1)
    return endpoint_id


def busy_customers(services: Services) -> None:
    """Three customers whose payments and invoices interleave in the log."""
    customers = [register(services, f"C-{n}") for n in range(3)]
    for round_ in range(3):
        for customer in customers:
            send(services, RecordPayment(customer_id=customer, amount=f"{round_ + 1}0.00",
                                         currency="RUB"))
        send(services, RecordCharge(customer_id=customers[round_], amount="5.00",
                                    description="Setup", invoice_now=True))


def expected_order(services: Services, endpoint_id: str) -> dict[str, list[str]]:
    """Each customer's event ids in log order (the order they must arrive in)."""
    services.runner.catch_up()
    rows = services.store.query(
        "SELECT d.event_id, d.order_key FROM webhook_deliveries d WHERE d.endpoint_id = :e"
        " ORDER BY d.position, d.ordinal, d.event_id", {"e": endpoint_id})
    order: dict[str, list[str]] = {}
    for row in rows:
        order.setdefault(row["order_key"], []).append(row["event_id"])
    return order


def first_arrivals(receiver: Receiver) -> dict[str, list[str]]:
    """What each customer's receiver saw, de-duplicated by id (first arrival counts)."""
    seen: set[str] = set()
    order: dict[str, list[str]] = {}
    for envelope in receiver.accepted():
        if envelope["id"] in seen:
            continue
        seen.add(envelope["id"])
        key = envelope["customer"]["id"] if envelope["customer"] else "-"
        order.setdefault(key, []).append(envelope["id"])
    return order


def pending(services: Services) -> int:
    row = services.store.query_one("SELECT COUNT(*) AS n FROM webhook_deliveries"
                                   " WHERE status <> 'delivered'")
    return int(row["n"]) if row else 0


def drain(worker: WebhookWorker, clock: SimulatedClock, rounds: int = 60) -> None:
    """Run the worker, moving the clock past each backoff, until nothing is left to send."""
    for _ in range(rounds):
        worker.run_once()
        if not pending(worker.services):
            return
        clock.advance(timedelta(seconds=5))
    raise AssertionError("deliveries still pending")


def test_every_event_arrives_once_in_order_despite_500s_and_an_outage(
    services: Services, clock: SimulatedClock, receiver: Receiver,
) -> None:
    endpoint_id = subscribe(services, receiver)
    busy_customers(services)
    order = expected_order(services, endpoint_id)
    worker = WebhookWorker(services, clock=clock, retry=QUICK, batch_size=4, timeout=2)
    receiver.fail_next = 3

    worker.run_once()
    receiver.stop()
    for _ in range(3):
        clock.advance(timedelta(seconds=5))
        worker.run_once()
    receiver.start()
    drain(worker, clock)

    assert first_arrivals(receiver) == order
    ids = [e["id"] for e in receiver.accepted()]
    assert len(ids) == len(set(ids)) == sum(len(v) for v in order.values())
    assert all(a.signature_valid for a in receiver.arrivals)
    errors = [r["error"] for r in services.store.query(
        "SELECT error FROM webhook_attempts WHERE error IS NOT NULL")]
    assert sum(e.startswith("HTTP 500") for e in errors) == 3
    assert any(e.startswith("ConnectError") for e in errors)


class Crash(BaseException):
    """The process dies: after the receiver got the request, before LBX records it."""


class CrashAfter(httpx.HTTPTransport):
    """Sends for real, and dies right after the ``n``-th request was answered."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.left = n

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.left -= 1
        if self.left == 0:
            raise Crash
        return response


def test_a_restart_in_the_middle_of_delivery_loses_nothing(
    services: Services, clock: SimulatedClock, receiver: Receiver,
    backend_env: dict[str, str],
) -> None:
    endpoint_id = subscribe(services, receiver)
    busy_customers(services)
    order = expected_order(services, endpoint_id)
    dying = WebhookWorker(services, clock=clock, retry=QUICK, batch_size=3,
                          client=httpx.Client(transport=CrashAfter(5)))

    def deliver_until_the_crash() -> None:
        for _ in range(10):
            dying.run_once()

    with pytest.raises(Crash):
        deliver_until_the_crash()
    crashed = receiver.accepted()[-1]["id"]

    restarted = bootstrap(backend_env, clock=clock)
    try:
        clock.advance(dying.lease + timedelta(seconds=1))
        drain(WebhookWorker(restarted, clock=clock, retry=QUICK), clock)
    finally:
        restarted.close()

    ids = [e["id"] for e in receiver.accepted()]
    assert first_arrivals(receiver) == order
    assert sorted({i for i in ids if ids.count(i) > 1}) == [crashed]
    assert ids.count(crashed) == 2


def test_two_workers_never_send_the_same_delivery_nor_overtake_a_customer(
    services: Services, clock: SimulatedClock, receiver: Receiver,
) -> None:
    endpoint_id = subscribe(services, receiver)
    busy_customers(services)
    order = expected_order(services, endpoint_id)
    workers = [WebhookWorker(services, clock=clock, retry=QUICK, batch_size=2)
               for _ in range(2)]

    def work(worker: WebhookWorker) -> None:
        for _ in range(2000):
            if worker.run_once():
                continue
            if not pending(services):
                return
            time.sleep(0.002)  # the other worker holds this customer's head: wait a moment

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    ids = [e["id"] for e in receiver.accepted()]
    assert pending(services) == 0
    assert len(ids) == len(set(ids))
    assert first_arrivals(receiver) == order


def test_a_delivery_that_fails_for_the_whole_period_pauses_the_endpoint_until_enabled(
    services: Services, clock: SimulatedClock, receiver: Receiver,
) -> None:
    endpoint_id = subscribe(services, receiver)
    brief = RetryPolicy(first_delay=timedelta(seconds=1), max_delay=timedelta(seconds=2),
                        give_up_after=timedelta(seconds=10), rng=random.Random(1))  # noqa: S311
    worker = WebhookWorker(services, clock=clock, retry=brief)
    services.runner.catch_up()
    worker.run_once()  # the ping gets through
    customer = register(services, "C-1")
    send(services, RecordPayment(customer_id=customer, amount="10.00", currency="RUB"))
    order = expected_order(services, endpoint_id)
    receiver.fail_next = 10_000

    for _ in range(8):
        worker.run_once()
        clock.advance(timedelta(seconds=3))

    assert "WebhookEndpointFailing" in event_names(services, WEBHOOK_REGISTRY_ID)
    statuses = services.store.query("SELECT status FROM webhook_deliveries ORDER BY position")
    assert [r["status"] for r in statuses] == ["delivered", "failed", "pending"]
    tried = len(receiver.arrivals)
    worker.run_once()
    assert len(receiver.arrivals) == tried  # paused: the later payment waits

    receiver.fail_next = 0
    send(services, EnableWebhookEndpoint(endpoint_id=endpoint_id))
    services.runner.catch_up()
    drain(worker, clock)
    assert first_arrivals(receiver) == order
