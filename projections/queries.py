"""The questions accountants and auditors ask of the views, as functions (no SQL in routes).

Lists are paginated by keyset cursors: a cursor is the sort key of the last row returned,
opaque to the client, so pages stay fast and stable however large the table grows.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from collections.abc import Callable

    from projections.store import ReadStore, Row


@dataclass(frozen=True)
class Page:
    """One page of rows and the cursor of the next page (None on the last)."""

    items: list[Row]
    next_cursor: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)


def encode_cursor(key: list[Any]) -> str:
    """Make an opaque cursor from a row's sort key."""
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    """Read a cursor back.

    Raises:
        ValueError: the cursor was not made by :func:`encode_cursor`.
    """
    try:
        data = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = orjson.loads(data)
    except (ValueError, orjson.JSONDecodeError):
        raise ValueError("malformed cursor") from None
    if isinstance(key, list):
        return key
    raise ValueError("malformed cursor")


def _page(
    store: ReadStore, sql: str, params: dict[str, Any], limit: int,
    key_of: Callable[[Row], list[Any]],
) -> Page:
    rows = store.query(sql + " LIMIT :limit", {**params, "limit": limit + 1})
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(key_of(rows[-1])) if more and rows else None)


def customers(
    store: ReadStore, *, search: str | None = None, status: str | None = None,
    tariff: str | None = None, manager: str | None = None, limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Customers by name, with debt per their currency; filter by text, status, tariff, manager."""
    where: list[str] = ["1 = 1"]
    params: dict[str, Any] = {}
    if search:
        where.append(
            "(LOWER(c.name) LIKE :search OR c.external_key = :exact OR c.inn = :exact)"
        )
        params.update(search=f"%{search.lower()}%", exact=search)
    for column, value in (("status", status), ("manager", manager)):
        if value:
            where.append(f"c.{column} = :{column}")
            params[column] = value
    if tariff:
        where.append("c.tariffs LIKE :tariff")
        params["tariff"] = f"%{tariff};%"
    if cursor:
        name, customer_id = decode_cursor(cursor)
        where.append(
            "(c.name > :after_name OR (c.name = :after_name AND c.customer_id > :after_id))"
        )
        params.update(after_name=name, after_id=customer_id)
    sql = (
        "SELECT c.*, COALESCE(b.net, 0) AS net, COALESCE(b.charged, 0) AS charged,"
        " COALESCE(b.paid, 0) AS paid FROM view_customers c"
        " LEFT JOIN view_balances b ON b.customer_id = c.customer_id AND b.currency = c.currency"
        f" WHERE {' AND '.join(where)} ORDER BY c.name, c.customer_id"
    )
    return _page(store, sql, params, limit, lambda r: [r["name"], r["customer_id"]])


def customer(store: ReadStore, customer_id: str) -> Row | None:
    """One customer's directory row and balances in every currency."""
    row = store.query_one(
        "SELECT * FROM view_customers WHERE customer_id = :id", {"id": customer_id}
    )
    if row is not None:
        row["balances"] = balances(store, customer_id)
    return row


def balances(store: ReadStore, customer_id: str) -> list[Row]:
    """A customer's balances, one row per currency."""
    return store.query(
        "SELECT currency, charged, credited, paid, adjusted, refunded, written_off, net,"
        " updated_at"
        " FROM view_balances WHERE customer_id = :id ORDER BY currency",
        {"id": customer_id},
    )


def debts(
    store: ReadStore, *, currency: str | None = None, limit: int = 50, cursor: str | None = None
) -> Page:
    """Customers who owe money, largest debt first."""
    where: list[str] = ["b.net > 0"]
    params: dict[str, Any] = {}
    if currency:
        where.append("b.currency = :currency")
        params["currency"] = currency
    if cursor:
        net, customer_id, cur = decode_cursor(cursor)
        where.append(
            "(b.net < :after_net OR (b.net = :after_net AND (b.customer_id > :after_id"
            " OR (b.customer_id = :after_id AND b.currency > :after_cur))))"
        )
        params.update(after_net=net, after_id=customer_id, after_cur=cur)
    sql = (
        "SELECT b.customer_id, c.external_key, c.name, c.status, b.currency, b.net AS debt,"
        " b.charged, b.paid FROM view_balances b JOIN view_customers c"
        " ON c.customer_id = b.customer_id"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY b.net DESC, b.customer_id, b.currency"
    )
    return _page(store, sql, params, limit, lambda r: [r["debt"], r["customer_id"], r["currency"]])


def debt_totals(store: ReadStore) -> list[Row]:
    """Total debt and number of debtors per currency."""
    return store.query(
        "SELECT currency, CAST(SUM(net) AS BIGINT) AS debt, COUNT(*) AS debtors FROM view_balances"
        " WHERE net > 0 GROUP BY currency ORDER BY currency"
    )


def renewals(
    store: ReadStore, *, date_from: str | None = None, date_to: str | None = None,
    customer_id: str | None = None, limit: int = 50, cursor: str | None = None,
) -> Page:
    """Upcoming renewals in date order (optionally within [date_from, date_to])."""
    where: list[str] = ["r.status = 'active'", "r.next_renewal IS NOT NULL"]
    params: dict[str, Any] = {}
    if date_from:
        where.append("r.next_renewal >= :date_from")
        params["date_from"] = date_from
    if date_to:
        where.append("r.next_renewal <= :date_to")
        params["date_to"] = date_to
    if customer_id:
        where.append("r.customer_id = :cid")
        params["cid"] = customer_id
    if cursor:
        next_renewal, sid = decode_cursor(cursor)
        where.append(
            "(r.next_renewal > :after_date OR (r.next_renewal = :after_date"
            " AND r.subscription_id > :after_id))"
        )
        params.update(after_date=next_renewal, after_id=sid)
    sql = (
        "SELECT r.*, c.name, c.external_key FROM view_renewals r JOIN view_customers c"
        f" ON c.customer_id = r.customer_id WHERE {' AND '.join(where)}"
        " ORDER BY r.next_renewal, r.subscription_id"
    )
    return _page(store, sql, params, limit, lambda r: [r["next_renewal"], r["subscription_id"]])


def timeline(
    store: ReadStore, customer_id: str, *, limit: int = 100, cursor: str | None = None
) -> Page:
    """A customer's events, oldest first."""
    params: dict[str, Any] = {"cid": customer_id, "after": 0}
    if cursor:
        params["after"] = int(decode_cursor(cursor)[0])
    sql = (
        "SELECT * FROM view_timeline WHERE customer_id = :cid AND version > :after"
        " ORDER BY version"
    )
    return _page(store, sql, params, limit, lambda r: [r["version"]])


def register(
    store: ReadStore, table: str, *, customer_id: str | None = None,
    date_column: str, date_from: str | None = None, date_to: str | None = None,
    tiebreak: str, limit: int = 50, cursor: str | None = None,
) -> Page:
    """Rows of a register (payments, invoice lines), in recording order, with filters."""
    where: list[str] = ["1 = 1"]
    params: dict[str, Any] = {}
    if customer_id:
        where.append("customer_id = :cid")
        params["cid"] = customer_id
    if date_from:
        where.append(f"{date_column} >= :date_from")
        params["date_from"] = date_from
    if date_to:
        where.append(f"{date_column} <= :date_to")
        params["date_to"] = date_to
    if cursor:
        position, last = decode_cursor(cursor)
        where.append(f"(position > :after OR (position = :after AND {tiebreak} > :last))")
        params.update(after=int(position), last=last)
    sql = (f"SELECT * FROM {table} WHERE {' AND '.join(where)}"
           f" ORDER BY position, {tiebreak}")
    return _page(store, sql, params, limit, lambda r: [r["position"], r[tiebreak]])


INVOICE_STATUS = (
    "CASE WHEN void = 1 THEN 'void' WHEN open = 0 THEN 'paid'"
    " WHEN due_on < :today THEN 'overdue'"
    " WHEN paid + credited > 0 THEN 'partially_paid' ELSE 'issued' END"
)


def invoices(
    store: ReadStore, *, today: str, status: str | None = None, customer_id: str | None = None,
    period_from: str | None = None, period_to: str | None = None, limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """The invoice register, newest number last; status is as of ``today`` (overdue)."""
    where: list[str] = ["1 = 1"]
    params: dict[str, Any] = {"today": today}
    if status:
        where.append(f"({INVOICE_STATUS}) = :status")
        params["status"] = status
    if customer_id:
        where.append("customer_id = :cid")
        params["cid"] = customer_id
    if period_from:
        where.append("issued_on >= :period_from")
        params["period_from"] = period_from
    if period_to:
        where.append("issued_on <= :period_to")
        params["period_to"] = period_to
    if cursor:
        (number,) = decode_cursor(cursor)
        where.append("number > :after")
        params["after"] = number
    sql = (f"SELECT *, {INVOICE_STATUS} AS status FROM view_invoices"
           f" WHERE {' AND '.join(where)} ORDER BY number")
    return _page(store, sql, params, limit, lambda r: [r["number"]])


def invoice(store: ReadStore, invoice_id: str, today: str) -> Row | None:
    """One invoice with its lines."""
    row = store.query_one(
        f"SELECT *, {INVOICE_STATUS} AS status FROM view_invoices WHERE invoice_id = :id",
        {"id": invoice_id, "today": today},
    )
    if row is not None:
        row["lines"] = store.query(
            "SELECT * FROM view_invoice_lines WHERE invoice_id = :id ORDER BY line_id",
            {"id": invoice_id},
        )
    return row


def revenue_by_tariff(store: ReadStore, *, date_from: str | None = None,
                      date_to: str | None = None) -> list[Row]:
    """Invoiced revenue (VAT excluded, after discounts) by tariff and month."""
    where: list[str] = ["1 = 1"]
    params: dict[str, Any] = {}
    if date_from:
        where.append("issued_on >= :date_from")
        params["date_from"] = date_from
    if date_to:
        where.append("issued_on <= :date_to")
        params["date_to"] = date_to
    return store.query(
        "SELECT COALESCE(tariff_code, '') AS tariff_code, SUBSTR(issued_on, 1, 7) AS month,"
        " currency, CAST(SUM(net) AS BIGINT) AS net, CAST(SUM(vat) AS BIGINT) AS vat"
        f" FROM view_invoice_lines WHERE {' AND '.join(where)}"
        " GROUP BY COALESCE(tariff_code, ''), SUBSTR(issued_on, 1, 7), currency"
        " ORDER BY 2, 1, 3",
        params,
    )


def tariffs(store: ReadStore) -> list[Row]:
    """Every version of every tariff, by code and newest version first."""
    rows = store.query("SELECT * FROM view_tariffs ORDER BY code, version DESC")
    for row in rows:
        row["definition"] = orjson.loads(row["definition"])
    return rows
