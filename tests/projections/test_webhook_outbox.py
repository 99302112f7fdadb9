"""The webhook outbox on both backends: what is queued for whom, once, and what is not.

Queuing is a projection of the log, so these specifications run the projection runner and
then read the outbox; nothing is sent here (the delivery tests do that).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from commands.cancel_subscription import CancelSubscription
from commands.record_payment import RecordPayment
from commands.start_subscription import StartSubscription
from commands.webhooks import (
    ChangeWebhookEventTypes,
    DisableWebhookEndpoint,
    EnableWebhookEndpoint,
    MarkWebhookEndpointFailing,
    RegisterWebhookEndpoint,
)
from ledger.customers.events import PaymentReceived
from projections.base import Projection, on
from projections.outbox import WebhookOutbox
from projections.runner import ProjectionRunner
from projections.webhook_deliveries import Claim, claim, receive
from projections.webhook_schedule import queue_time_based
from tests.support.collections import dun, invoice_due
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from ledger.clock import SimulatedClock
    from projections.store import Transaction


def endpoint(services: Services, *types: str, days: list[int] | None = None) -> str:
    outcome = send(services, RegisterWebhookEndpoint(
        url="https://crm.example/hooks", event_types=list(types), days_before=days or [7]))
    return str(outcome.result["endpoint_id"])


def queued(services: Services, endpoint_id: str) -> list[dict[str, Any]]:
    """The envelopes queued for one endpoint, in the order they are to be sent."""
    services.runner.catch_up()
    rows = services.store.query(
        "SELECT COALESCE(b.body, o.body) AS body FROM webhook_deliveries d"
        " JOIN webhook_outbox o ON o.event_id = d.event_id"
        " LEFT JOIN webhook_delivery_bodies b ON b.delivery_id = d.delivery_id"
        " WHERE d.endpoint_id = :e ORDER BY d.position, d.ordinal, d.event_id",
        {"e": endpoint_id})
    return [json.loads(r["body"]) for r in rows]


def pay(services: Services, customer: UUID, amount: str) -> None:
    send(services, RecordPayment(customer_id=customer, amount=amount, currency="RUB"))


def test_a_new_endpoint_gets_a_ping_then_only_what_happens_after_it(services: Services) -> None:
    customer = register(services, "C-1")
    pay(services, customer, "100.00")
    hook = endpoint(services, "payment.received")
    pay(services, customer, "200.00")

    envelopes = queued(services, hook)

    assert [e["type"] for e in envelopes] == ["webhook.ping", "payment.received"]
    paid = envelopes[1]
    assert list(paid) == ["id", "type", "occurred_at", "customer", "data"]
    assert paid["customer"] == {"id": str(customer), "external_key": "C-1"}
    assert paid["data"]["amount"] == {"amount": "200.00", "currency": "RUB"}


def test_only_subscribed_types_and_enabled_endpoints_are_queued(services: Services) -> None:
    customer = register(services, "C-1")
    payments = endpoint(services, "payment.received")
    registrations = endpoint(services, "customer.registered")
    send(services, DisableWebhookEndpoint(endpoint_id=payments, reason="CRM maintenance"))
    pay(services, customer, "100.00")
    register(services, "C-2")
    send(services, EnableWebhookEndpoint(endpoint_id=payments))
    pay(services, customer, "300.00")

    assert [e["data"].get("amount") for e in queued(services, payments)] == [
        None, {"amount": "300.00", "currency": "RUB"}]
    assert [e["type"] for e in queued(services, registrations)] == [
        "webhook.ping", "customer.registered"]


def test_changing_event_types_applies_from_that_point_of_the_log(services: Services) -> None:
    customer = register(services, "C-1")
    hook = endpoint(services, "customer.registered")
    pay(services, customer, "100.00")
    send(services, ChangeWebhookEventTypes(endpoint_id=hook, event_types=["payment.received"]))
    pay(services, customer, "200.00")
    register(services, "C-2")

    assert [e["type"] for e in queued(services, hook)] == ["webhook.ping", "payment.received"]


def test_a_rebuild_queues_nothing_twice_and_keeps_what_was_delivered(services: Services) -> None:
    customer = register(services, "C-1")
    hook = endpoint(services, "payment.received")
    pay(services, customer, "100.00")
    before = queued(services, hook)
    with services.store.transaction() as tx:
        tx.execute("UPDATE webhook_deliveries SET status = 'delivered'")

    services.runner.rebuild("webhooks")

    assert queued(services, hook) == before
    statuses = services.store.query("SELECT DISTINCT status FROM webhook_deliveries")
    assert statuses == [{"status": "delivered"}]


def subscribed(services: Services, customer: UUID, *, term_end: date | None = None) -> str:
    publish(services)
    started = send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                               start_date=date(2026, 1, 1), term_end=term_end))
    return str(started.result["subscription_id"])


def renewal_of(services: Services, subscription: str) -> date:
    services.runner.catch_up()
    row = services.store.query_one("SELECT next_renewal FROM view_renewals"
                                   " WHERE subscription_id = :s", {"s": subscription})
    assert row is not None
    return date.fromisoformat(row["next_renewal"])


def test_a_renewal_within_n_days_is_announced_once_per_day_count(services: Services) -> None:
    customer = register(services, "C-1")
    subscription = subscribed(services, customer)
    hook = endpoint(services, "renewal.upcoming", days=[7, 1])
    renewal = renewal_of(services, subscription)
    now = services.runtime.clock.now()

    early = queue_time_based(services.store, renewal - timedelta(days=8), now)
    week = queue_time_based(services.store, renewal - timedelta(days=7), now)
    again = queue_time_based(services.store, renewal - timedelta(days=6), now)
    eve = queue_time_based(services.store, renewal - timedelta(days=1), now)

    assert (early, week, again, eve) == (0, 1, 0, 1)
    upcoming = [e for e in queued(services, hook) if e["type"] == "renewal.upcoming"]
    assert [(e["data"]["days_before"], e["data"]["days_left"]) for e in upcoming] == [
        (7, 7), (1, 1)]
    assert {e["data"]["date"] for e in upcoming} == {renewal.isoformat()}
    assert upcoming[0]["customer"]["external_key"] == "C-1"


def test_a_contract_end_is_announced_and_a_cancellation_counts(services: Services) -> None:
    customer = register(services, "C-1")
    ends = subscribed(services, customer, term_end=date(2026, 6, 30))
    cancelled = send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                                 start_date=date(2026, 1, 1)))
    send(services, CancelSubscription(customer_id=customer,
                                      subscription_id=str(cancelled.result["subscription_id"]),
                                      effective_date=date(2026, 6, 28), when="immediate"))
    hook = endpoint(services, "contract.ending", days=[30])
    services.runner.catch_up()

    count = queue_time_based(services.store, date(2026, 6, 1), services.runtime.clock.now())

    ending = [e for e in queued(services, hook) if e["type"] == "contract.ending"]
    assert count == 2
    assert {(e["data"]["subscription_id"], e["data"]["date"]) for e in ending} == {
        (ends, "2026-06-30"), (str(cancelled.result["subscription_id"]), "2026-06-28")}


class Exploding(Projection):
    """A view that fails on payments: the batch's transaction must roll back whole."""

    name = "exploding"
    tables = ()
    schema = ()

    @on(PaymentReceived)
    def fail(self, _tx: Transaction, _event: PaymentReceived, _: int) -> None:
        raise RuntimeError("the view failed")


def test_nothing_is_queued_from_a_batch_that_did_not_commit(services: Services) -> None:
    hook = endpoint(services, "payment.received")
    customer = register(services, "C-1")
    pay(services, customer, "100.00")
    failing = ProjectionRunner(services.ledger, services.store, [WebhookOutbox(), Exploding()])
    failing.setup()

    with pytest.raises(RuntimeError):
        failing.catch_up()

    assert services.store.query("SELECT event_id FROM webhook_deliveries") == []
    assert services.runner.positions()["webhooks"] == 0
    assert [e["type"] for e in queued(services, hook)] == ["webhook.ping", "payment.received"]


def test_dunning_tells_of_overdue_debt_suspension_and_reactivation(services: Services) -> None:
    customer = register(services, "C-1")
    hook = endpoint(services, "debt.overdue", "customer.suspended", "customer.reactivated",
                    "payment.received")
    invoice_due(services, customer, date(2026, 2, 1))
    dun(services, customer, date(2026, 3, 5))
    pay(services, customer, "1000.00")

    kinds = [e["type"] for e in queued(services, hook)][1:]

    assert kinds[-3:] == ["customer.suspended", "payment.received", "customer.reactivated"]
    assert set(kinds[:-3]) == {"debt.overdue"}
    overdue = [e for e in queued(services, hook) if e["type"] == "debt.overdue"][-1]
    assert overdue["data"]["action"] == "suspend"
    assert overdue["data"]["open_amount"] == {"amount": "1000.00", "currency": "RUB"}


def status_of(services: Services, endpoint_id: str, kind: str) -> dict[str, Any]:
    rows = services.store.query(
        "SELECT d.status, d.failed_position FROM webhook_deliveries d JOIN webhook_outbox o"
        " ON o.event_id = d.event_id WHERE d.endpoint_id = :e AND o.type = :t",
        {"e": endpoint_id, "t": kind})
    assert len(rows) == 1
    return rows[0]


def test_a_rebuild_after_enabling_queues_nothing_again(services: Services) -> None:
    # given a payment delivery that gave up, its endpoint marked failing, then enabled
    customer = register(services, "C-1")
    hook = endpoint(services, "payment.received")
    pay(services, customer, "100.00")
    services.runner.catch_up()
    with services.store.transaction() as tx:
        tx.execute("UPDATE webhook_deliveries SET status = 'failed'"
                   " WHERE endpoint_id = :e", {"e": hook})
    paid = services.store.query(
        "SELECT delivery_id FROM webhook_deliveries d JOIN webhook_outbox o"
        " ON o.event_id = d.event_id WHERE o.type = 'payment.received'")[0]["delivery_id"]
    send(services, MarkWebhookEndpointFailing(endpoint_id=hook, delivery_id=paid, attempts=20,
                                              last_error="HTTP 500"))
    send(services, EnableWebhookEndpoint(endpoint_id=hook))
    services.runner.catch_up()
    assert status_of(services, hook, "payment.received")["status"] == "pending"
    # ... and that gave up again, not yet reported
    with services.store.transaction() as tx:
        tx.execute("UPDATE webhook_deliveries SET status = 'failed', failed_position = NULL"
                   " WHERE delivery_id = :d", {"d": paid})

    # when the outbox is rebuilt
    services.runner.rebuild("webhooks")

    # then the failure stands, unstamped (so the worker still reports it), not queued again
    assert status_of(services, hook, "payment.received") == {
        "status": "failed", "failed_position": None}


def test_a_day_without_a_scan_still_gets_its_one_day_notice(services: Services) -> None:
    # given a renewal heard one day ahead, scanned three days before it
    customer = register(services, "C-1")
    subscription = subscribed(services, customer)
    hook = endpoint(services, "renewal.upcoming", days=[1])
    renewal = renewal_of(services, subscription)
    now = services.runtime.clock.now()
    assert queue_time_based(services.store, renewal - timedelta(days=3), now) == 0

    # when no scan runs the two days before it, and one runs on the day
    on_the_day = queue_time_based(services.store, renewal, now)

    # then that scan announces it (the day before's notice, one day late)
    assert on_the_day == 1
    [upcoming] = [e for e in queued(services, hook) if e["type"] == "renewal.upcoming"]
    assert (upcoming["data"]["date"], upcoming["data"]["days_before"],
            upcoming["data"]["days_left"]) == (renewal.isoformat(), 1, 0)


def test_after_a_scanned_day_dates_of_today_are_not_announced_again(services: Services) -> None:
    customer = register(services, "C-1")
    subscription = subscribed(services, customer)
    hook = endpoint(services, "renewal.upcoming", days=[2])
    renewal = renewal_of(services, subscription)
    now = services.runtime.clock.now()

    counts = [queue_time_based(services.store, renewal - timedelta(days=n), now)
              for n in (2, 1, 0)]

    assert counts == [1, 0, 0]
    assert [e["data"]["days_left"] for e in queued(services, hook)
            if e["type"] == "renewal.upcoming"] == [2]


def test_arrivals_at_the_test_receiver_at_once_are_numbered_once_each(
        services: Services) -> None:
    # given forty deliveries of two event ids arriving at the same moment
    def arrive(n: int) -> None:
        receive(services.store, {
            "received_id": f"r-{n}", "endpoint_id": "ep-1", "event_id": f"e-{n % 2}",
            "type": "payment.received", "received_at": "2026-01-15T09:00:00+00:00",
            "signature_valid": 1, "body": "{}"})

    # when they are kept concurrently
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(arrive, range(40)))

    # then each has its own number, and each id is a first arrival exactly once
    rows = services.store.query("SELECT arrival, event_id, duplicate FROM webhook_received")
    assert sorted(int(r["arrival"]) for r in rows) == list(range(1, 41))
    firsts = sorted(r["event_id"] for r in rows if not r["duplicate"])
    assert firsts == ["e-0", "e-1"]


def test_an_endpoint_registered_later_is_sent_its_own_days_left(
    services: Services, clock: SimulatedClock,
) -> None:
    # given a renewal announced to an endpoint a week before it
    customer = register(services, "C-1")
    subscription = subscribed(services, customer)
    early = endpoint(services, "renewal.upcoming", days=[7])
    renewal = renewal_of(services, subscription)
    week_before = renewal - timedelta(days=7)
    clock.move_to(week_before)
    assert queue_time_based(services.store, week_before, services.runtime.clock.now()) == 1

    # when another endpoint hearing 7 days ahead is registered 3 days before it
    three_before = renewal - timedelta(days=3)
    clock.move_to(three_before)
    late = endpoint(services, "renewal.upcoming", days=[7])
    services.runner.catch_up()
    assert queue_time_based(services.store, three_before, services.runtime.clock.now()) == 1

    # then each is sent the days left when it heard of it, under the same event id
    [for_early] = [e for e in queued(services, early) if e["type"] == "renewal.upcoming"]
    [for_late] = [e for e in queued(services, late) if e["type"] == "renewal.upcoming"]
    assert for_early["data"]["days_left"] == 7
    assert for_late["data"]["days_left"] == 3
    assert for_late["id"] == for_early["id"]
    assert for_late["occurred_at"] > for_early["occurred_at"]
    now = services.runtime.clock.now()
    sent = {c.endpoint_id: json.loads(c.body) for c in claim(
        services.store, "w-1", now, now + timedelta(minutes=1)) if "renewal" in c.body}
    assert sent[late]["data"]["days_left"] == 3
    assert sent[early]["data"]["days_left"] == 7


def test_a_contract_end_during_a_two_day_outage_is_still_announced(services: Services) -> None:
    # given a contract ending on 30 June heard one day ahead, scanned on 28 June
    customer = register(services, "C-1")
    subscribed(services, customer, term_end=date(2026, 6, 30))
    hook = endpoint(services, "contract.ending", days=[1])
    services.runner.catch_up()
    now = services.runtime.clock.now()
    assert queue_time_based(services.store, date(2026, 6, 28), now) == 0

    # when the scans of 29 and 30 June never ran, and the service is back on 1 July
    late = queue_time_based(services.store, date(2026, 7, 1), now)

    # then the end is announced, late, with no days left
    assert late == 1
    ending = [e for e in queued(services, hook) if e["type"] == "contract.ending"]
    assert [(e["data"]["date"], e["data"]["days_left"]) for e in ending] == [("2026-06-30", 0)]


def test_a_scan_after_a_long_outage_looks_back_a_month_at_most(services: Services) -> None:
    customer = register(services, "C-1")
    subscribed(services, customer, term_end=date(2026, 3, 31))
    hook = endpoint(services, "contract.ending", days=[1])
    services.runner.catch_up()
    now = services.runtime.clock.now()
    queue_time_based(services.store, date(2026, 3, 1), now)

    assert queue_time_based(services.store, date(2026, 3, 31) + timedelta(days=32), now) == 0
    assert [e for e in queued(services, hook) if e["type"] == "contract.ending"] == []


def test_a_claim_takes_turns_between_endpoints(services: Services) -> None:
    # given one endpoint with six customers' deliveries due, and another with one
    busy = endpoint(services, "customer.registered")
    quiet = endpoint(services, "payment.received")
    customers = [register(services, f"C-{n}") for n in range(6)]
    pay(services, customers[0], "100.00")
    services.runner.catch_up()
    with services.store.transaction() as tx:  # the pings are out of the way
        tx.execute("UPDATE webhook_deliveries SET status = 'delivered'"
                   " WHERE event_id IN (SELECT event_id FROM webhook_outbox"
                   " WHERE type = 'webhook.ping')")
    now = services.runtime.clock.now()
    until = now + timedelta(minutes=1)

    def keys(held: list[Claim], endpoint_id: str) -> list[str]:
        return [json.loads(c.body)["customer"]["external_key"] for c in held
                if c.endpoint_id == endpoint_id]

    # when workers claim: room for two; then at most two of each endpoint; then the busy one's
    first = claim(services.store, "w-1", now, until, 2)
    second = claim(services.store, "w-2", now, until, 10, per_endpoint=2)
    third = claim(services.store, "w-3", now, until, 10, endpoint_id=busy)

    # then the quiet endpoint's payment had its turn first, beside the busy one's oldest
    assert (keys(first, busy), keys(first, quiet)) == (["C-0"], ["C-0"])
    assert (keys(second, busy), keys(second, quiet)) == (["C-1", "C-2"], [])
    assert keys(third, busy) == ["C-3", "C-4", "C-5"]
