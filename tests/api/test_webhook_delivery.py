"""Delivering webhooks to a real HTTP receiver on 127.0.0.1, on both backends.

The receiver is a ``http.server`` thread that can answer 500, go down (connection
refused) and come back on the same port. The worker runs with a standing clock that the
test moves and a quick retry policy, so retries take no real time. Every specification
checks what a receiver is promised: each event arrives, with a valid signature, exactly
once after de-duplication by id, and never before an earlier event of the same customer.
Because the receiver listens on 127.0.0.1, these services allow private addresses
(``LBX_WEBHOOK_ALLOW_PRIVATE``), except where a specification checks the refusal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
import time
from contextlib import contextmanager
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
from commands.webhooks import (
    DisableWebhookEndpoint,
    EnableWebhookEndpoint,
    RegisterWebhookEndpoint,
)
from ledger.webhooks import WEBHOOK_REGISTRY_ID, WebhookEndpointFailing
from tests.support.dsl import event_names, register, send

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

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
    answer: bytes = b""
    """The body of a failing answer."""
    trickle: float = 0.0
    """Seconds between the bytes of a failing answer's body (0: all at once)."""
    claimed: int = 0
    """The Content-Length a failing answer claims (0: its body's; more: it hangs up early)."""
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
                answer = receiver.answer if status != 200 else b""
                self.send_response(status)
                self.send_header("Content-Length", str(receiver.claimed or len(answer)))
                self.end_headers()
                try:
                    for byte in (answer if receiver.trickle else [answer]):
                        self.wfile.write(bytes([byte]) if isinstance(byte, int) else byte)
                        self.wfile.flush()
                        time.sleep(receiver.trickle)
                except OSError:
                    return  # LBX stopped listening

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
def backend_env(backend_env: dict[str, str]) -> dict[str, str]:
    """The backend, allowing private addresses: the receivers listen on 127.0.0.1."""
    return {**backend_env, "LBX_WEBHOOK_ALLOW_PRIVATE": "1"}


@pytest.fixture
def strict_services(backend_env: dict[str, str], clock: SimulatedClock) -> Iterator[Services]:
    """LBX as installed: private addresses are refused."""
    env = {k: v for k, v in backend_env.items() if not k.startswith("LBX_WEBHOOK_")}
    built = bootstrap(env, clock=clock)
    try:
        yield built
    finally:
        built.close()


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


def attempts_of(services: Services, endpoint_id: str) -> list[dict[str, Any]]:
    return services.store.query(
        "SELECT a.status_code, a.error, a.duration_ms FROM webhook_attempts a"
        " JOIN webhook_deliveries d ON d.delivery_id = a.delivery_id"
        " WHERE d.endpoint_id = :e ORDER BY a.started_at, a.try", {"e": endpoint_id})


def test_an_endpoint_whose_url_no_client_can_use_does_not_hold_up_the_others(
    services: Services, clock: SimulatedClock, receiver: Receiver,
) -> None:
    # given an endpoint whose host httpx cannot parse (registered before check_url refused
    # such hosts) next to a good one, both hearing the same busy customers
    good = subscribe(services, receiver)
    outcome = send(services, RegisterWebhookEndpoint(url="http://bad.example/hook",
                                                     event_types=TYPES))
    bad = str(outcome.result["endpoint_id"])
    services.runner.catch_up()
    with services.store.transaction() as tx:
        tx.execute("UPDATE view_webhook_endpoints SET url = 'http://a..b/hook'"
                   " WHERE endpoint_id = :e", {"e": bad})
    busy_customers(services)
    order = expected_order(services, good)
    worker = WebhookWorker(services, clock=clock, retry=QUICK, timeout=2)

    # when the worker runs for a while
    for _ in range(30):
        worker.run_once()
        clock.advance(timedelta(seconds=5))

    # then the good endpoint got everything in order, and the bad one's attempts failed
    assert first_arrivals(receiver) == order
    statuses = services.store.query(
        "SELECT DISTINCT status FROM webhook_deliveries WHERE endpoint_id = :e", {"e": good})
    assert statuses == [{"status": "delivered"}]
    failed = attempts_of(services, bad)
    assert len(failed) >= 2  # retried, with backoff
    assert all(a["status_code"] is None for a in failed)
    assert {a["error"].split(":", 1)[0] for a in failed} <= {"UnicodeError", "InvalidURL"}


def test_a_private_address_is_refused_at_send_time_unless_allowed(
    strict_services: Services, clock: SimulatedClock, receiver: Receiver,
) -> None:
    # given an endpoint on 127.0.0.1 (registered by a command, past the HTTP route's check)
    # while LBX_WEBHOOK_ALLOW_PRIVATE is off
    endpoint_id = subscribe(strict_services, receiver)
    strict_services.runner.catch_up()

    # when the worker sends its ping
    WebhookWorker(strict_services, clock=clock, retry=QUICK).run_once()

    # then nothing reached the receiver, and the attempt says why
    assert receiver.arrivals == []
    [attempt] = attempts_of(strict_services, endpoint_id)
    assert attempt["error"].startswith("ConnectError")
    assert "127.0.0.1, which is not a public address" in attempt["error"]


def test_a_name_that_resolves_to_the_metadata_address_is_refused(
    strict_services: Services, clock: SimulatedClock,
) -> None:
    # given a public-looking name whose DNS now answers 169.254.169.254 (rebinding)
    outcome = send(strict_services, RegisterWebhookEndpoint(
        url="http://hooks.example.com/lbx", event_types=TYPES))
    endpoint_id = str(outcome.result["endpoint_id"])
    strict_services.runner.catch_up()
    looked_up: list[str] = []

    def rebinding(host: str, _port: int) -> list[str]:
        looked_up.append(host)
        return ["93.184.216.34", "169.254.169.254"]

    # when the worker sends
    WebhookWorker(strict_services, clock=clock, retry=QUICK, resolver=rebinding).run_once()

    # then it looked the name up when connecting, and refused to connect at all
    assert looked_up == ["hooks.example.com"]
    [attempt] = attempts_of(strict_services, endpoint_id)
    assert "169.254.169.254, which is not a public address" in attempt["error"]
    row = strict_services.store.query_one(
        "SELECT status FROM webhook_deliveries WHERE endpoint_id = :e", {"e": endpoint_id})
    assert row == {"status": "pending"}  # a failed attempt, retried later


def test_what_a_failing_receiver_answers_stays_out_of_the_event_log(
    services: Services, clock: SimulatedClock, receiver: Receiver,
) -> None:
    # given a receiver that answers every delivery 500 with words of its own
    endpoint_id = subscribe(services, receiver)
    receiver.fail_next, receiver.answer = 10_000, b"db password is hunter2"
    brief = RetryPolicy(first_delay=timedelta(seconds=1), max_delay=timedelta(seconds=2),
                        give_up_after=timedelta(seconds=10), rng=random.Random(1))  # noqa: S311
    worker = WebhookWorker(services, clock=clock, retry=brief)
    services.runner.catch_up()

    # when the delivery fails for the whole retry period
    for _ in range(8):
        worker.run_once()
        clock.advance(timedelta(seconds=3))

    # then the event says only "HTTP 500"; the answer is in the delivery log
    failing = [e for e in services.ledger.history(WEBHOOK_REGISTRY_ID)
               if isinstance(e, WebhookEndpointFailing)]
    assert [e.last_error for e in failing] == ["HTTP 500"]
    assert all(a["error"] == "HTTP 500: db password is hunter2"
               for a in attempts_of(services, endpoint_id))


def test_a_receiver_that_answers_slowly_is_cut_off_by_the_deadline(
    services: Services, clock: SimulatedClock, receiver: Receiver,
) -> None:
    # given a receiver that answers 500 and then trickles a long body, a byte at a time
    # (each byte well within httpx's per-read timeout)
    endpoint_id = subscribe(services, receiver)
    receiver.fail_next, receiver.answer, receiver.trickle = 1, b"x" * 40, 0.15
    services.runner.catch_up()
    worker = WebhookWorker(services, clock=clock, retry=QUICK, timeout=1)

    # when the worker sends
    started = time.monotonic()
    worker.run_once()

    # then the attempt ends by the deadline (not after the whole 6 s body), as a failure
    assert time.monotonic() - started < 3
    [attempt] = attempts_of(services, endpoint_id)
    assert attempt["status_code"] == 500
    assert attempt["duration_ms"] < 3000
    assert worker.lease > timedelta(seconds=1) * worker.batch_size


def test_at_most_4_kib_of_an_answer_is_read(
    services: Services, clock: SimulatedClock, receiver: Receiver,
) -> None:
    # given a receiver that answers 500 with a body it says is 1 GB, and hangs up after 1 MB
    endpoint_id = subscribe(services, receiver)
    receiver.fail_next, receiver.answer, receiver.claimed = 1, b"y" * 1_000_000, 10**9
    services.runner.catch_up()

    # when the worker sends
    WebhookWorker(services, clock=clock, retry=QUICK).run_once()

    # then the attempt has the status and the start of the answer (read no further)
    [attempt] = attempts_of(services, endpoint_id)
    assert attempt["status_code"] == 500
    assert attempt["error"] == "HTTP 500: " + "y" * 300


def status_of(services: Services, endpoint_id: str, kind: str) -> str:
    row = services.store.query_one(
        "SELECT d.status FROM webhook_deliveries d JOIN webhook_outbox o"
        " ON o.event_id = d.event_id WHERE d.endpoint_id = :e AND o.type = :t",
        {"e": endpoint_id, "t": kind})
    assert row is not None
    return str(row["status"])


def test_a_delivery_waiting_through_a_disable_gets_a_fresh_retry_period_after_enabling(
    services: Services, clock: SimulatedClock, receiver: Receiver,
) -> None:
    # given a delivery that failed once (backing off) when the admin disabled the endpoint
    endpoint_id = subscribe(services, receiver)
    worker = WebhookWorker(services, clock=clock, retry=RetryPolicy(rng=random.Random(1)))  # noqa: S311
    services.runner.catch_up()
    worker.run_once()  # the ping is delivered
    register(services, "C-1")
    services.runner.catch_up()
    receiver.fail_next = 1
    worker.run_once()
    assert status_of(services, endpoint_id, "customer.registered") == "pending"
    send(services, DisableWebhookEndpoint(endpoint_id=endpoint_id, reason="CRM migration"))

    # when it is enabled four days later (past the three days since the first attempt),
    # and the receiver's first answer is a 500
    clock.advance(timedelta(days=4))
    send(services, EnableWebhookEndpoint(endpoint_id=endpoint_id))
    services.runner.catch_up()
    receiver.fail_next = 1
    worker.run_once()

    # then the days it was off did not use up its retries: it backs off, as a new one would
    assert status_of(services, endpoint_id, "customer.registered") == "pending"
    assert "WebhookEndpointFailing" not in event_names(services, WEBHOOK_REGISTRY_ID)
    clock.advance(timedelta(minutes=1))
    worker.run_once()
    assert status_of(services, endpoint_id, "customer.registered") == "delivered"


def test_deliveries_waiting_while_an_endpoint_was_failing_get_a_fresh_retry_period(
    services: Services, clock: SimulatedClock, receiver: Receiver,
) -> None:
    # given two customers' deliveries failing together; the first gives up and pauses the
    # endpoint, while the second (tried a little later) is still backing off
    endpoint_id = subscribe(services, receiver)
    worker = WebhookWorker(services, clock=clock, retry=QUICK)
    services.runner.catch_up()
    worker.run_once()  # the ping is delivered
    register(services, "C-1")
    services.runner.catch_up()
    receiver.fail_next = 10_000
    worker.run_once()
    clock.advance(timedelta(seconds=30))
    register(services, "C-2")
    services.runner.catch_up()
    for _ in range(80):
        worker.run_once()
        clock.advance(timedelta(seconds=5))
        if "WebhookEndpointFailing" in event_names(services, WEBHOOK_REGISTRY_ID):
            break
    statuses = services.store.query(
        "SELECT status FROM webhook_deliveries WHERE endpoint_id = :e ORDER BY position",
        {"e": endpoint_id})
    assert [r["status"] for r in statuses] == ["delivered", "failed", "pending"]

    # when the admin enables it a day later, and the receiver fails once more
    clock.advance(timedelta(days=1))
    send(services, EnableWebhookEndpoint(endpoint_id=endpoint_id))
    services.runner.catch_up()
    receiver.fail_next = 2
    worker.run_once()

    # then both are backing off again, neither gave up, and the endpoint is not paused
    statuses = services.store.query(
        "SELECT status FROM webhook_deliveries WHERE endpoint_id = :e ORDER BY position",
        {"e": endpoint_id})
    assert [r["status"] for r in statuses] == ["delivered", "pending", "pending"]
    assert event_names(services, WEBHOOK_REGISTRY_ID).count("WebhookEndpointFailing") == 1
    drain(worker, clock)


@dataclass
class Answered:
    status_code: int

    def iter_raw(self) -> Iterator[bytes]:
        yield b""


class HangingHost:
    """A client whose sends to one host hang for the whole deadline (on a simulated clock)."""

    def __init__(self, clock: SimulatedClock, hanging: str, *, wait_for_others: bool = False
                 ) -> None:
        self.clock, self.hanging, self.wait_for_others = clock, hanging, wait_for_others
        self.sent: list[str] = []
        self.others_sent = threading.Event()
        self.others_during_a_hang = False

    @contextmanager
    def stream(self, method: str, url: str, *, content: bytes,  # noqa: ARG002
               headers: dict[str, str]) -> Iterator[Answered]:  # noqa: ARG002
        self.sent.append(url)
        if self.hanging in url:
            if self.wait_for_others:
                self.others_during_a_hang |= self.others_sent.wait(timeout=5)
            self.clock.advance(timedelta(seconds=10))
            message = "timed out"
            raise httpx.ReadTimeout(message)
        self.others_sent.set()
        yield Answered(200)


def two_endpoints_one_hanging(services: Services) -> tuple[str, list[UUID]]:
    """An endpoint on a hanging host hearing 20 customers, and a healthy one; the id of
    the healthy one and the customers."""
    send(services, RegisterWebhookEndpoint(url="https://dead.example/hooks",
                                           event_types=["customer.registered"]))
    healthy = str(send(services, RegisterWebhookEndpoint(
        url="https://ok.example/hooks", event_types=["customer.registered",
                                                     "payment.received"])).result["endpoint_id"])
    customers = [register(services, f"C-{n}") for n in range(20)]
    services.runner.catch_up()
    return healthy, customers


def test_an_endpoint_that_times_out_does_not_hold_up_another_endpoint(
    services: Services, clock: SimulatedClock,
) -> None:
    # given every delivery tried once: the healthy endpoint's went out, while the hanging
    # one's 20 customers are all backing off and now due again
    healthy, customers = two_endpoints_one_hanging(services)
    client = HangingHost(clock, "dead.example")
    worker = WebhookWorker(services, clock=clock, client=client,
                           retry=RetryPolicy(jitter=0, rng=random.Random(1)))  # noqa: S311
    for _ in range(10):
        worker.run_once()
    clock.advance(timedelta(minutes=10))
    assert services.store.query(
        "SELECT DISTINCT status FROM webhook_deliveries WHERE endpoint_id = :e",
        {"e": healthy}) == [{"status": "delivered"}]

    # when a payment is recorded for the healthy endpoint, and the worker runs one round
    send(services, RecordPayment(customer_id=customers[0], amount="10.00", currency="RUB"))
    services.runner.catch_up()
    before = len(client.sent)
    worker.run_once()

    # then the payment went out in that round, beside a few of the hanging host's retries
    assert status_of(services, healthy, "payment.received") == "delivered"
    assert any("dead.example" in url for url in client.sent[before:])


def test_endpoints_are_sent_to_side_by_side(
    services: Services, clock: SimulatedClock,
) -> None:
    # given the hanging endpoint's first deliveries are older than the healthy one's
    healthy, _ = two_endpoints_one_hanging(services)
    client = HangingHost(clock, "dead.example", wait_for_others=True)
    worker = WebhookWorker(services, clock=clock, client=client)

    # when the worker runs one round
    worker.run_once()

    # then the healthy endpoint was sent to while the hanging host held its first send
    assert client.others_during_a_hang
    delivered = services.store.query(
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = :e"
        " AND status = 'delivered'", {"e": healthy})
    assert int(delivered[0]["n"]) >= 1
