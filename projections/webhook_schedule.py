"""Time-based webhooks: renewals and contract ends that come within N days, found daily.

No ledger event says "a renewal is 7 days away", so the daily scheduler asks the renewal
calendar instead and queues one envelope per subscription, date and day count N. Its id
is derived from exactly those (plus the type and customer), so a second scan of the same
day, a scan by another instance, or tomorrow's scan finding the same date within N days
queue nothing twice. Only endpoints enabled at scan time hear of it; one that hears of it
on a later scan than another (registered since) is sent its own envelope, with the days
left then (:func:`projections.outbox.queue`).

Days without a scan (the service was down, or the calendar was stale) lose nothing: the
last day scanned is kept in ``webhook_schedule_scans``, and when the next scan finds days
missing it looks from the last scanned day on, so the dates that fell on the missed days
(and today's) are announced late, with ``days_left`` 0, rather than never.

The envelopes go into the outbox after everything the outbox has read so far (its
tracking position), so they never overtake a customer's earlier events.
"""

# ruff: noqa: S608  (SQL is assembled from fixed fragments; every value is a bound parameter)
from __future__ import annotations

import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid5

from ledger.webhooks import TIME_BASED, WebhookEventType
from projections.outbox import (
    EVENT_NAMESPACE,
    WebhookOutbox,
    customer_of,
    envelope,
    instant,
    queue,
)
from projections.renewals import RENEWS

if TYPE_CHECKING:
    from datetime import datetime

    from projections.store import ReadStore, Transaction

CATCH_UP_DAYS = 31
"""How far back a scan after missed days looks: dates older than that are not announced
(a contract that ended a month before the scheduler came back is no longer news)."""

_DUE = {
    WebhookEventType.RENEWAL_UPCOMING: (
        "SELECT customer_id, subscription_id, tariff_code, quantity, next_renewal AS day,"
        f" auto_renew FROM view_renewals r WHERE {RENEWS} AND next_renewal > :since"
        " AND next_renewal <= :until ORDER BY customer_id, subscription_id"),
    WebhookEventType.CONTRACT_ENDING: (
        "SELECT customer_id, subscription_id, tariff_code, quantity, term_end AS day,"
        " auto_renew FROM view_renewals WHERE term_end > :since AND term_end <= :until"
        " ORDER BY customer_id, subscription_id"),
}


def queue_time_based(store: ReadStore, today: date, now: datetime) -> int:
    """Queue the renewal and contract-end notifications due on ``today``; return how many.

    ``now`` is the envelope's ``occurred_at`` (the moment of the scan).
    """
    with store.transaction() as tx:
        since = _since(tx, today)
        tracked = tx.query("SELECT position FROM lbx_tracking WHERE projection = :name",
                           {"name": WebhookOutbox.name})
        position = int(tracked[0]["position"]) if tracked else 0
        endpoints = tx.query("SELECT endpoint_id, event_types, days_before"
                             " FROM view_webhook_endpoints WHERE enabled = 1"
                             " ORDER BY endpoint_id")
        messages: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for endpoint in endpoints:
            kinds = [k for k in json.loads(endpoint["event_types"]) if k in TIME_BASED]
            for kind in kinds:
                for days in json.loads(endpoint["days_before"]):
                    for row in _due(tx, WebhookEventType(kind), since, today, days):
                        message = _message(tx, WebhookEventType(kind), row,
                                           today=today, days=days, now=now)
                        entry = messages.setdefault(message["event_id"], (message, []))
                        entry[1].append(endpoint["endpoint_id"])
        # after whatever an earlier scan at the same position queued
        last = tx.query("SELECT MAX(ordinal) AS last FROM webhook_outbox WHERE position = :p",
                        {"p": position})
        start = int(last[0]["last"] or 0) + 1 if last else 1
        _scanned(tx, today)
        queued = 0
        for ordinal, (message, endpoint_ids) in enumerate(sorted(messages.values(),
                                                                 key=_order), start=start):
            queued += queue(tx, {**message, "position": position, "ordinal": ordinal},
                            endpoint_ids)
        return queued


def _order(entry: tuple[dict[str, Any], list[str]]) -> tuple[str, str]:
    message = entry[0]
    return message["customer_id"], message["event_id"]


def _since(tx: Transaction, today: date) -> date:
    """The day after which dates are announced: today, or the last day scanned before it.

    After missed days, dates falling on any of them (which their scans would have
    announced, and which today's window no longer holds) are announced now, as far back as
    :data:`CATCH_UP_DAYS`.
    """
    last = tx.query("SELECT last_day FROM webhook_schedule_scans WHERE scan = 'daily'")
    if not last:
        return today
    last_day = date.fromisoformat(last[0]["last_day"])
    if last_day >= today - timedelta(days=1):  # no day missed: yesterday's window had today
        return today
    return max(last_day, today - timedelta(days=CATCH_UP_DAYS))


def _scanned(tx: Transaction, today: date) -> None:
    tx.execute(
        "INSERT INTO webhook_schedule_scans (scan, last_day) VALUES ('daily', :day)"
        " ON CONFLICT (scan) DO UPDATE SET last_day = CASE"
        " WHEN webhook_schedule_scans.last_day < excluded.last_day THEN excluded.last_day"
        " ELSE webhook_schedule_scans.last_day END", {"day": today.isoformat()})


def _due(tx: Transaction, kind: WebhookEventType, since: date, today: date,
         days: int) -> list[dict[str, Any]]:
    until = today + timedelta(days=days)
    return tx.query(_DUE[kind], {"since": since.isoformat(), "until": until.isoformat()})


def _message(tx: Transaction, kind: WebhookEventType, row: dict[str, Any], *, today: date,
             days: int, now: datetime) -> dict[str, Any]:
    customer_id, day = str(row["customer_id"]), str(row["day"])
    event_id = str(uuid5(EVENT_NAMESPACE,
                         f"{kind.value}/{customer_id}/{row['subscription_id']}/{day}/{days}"))
    data = {"subscription_id": row["subscription_id"], "tariff_code": row["tariff_code"],
            "quantity": int(row["quantity"]), "date": day, "days_before": days,
            "days_left": max((date.fromisoformat(day) - today).days, 0),  # late: 0
            "auto_renew": bool(row["auto_renew"])}
    body = envelope(event_id, kind.value, now, customer_of(tx, customer_id), data)
    return {"event_id": event_id, "type": kind.value, "customer_id": customer_id,
            "occurred_at": instant(now), "body": body}
