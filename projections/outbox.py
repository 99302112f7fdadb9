"""The webhook outbox: what each endpoint is to be sent, written as the log is read.

Why a projection: its rows are written in the same read-store transaction that moves its
tracking position, so every committed event is queued exactly once and nothing is queued
for a change that was never committed. An event goes to the endpoints that are enabled
and subscribed to its type *at that point of the log*, so a rebuild queues the same
deliveries; a newly registered endpoint hears only what happens after it (and a
``webhook.ping``).

Tables:

- ``view_webhook_endpoints`` and ``view_webhook_customers`` are plain views of the log,
  emptied and refilled by a rebuild;
- ``webhook_outbox`` (one envelope per event), ``webhook_deliveries`` (one row per
  endpoint and event: status, attempts, next attempt time, lease), the few deliveries'
  own bodies (``webhook_delivery_bodies``, see :func:`queue`) and ``webhook_attempts``
  hold delivery state that the log cannot rebuild, so a rebuild keeps them and
  re-inserts nothing that is there (``ON CONFLICT DO NOTHING``): a rebuild never sends
  anything again. The registry events that act on deliveries
  (failing, enabled, resent) remember the position that acted (``webhook_acts``, and a
  resent row's ``acted_position``), so replaying them in a rebuild changes nothing a
  second time;
- ``webhook_schedule_scans`` remembers the last day the daily scan covered
  (:mod:`projections.webhook_schedule`).

The delivery worker (``api/webhooks/``) works on these rows through
:mod:`projections.webhook_deliveries`.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, uuid5

from ledger.customers.events import CustomerRegistered
from ledger.webhooks import (
    PING,
    WebhookDeliveryResent,
    WebhookEndpointDisabled,
    WebhookEndpointEnabled,
    WebhookEndpointFailing,
    WebhookEndpointRegistered,
    WebhookEventTypesChanged,
    WebhookSecretRotated,
)
from projections.base import Projection, on
from projections.webhook_payloads import CUSTOMER_EVENTS, PAYLOADS, payload_of

if TYPE_CHECKING:
    from datetime import datetime

    from projections.store import Transaction

EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://lbx.dev/webhook-events")
INSTALLATION = "-"
"""The ordering key of events that belong to no customer (tariffs, pings)."""


def instant(moment: datetime) -> str:
    """An instant as the delivery tables store it: UTC ISO-8601, sortable as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def delivery_id_for(endpoint_id: str, event_id: str) -> str:
    """One endpoint's delivery of one event (the same on every rebuild)."""
    return str(uuid5(EVENT_NAMESPACE, f"{endpoint_id}/{event_id}"))


def envelope(event_id: str, kind: str, occurred_at: datetime,
             customer: dict[str, Any] | None, data: dict[str, Any]) -> str:
    """The body every receiver gets: a stable envelope around the type's ``data``."""
    body = {"id": event_id, "type": kind, "occurred_at": instant(occurred_at),
            "customer": customer, "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def queue(tx: Transaction, message: dict[str, Any], endpoint_ids: list[str]) -> int:
    """Put one envelope in the outbox and a pending delivery to each endpoint.

    ``message`` holds the outbox row: event_id, type, customer_id, occurred_at, body,
    position, ordinal. Returns how many deliveries were new.

    New deliveries of an event the outbox holds with another body (a time-based notice a
    later scan finds for an endpoint registered since, with its own ``days_left`` and scan
    time) keep their body in ``webhook_delivery_bodies``.
    """
    fresh = tx.execute(
        "INSERT INTO webhook_outbox (event_id, type, customer_id, occurred_at, body,"
        " position, ordinal) VALUES (:event_id, :type, :customer_id, :occurred_at, :body,"
        " :position, :ordinal) ON CONFLICT (event_id) DO NOTHING", message)
    new = [d for d in (_deliver(tx, message, e) for e in endpoint_ids) if d is not None]
    if new and not fresh and tx.query(
            "SELECT 1 FROM webhook_outbox WHERE event_id = :event_id AND body <> :body",
            message):
        for delivery_id in new:
            tx.execute("INSERT INTO webhook_delivery_bodies (delivery_id, occurred_at, body)"
                       " VALUES (:d, :occurred_at, :body) ON CONFLICT (delivery_id) DO NOTHING",
                       {**message, "d": delivery_id})
    return len(new)


def _deliver(tx: Transaction, message: dict[str, Any], endpoint_id: str) -> str | None:
    """The id of the endpoint's delivery of ``message`` if it is new, else None."""
    delivery_id = delivery_id_for(endpoint_id, message["event_id"])
    return delivery_id if tx.execute(
        "INSERT INTO webhook_deliveries (delivery_id, endpoint_id, event_id, order_key,"
        " position, ordinal, status, attempts, tries, created_at, next_attempt_at)"
        " VALUES (:delivery_id, :endpoint_id, :event_id, :order_key, :position, :ordinal,"
        " 'pending', 0, 0, :occurred_at, :occurred_at)"
        " ON CONFLICT (endpoint_id, event_id) DO NOTHING",
        {**message, "endpoint_id": endpoint_id, "delivery_id": delivery_id,
         "order_key": message["customer_id"] or INSTALLATION}) else None


def subscribers(tx: Transaction, kind: str) -> list[dict[str, Any]]:
    """The enabled endpoints subscribed to ``kind``, with their day counts."""
    rows = tx.query("SELECT endpoint_id, event_types, days_before FROM view_webhook_endpoints"
                    " WHERE enabled = 1 ORDER BY endpoint_id")
    return [r for r in rows if kind in json.loads(r["event_types"])]


def customer_of(tx: Transaction, customer_id: str) -> dict[str, Any]:
    """The envelope's ``customer``: its id and external key (no personal data)."""
    row = tx.query("SELECT external_key FROM view_webhook_customers WHERE customer_id = :c",
                   {"c": customer_id})
    return {"id": customer_id, "external_key": row[0]["external_key"] if row else None}


def first_time(tx: Transaction, pos: int) -> bool:
    """Whether the event at ``pos`` acts on deliveries now, not again in a rebuild or replay.

    An event acts once: its position is kept in ``webhook_acts`` (which a rebuild keeps).
    An event older than the newest queued delivery was read before (and acted then, maybe
    before ``webhook_acts`` existed), since the outbox reads the log in order.
    """
    newest = tx.query("SELECT MAX(position) AS newest FROM webhook_outbox")
    if newest and newest[0]["newest"] is not None and int(newest[0]["newest"]) > pos:
        return False
    return tx.execute("INSERT INTO webhook_acts (position) VALUES (:pos)"
                      " ON CONFLICT (position) DO NOTHING", {"pos": pos}) == 1


class WebhookOutbox(Projection):
    """Endpoints, and the deliveries each committed event owes them."""

    name = "webhooks"
    tables = ("view_webhook_endpoints", "view_webhook_customers")
    schema = (
        "CREATE TABLE IF NOT EXISTS view_webhook_endpoints ("
        " endpoint_id TEXT PRIMARY KEY, url TEXT NOT NULL, event_types TEXT NOT NULL,"
        " days_before TEXT NOT NULL, description TEXT NOT NULL,"
        " secret_version BIGINT NOT NULL, enabled BIGINT NOT NULL, failing BIGINT NOT NULL,"
        " registered_at TEXT NOT NULL, failing_since TEXT, failing_error TEXT)",
        "CREATE TABLE IF NOT EXISTS view_webhook_customers ("
        " customer_id TEXT PRIMARY KEY, external_key TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS webhook_outbox ("
        " event_id TEXT PRIMARY KEY, type TEXT NOT NULL, customer_id TEXT,"
        " occurred_at TEXT NOT NULL, body TEXT NOT NULL, position BIGINT NOT NULL,"
        " ordinal BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS webhook_deliveries ("
        " delivery_id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL, event_id TEXT NOT NULL,"
        " order_key TEXT NOT NULL, position BIGINT NOT NULL, ordinal BIGINT NOT NULL,"
        " status TEXT NOT NULL, attempts BIGINT NOT NULL, tries BIGINT NOT NULL,"
        " created_at TEXT NOT NULL, first_attempt_at TEXT, next_attempt_at TEXT,"
        " lease_owner TEXT, lease_until TEXT, last_status_code BIGINT, last_error TEXT,"
        " delivered_at TEXT, failed_position BIGINT, acted_position BIGINT,"
        " UNIQUE (endpoint_id, event_id))",
        "CREATE INDEX IF NOT EXISTS webhook_deliveries_due"
        " ON webhook_deliveries (status, next_attempt_at)",
        "CREATE INDEX IF NOT EXISTS webhook_deliveries_order"
        " ON webhook_deliveries (endpoint_id, order_key, position, ordinal)",
        "CREATE TABLE IF NOT EXISTS webhook_attempts ("
        " delivery_id TEXT NOT NULL, try BIGINT NOT NULL, started_at TEXT NOT NULL,"
        " duration_ms BIGINT NOT NULL, status_code BIGINT, error TEXT,"
        " PRIMARY KEY (delivery_id, try))",
        "CREATE TABLE IF NOT EXISTS webhook_received ("
        " received_id TEXT PRIMARY KEY, arrival BIGINT NOT NULL, endpoint_id TEXT NOT NULL,"
        " event_id TEXT,"
        " type TEXT, received_at TEXT NOT NULL, signature_valid BIGINT NOT NULL,"
        " duplicate BIGINT NOT NULL, body TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS webhook_acts (position BIGINT PRIMARY KEY)",
        "CREATE TABLE IF NOT EXISTS webhook_delivery_bodies ("
        " delivery_id TEXT PRIMARY KEY, occurred_at TEXT NOT NULL, body TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS webhook_schedule_scans ("
        " scan TEXT PRIMARY KEY, last_day TEXT NOT NULL)",
    )

    # -- the registry ---------------------------------------------------------------------

    @on(WebhookEndpointRegistered)
    def registered(self, tx: Transaction, event: WebhookEndpointRegistered, pos: int) -> None:
        """Add the endpoint, and queue a ping so the receiver can check its set-up at once."""
        tx.execute(
            "INSERT INTO view_webhook_endpoints (endpoint_id, url, event_types, days_before,"
            " description, secret_version, enabled, failing, registered_at) VALUES (:id, :url,"
            " :types, :days, :description, 1, 1, 0, :at)",
            {"id": event.endpoint_id, "url": event.url,
             "types": json.dumps([t.value for t in event.event_types]),
             "days": json.dumps(event.days_before), "description": event.description,
             "at": instant(event.timestamp)})
        event_id = str(uuid5(EVENT_NAMESPACE, f"{event.endpoint_id}/ping"))
        data = {"endpoint_id": event.endpoint_id,
                "event_types": [t.value for t in event.event_types]}
        queue(tx, {"event_id": event_id, "type": PING, "customer_id": None,
                   "occurred_at": instant(event.timestamp), "position": pos, "ordinal": 0,
                   "body": envelope(event_id, PING, event.timestamp, None, data)},
              [event.endpoint_id])

    @on(WebhookEventTypesChanged)
    def changed(self, tx: Transaction, event: WebhookEventTypesChanged, _: int) -> None:
        """Hear other types from here on."""
        tx.execute("UPDATE view_webhook_endpoints SET event_types = :types, days_before = :days"
                   " WHERE endpoint_id = :id",
                   {"id": event.endpoint_id, "days": json.dumps(event.days_before),
                    "types": json.dumps([t.value for t in event.event_types])})

    @on(WebhookSecretRotated)
    def rotated(self, tx: Transaction, event: WebhookSecretRotated, _: int) -> None:
        """Sign with the new version from the next attempt on."""
        tx.execute("UPDATE view_webhook_endpoints SET secret_version = :v WHERE endpoint_id = :id",
                   {"v": event.secret_version, "id": event.endpoint_id})

    @on(WebhookEndpointDisabled)
    def disabled(self, tx: Transaction, event: WebhookEndpointDisabled, _: int) -> None:
        """Queue nothing more for it and send nothing (queued deliveries wait)."""
        tx.execute("UPDATE view_webhook_endpoints SET enabled = 0 WHERE endpoint_id = :id",
                   {"id": event.endpoint_id})

    @on(WebhookEndpointEnabled)
    def enabled(self, tx: Transaction, event: WebhookEndpointEnabled, pos: int) -> None:
        """Resume; what gave up before this point, and what was backing off, start afresh.

        Once (see :func:`first_time`). The time the endpoint was off must not use up the
        retry period of what waited: one failure after enabling would give up at once.
        """
        tx.execute("UPDATE view_webhook_endpoints SET enabled = 1, failing = 0,"
                   " failing_since = NULL, failing_error = NULL WHERE endpoint_id = :id",
                   {"id": event.endpoint_id})
        if not first_time(tx, pos):
            return
        at = {"id": event.endpoint_id, "at": instant(event.timestamp), "pos": pos}
        tx.execute(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0,"
            " first_attempt_at = NULL, next_attempt_at = :at, failed_position = NULL"
            " WHERE endpoint_id = :id AND status = 'failed'"
            " AND (failed_position IS NULL OR failed_position < :pos)", at)
        tx.execute(
            "UPDATE webhook_deliveries SET attempts = 0, first_attempt_at = NULL,"
            " next_attempt_at = CASE WHEN next_attempt_at > :at THEN :at"
            " ELSE next_attempt_at END"
            " WHERE endpoint_id = :id AND status IN ('pending', 'sending')"
            " AND first_attempt_at IS NOT NULL", at)

    @on(WebhookEndpointFailing)
    def failing(self, tx: Transaction, event: WebhookEndpointFailing, pos: int) -> None:
        """Pause the endpoint; remember which position gave the delivery up."""
        tx.execute("UPDATE view_webhook_endpoints SET failing = 1, failing_since = :at,"
                   " failing_error = :error WHERE endpoint_id = :id",
                   {"id": event.endpoint_id, "at": instant(event.timestamp),
                    "error": event.last_error})
        if not first_time(tx, pos):
            return
        tx.execute("UPDATE webhook_deliveries SET failed_position = :pos WHERE endpoint_id = :id"
                   " AND status = 'failed' AND failed_position IS NULL",
                   {"id": event.endpoint_id, "pos": pos})

    @on(WebhookDeliveryResent)
    def resent(self, tx: Transaction, event: WebhookDeliveryResent, pos: int) -> None:
        """Start a fresh series of attempts (once per resend, even across rebuilds)."""
        tx.execute(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0,"
            " first_attempt_at = NULL, next_attempt_at = :at, failed_position = NULL,"
            " acted_position = :pos, lease_owner = NULL, lease_until = NULL"
            " WHERE delivery_id = :d AND endpoint_id = :id AND status IN ('delivered', 'failed')"
            " AND (acted_position IS NULL OR acted_position < :pos)",
            {"d": event.delivery_id, "id": event.endpoint_id, "pos": pos,
             "at": instant(event.timestamp)})

    # -- the ledger's events ----------------------------------------------------------------

    @on(*PAYLOADS)
    def happened(self, tx: Transaction, event: Any, pos: int) -> None:
        """Queue the event for every endpoint that hears its type now."""
        if isinstance(event, CustomerRegistered):
            tx.execute("INSERT INTO view_webhook_customers (customer_id, external_key)"
                       " VALUES (:c, :k) ON CONFLICT (customer_id) DO NOTHING",
                       {"c": str(event.originator_id), "k": event.external_key})
        payload = payload_of(event)
        if payload is None:
            return
        kind, data = payload
        endpoints = [r["endpoint_id"] for r in subscribers(tx, kind.value)]
        if not endpoints:
            return
        event_id = str(uuid5(EVENT_NAMESPACE,
                             f"{event.originator_id}/{event.originator_version}"))
        customer_id = str(event.originator_id) if type(event) in CUSTOMER_EVENTS else None
        customer = customer_of(tx, customer_id) if customer_id else None
        queue(tx, {"event_id": event_id, "type": kind.value, "customer_id": customer_id,
                   "occurred_at": instant(event.timestamp), "position": pos, "ordinal": 0,
                   "body": envelope(event_id, kind.value, event.timestamp, customer, data)},
              endpoints)
