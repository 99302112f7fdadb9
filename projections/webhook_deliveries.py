"""Delivery state beside the outbox: claiming due deliveries, recording attempts, the log.

Why claims look the way they do:

- **Two workers**: on PostgreSQL a claim selects ``FOR UPDATE OF d SKIP LOCKED`` and
  marks the rows ``sending`` with a lease before committing, so two workers never take the
  same row; on SQLite the claim runs in a ``BEGIN IMMEDIATE`` transaction (one writer).
- **Order per customer**: only the earliest unfinished delivery of an (endpoint,
  customer) pair can be claimed. A later one waits while an earlier one is pending
  (perhaps backing off), in flight, or failed (given up: the endpoint is paused).
- **Endpoints take turns**: a claim takes a few deliveries of each endpoint at most, the
  first of every endpoint before the second of any, so that an endpoint with a thousand
  customers' retries due cannot fill every batch while other endpoints wait.
- **Crashes**: a worker that dies mid-send leaves its row ``sending``; once the lease runs
  out another worker claims it again. The receiver may then get that event twice (the
  documented at-least-once), never a later event first.
- A result is recorded only by the lease's owner, so a late answer of a worker whose
  lease ran out cannot overwrite a newer attempt's outcome; its attempt row is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from projections.outbox import instant

if TYPE_CHECKING:
    from datetime import datetime

    from projections.store import ReadStore, Row

_DUE = ("((d.status = 'pending' AND d.next_attempt_at <= :now)"
        " OR (d.status = 'sending' AND d.lease_until < :now))")
CLAIMABLE = (
    "SELECT d.delivery_id, ROW_NUMBER() OVER (PARTITION BY d.endpoint_id"  # noqa: S608
    " ORDER BY d.position, d.ordinal, d.event_id) AS turn FROM webhook_deliveries d"
    " JOIN view_webhook_endpoints e ON e.endpoint_id = d.endpoint_id"
    f" WHERE e.enabled = 1 AND e.failing = 0 AND {_DUE}"
    # the earliest unfinished delivery of an (endpoint, customer) pair goes first
    " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p"
    " WHERE p.endpoint_id = d.endpoint_id AND p.order_key = d.order_key"
    " AND p.status IN ('pending', 'sending', 'failed')"
    " AND (p.position < d.position OR (p.position = d.position AND (p.ordinal < d.ordinal"
    " OR (p.ordinal = d.ordinal AND p.event_id < d.event_id)))))"
)
"""Every claimable delivery, numbered per endpoint in the order it is due to go."""


def _claimable(*, one_endpoint: bool, lock: bool) -> str:
    """Up to ``:limit`` claimable deliveries, at most ``:per_endpoint`` of each endpoint.

    Endpoints take turns: every endpoint's first delivery comes before any endpoint's
    second. The due condition is repeated on the outer query, on the rows it locks, so that
    PostgreSQL checks it again on a row another worker changed meanwhile (a window function
    cannot be on the same level as ``FOR UPDATE``).
    """
    inner = CLAIMABLE + (" AND d.endpoint_id = :endpoint" if one_endpoint else "")
    return (
        f"SELECT d.delivery_id FROM webhook_deliveries d JOIN ({inner}) c"  # noqa: S608
        f" ON c.delivery_id = d.delivery_id WHERE c.turn <= :per_endpoint AND {_DUE}"
        " ORDER BY c.turn, d.position, d.ordinal, d.event_id LIMIT :limit"
        + (" FOR UPDATE OF d SKIP LOCKED" if lock else ""))


@dataclass(frozen=True)
class Claim:
    """One delivery a worker holds until ``lease_until``: what to send, where, how signed."""

    delivery_id: str
    endpoint_id: str
    event_id: str
    url: str
    secret_version: int
    body: str
    attempts: int
    """Failed attempts so far in this series (a re-send starts a new series)."""
    try_no: int
    """This attempt's number over the delivery's whole life (the attempt log's key)."""
    first_attempt_at: str


def claim(store: ReadStore, owner: str, now: datetime, lease_until: datetime,
          limit: int = 10, *, per_endpoint: int | None = None,
          endpoint_id: str | None = None) -> list[Claim]:
    """Take up to ``limit`` due deliveries for ``owner`` until ``lease_until``.

    At most ``per_endpoint`` of them go to one endpoint (None: no bound), taking turns, so
    that an endpoint with many customers waiting (a receiver that hangs) cannot fill the
    batch. ``endpoint_id`` takes only that endpoint's.
    """
    sql = _claimable(one_endpoint=endpoint_id is not None, lock=store.dialect == "postgres")
    params = {"now": instant(now), "limit": limit, "per_endpoint": per_endpoint or limit,
              "endpoint": endpoint_id}
    with store.transaction() as tx:
        ids = [r["delivery_id"] for r in tx.query(sql, params)]
        for delivery_id in ids:
            tx.execute(
                "UPDATE webhook_deliveries SET status = 'sending', lease_owner = :owner,"
                " lease_until = :until, tries = tries + 1,"
                " first_attempt_at = COALESCE(first_attempt_at, :now) WHERE delivery_id = :d",
                {"owner": owner, "until": instant(lease_until), "now": instant(now),
                 "d": delivery_id})
        if not ids:
            return []
        rows = tx.query(
            "SELECT d.delivery_id, d.endpoint_id, d.event_id, d.attempts, d.tries,"
            " d.first_attempt_at, e.url, e.secret_version, COALESCE(b.body, o.body) AS body"
            " FROM webhook_deliveries d"
            " JOIN view_webhook_endpoints e ON e.endpoint_id = d.endpoint_id"
            " JOIN webhook_outbox o ON o.event_id = d.event_id"
            " LEFT JOIN webhook_delivery_bodies b ON b.delivery_id = d.delivery_id"
            " WHERE d.lease_owner = :owner AND d.status = 'sending'"
            " ORDER BY d.position, d.ordinal, d.event_id", {"owner": owner})
    wanted = set(ids)
    return [Claim(delivery_id=r["delivery_id"], endpoint_id=r["endpoint_id"],
                  event_id=r["event_id"], url=r["url"], secret_version=int(r["secret_version"]),
                  body=r["body"], attempts=int(r["attempts"]), try_no=int(r["tries"]),
                  first_attempt_at=r["first_attempt_at"])
            for r in rows if r["delivery_id"] in wanted]


@dataclass(frozen=True)
class Attempt:
    """What one attempt came to."""

    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        """A 2xx answer is a delivery; anything else (or no answer) is not."""
        return self.status_code is not None and 200 <= self.status_code < 300  # noqa: PLR2004


def record(store: ReadStore, owner: str, held: Claim, attempt: Attempt,
           next_attempt_at: datetime | None) -> bool:
    """Log the attempt and settle the delivery: delivered, pending again, or failed.

    ``next_attempt_at`` None after a failure means the retry period is over. Returns False
    when the lease was lost (another worker took the delivery over meanwhile).
    """
    if attempt.succeeded:
        status, next_at = "delivered", None
    else:
        status = "pending" if next_attempt_at is not None else "failed"
        next_at = instant(next_attempt_at) if next_attempt_at is not None else None
    done = instant(attempt.started_at)
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO webhook_attempts (delivery_id, try, started_at, duration_ms,"
            " status_code, error) VALUES (:d, :try, :at, :ms, :code, :error)"
            " ON CONFLICT (delivery_id, try) DO NOTHING",
            {"d": held.delivery_id, "try": held.try_no, "at": done,
             "ms": attempt.duration_ms, "code": attempt.status_code,
             "error": attempt.error[:1000] if attempt.error else None})
        return tx.execute(
            "UPDATE webhook_deliveries SET status = :status, attempts = attempts + 1,"
            " next_attempt_at = :next, last_status_code = :code, last_error = :error,"
            " delivered_at = COALESCE(:delivered, delivered_at),"
            " lease_owner = NULL, lease_until = NULL"
            " WHERE delivery_id = :d AND lease_owner = :owner AND status = 'sending'",
            {"status": status, "next": next_at, "code": attempt.status_code,
             "error": attempt.error[:1000] if attempt.error else None,
             "delivered": instant(attempt.started_at + timedelta(milliseconds=attempt.duration_ms))
             if status == "delivered" else None,
             "d": held.delivery_id, "owner": owner}) == 1


def unreported_failures(store: ReadStore) -> list[Row]:
    """Deliveries that gave up while their endpoint is not yet marked failing."""
    return store.query(
        "SELECT d.delivery_id, d.endpoint_id, d.attempts, d.tries, d.last_status_code,"
        " d.last_error FROM webhook_deliveries d"
        " JOIN view_webhook_endpoints e ON e.endpoint_id = d.endpoint_id"
        " WHERE d.status = 'failed' AND d.failed_position IS NULL AND e.failing = 0"
        " ORDER BY d.position, d.ordinal")


# -- reading the log ---------------------------------------------------------------------

ENDPOINT_COLUMNS = (
    "endpoint_id, url, event_types, days_before, description, secret_version, enabled,"
    " failing, registered_at, failing_since, failing_error"
)


def endpoints(store: ReadStore) -> list[Row]:
    """Every endpoint, oldest first."""
    return store.query(f"SELECT {ENDPOINT_COLUMNS} FROM view_webhook_endpoints"  # noqa: S608
                       " ORDER BY registered_at, endpoint_id")


def endpoint(store: ReadStore, endpoint_id: str) -> Row | None:
    """One endpoint, or None."""
    return store.query_one(f"SELECT {ENDPOINT_COLUMNS} FROM view_webhook_endpoints"  # noqa: S608
                           " WHERE endpoint_id = :id", {"id": endpoint_id})


def deliveries(store: ReadStore, endpoint_id: str, *, status: str | None = None,
               before: tuple[int, int, str] | None = None, limit: int = 50) -> list[Row]:
    """An endpoint's deliveries, newest first (``before``: the last row's sort key)."""
    params: dict[str, Any] = {"id": endpoint_id, "limit": limit}
    where = ["d.endpoint_id = :id"]
    if status is not None:
        where.append("d.status = :status")
        params["status"] = status
    if before is not None:
        where.append("(d.position < :bp OR (d.position = :bp AND (d.ordinal < :bo"
                     " OR (d.ordinal = :bo AND d.event_id < :be))))")
        params.update(bp=before[0], bo=before[1], be=before[2])
    return store.query(
        "SELECT d.delivery_id, d.event_id, o.type, o.customer_id,"  # noqa: S608
        " COALESCE(b.occurred_at, o.occurred_at) AS occurred_at, d.status,"
        " d.attempts, d.tries, d.next_attempt_at, d.last_status_code, d.last_error,"
        " d.delivered_at, d.position, d.ordinal FROM webhook_deliveries d"
        " JOIN webhook_outbox o ON o.event_id = d.event_id"
        " LEFT JOIN webhook_delivery_bodies b ON b.delivery_id = d.delivery_id"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY d.position DESC, d.ordinal DESC, d.event_id DESC LIMIT :limit", params)


def attempts_of(store: ReadStore, delivery_ids: list[str]) -> dict[str, list[Row]]:
    """The attempts of each delivery, in order."""
    found: dict[str, list[Row]] = {d: [] for d in delivery_ids}
    if not delivery_ids:
        return found
    names = {f"d{i}": d for i, d in enumerate(delivery_ids)}
    rows = store.query(
        "SELECT delivery_id, try, started_at, duration_ms, status_code, error"  # noqa: S608
        f" FROM webhook_attempts WHERE delivery_id IN ({', '.join(':' + n for n in names)})"
        " ORDER BY delivery_id, try", names)
    for row in rows:
        found[row["delivery_id"]].append(row)
    return found


def delivery(store: ReadStore, endpoint_id: str, delivery_id: str) -> Row | None:
    """One delivery of an endpoint, or None."""
    return store.query_one(
        "SELECT delivery_id, status FROM webhook_deliveries"
        " WHERE endpoint_id = :e AND delivery_id = :d", {"e": endpoint_id, "d": delivery_id})


# -- the built-in test receiver ----------------------------------------------------------


def receive(store: ReadStore, row: dict[str, Any]) -> bool:
    """Keep an authentic delivery the test receiver got; return True if its id came before.

    Arrivals are numbered in one statement, and on PostgreSQL under a table lock, so two
    deliveries arriving at once never get the same number nor both pass as the first of
    their id (SQLite has one writer at a time anyway).
    """
    with store.transaction() as tx:
        if store.dialect == "postgres":
            tx.execute("LOCK TABLE webhook_received IN SHARE ROW EXCLUSIVE MODE")
        tx.execute(
            "INSERT INTO webhook_received (received_id, arrival, endpoint_id, event_id, type,"
            " received_at, signature_valid, duplicate, body)"
            " SELECT :received_id, COALESCE(MAX(r.arrival), 0) + 1, :endpoint_id, :event_id,"
            " :type, :received_at, 1, CASE WHEN EXISTS (SELECT 1 FROM webhook_received s"
            " WHERE s.endpoint_id = :endpoint_id AND s.event_id = :event_id"
            " AND s.signature_valid = 1) THEN 1 ELSE 0 END, :body FROM webhook_received r", row)
        kept = tx.query("SELECT duplicate FROM webhook_received WHERE received_id = :received_id",
                        row)
    return bool(kept[0]["duplicate"])


def received(store: ReadStore, endpoint_id: str, limit: int = 100) -> list[Row]:
    """What the test receiver got for an endpoint, newest first."""
    return store.query(
        "SELECT received_id, event_id, type, received_at, signature_valid, duplicate, body"
        " FROM webhook_received WHERE endpoint_id = :e ORDER BY arrival DESC LIMIT :limit",
        {"e": endpoint_id, "limit": limit})
