"""The questions accountants and auditors ask of the views, as functions (no SQL in routes).

Lists are paginated by keyset cursors: a cursor is the sort key of the last row returned,
opaque to the client, so pages stay fast and stable however large the table grows.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import orjson

from ledger.errors import InvalidField
from projections.renewals import ON_TARIFF, RENEWS

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

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


def decode_cursor(cursor: str, size: int | None = None) -> list[Any]:
    """Read a cursor back (``size``: how many sort-key values it must hold).

    Raises:
        InvalidField: the cursor was not made by :func:`encode_cursor` for this list
            (a ``ValueError`` too, so callers that only validate may catch that).
    """
    try:
        data = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = orjson.loads(data)
    except (ValueError, orjson.JSONDecodeError):
        raise BadCursor(field="cursor", why="malformed cursor") from None
    if isinstance(key, list) and (size is None or len(key) == size) and all(
        isinstance(part, str | int) and not isinstance(part, bool) for part in key
    ):
        return key
    raise BadCursor(field="cursor", why="this cursor does not belong to this list")


class BadCursor(InvalidField, ValueError):
    """Raised when a cursor was not made by this list (answered as 422 naming ``cursor``)."""


def cursor_position(value: object) -> int:
    """A cursor's position part as an integer.

    Raises:
        BadCursor: the part is not a whole number (a cursor made by hand).
    """
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_POSITION:
        return value
    raise BadCursor(field="cursor", why="this cursor does not belong to this list")


MAX_POSITION = 2**63 - 1
"""The largest log position (a BIGINT): a cursor beyond it was not made by a list."""


def _filters(
    where: list[str], params: dict[str, Any], *conditions: tuple[str, str, Any]
) -> None:
    """Add each ``(clause, parameter, value)`` whose value is given (not None or empty)."""
    for clause, name, value in conditions:
        if value:
            where.append(clause)
            params[name] = value


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
    tariff: str | None = None, manager: str | None = None, tag: str | None = None,
    limit: int = 50, cursor: str | None = None,
) -> Page:
    """Customers by name, with debt per their currency; filter by text, status, tag, etc."""
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
        where.append(f"c.customer_id IN ({ON_TARIFF})")
        params["tariff"] = tariff
    if tag:
        where.append("EXISTS (SELECT 1 FROM view_customer_tags t"
                     " WHERE t.customer_id = c.customer_id AND t.tag = :tag)")
        params["tag"] = tag
    if cursor:
        name, customer_id = decode_cursor(cursor, 2)
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
    page = _page(store, sql, params, limit, lambda r: [r["name"], r["customer_id"]])
    plans = live_tariffs(store, [row["customer_id"] for row in page.items])
    for row in page.items:
        row["tariffs"] = plans.get(row["customer_id"], [])
    return page


def live_tariffs(store: ReadStore, customer_ids: list[str]) -> dict[str, list[str]]:
    """The codes of each customer's subscriptions that are not cancelled, sorted."""
    if not customer_ids:
        return {}
    marks = ", ".join(f":c{i}" for i in range(len(customer_ids)))
    plans: dict[str, list[str]] = {}
    for plan in store.query(
            "SELECT DISTINCT customer_id, tariff_code FROM view_renewals"
            f" WHERE status <> 'cancelled' AND customer_id IN ({marks})"
            " ORDER BY customer_id, tariff_code",
            {f"c{i}": cid for i, cid in enumerate(customer_ids)}):
        plans.setdefault(plan["customer_id"], []).append(plan["tariff_code"])
    return plans


def customer(store: ReadStore, customer_id: str) -> Row | None:
    """One customer's directory row, its live tariffs and balances in every currency."""
    row = store.query_one(
        "SELECT * FROM view_customers WHERE customer_id = :id", {"id": customer_id}
    )
    if row is not None:
        row["tariffs"] = live_tariffs(store, [customer_id]).get(customer_id, [])
        row["balances"] = balances(store, customer_id)
        row["tags"] = [r["tag"] for r in store.query(
            "SELECT tag FROM view_customer_tags WHERE customer_id = :id ORDER BY tag",
            {"id": customer_id})]
        row["external_ids"] = {r["system"]: r["external_id"] for r in store.query(
            "SELECT system, external_id FROM view_customer_ids WHERE customer_id = :id",
            {"id": customer_id})}
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
        net, customer_id, cur = decode_cursor(cursor, 3)
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
    where: list[str] = [RENEWS]
    params: dict[str, Any] = {}
    _filters(where, params, ("r.next_renewal >= :date_from", "date_from", date_from),
             ("r.next_renewal <= :date_to", "date_to", date_to),
             ("r.customer_id = :cid", "cid", customer_id))
    if cursor:
        next_renewal, cid, sid = decode_cursor(cursor, 3)
        where.append(
            "(r.next_renewal > :after_date OR (r.next_renewal = :after_date"
            " AND (r.customer_id > :after_customer OR (r.customer_id = :after_customer"
            " AND r.subscription_id > :after_id))))"
        )
        params.update(after_date=next_renewal, after_customer=cid, after_id=sid)
    sql = (
        "SELECT r.*, c.name, c.external_key FROM view_renewals r JOIN view_customers c"
        f" ON c.customer_id = r.customer_id WHERE {' AND '.join(where)}"
        " ORDER BY r.next_renewal, r.customer_id, r.subscription_id"
    )
    return _page(store, sql, params, limit,
                 lambda r: [r["next_renewal"], r["customer_id"], r["subscription_id"]])


def timeline(
    store: ReadStore, customer_id: str, *, limit: int = 100, cursor: str | None = None
) -> Page:
    """A customer's events, oldest first."""
    params: dict[str, Any] = {"cid": customer_id, "after": 0}
    if cursor:
        params["after"] = cursor_position(decode_cursor(cursor, 1)[0])
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
    _filters(where, params, ("customer_id = :cid", "cid", customer_id),
             (f"{date_column} >= :date_from", "date_from", date_from),
             (f"{date_column} <= :date_to", "date_to", date_to))
    if cursor:
        position, last = decode_cursor(cursor, 2)
        where.append(f"(position > :after OR (position = :after AND {tiebreak} > :last))")
        params.update(after=cursor_position(position), last=last)
    sql = (f"SELECT * FROM {table} WHERE {' AND '.join(where)}"
           f" ORDER BY position, {tiebreak}")
    return _page(store, sql, params, limit, lambda r: [r["position"], r[tiebreak]])


InvoiceStatus = Literal["issued", "partially_paid", "paid", "credited", "written_off", "overdue",
                        "void"]
"""What an invoice register row's ``status`` can be (and a register can be filtered by)."""

INVOICE_STATUS = (
    "CASE WHEN void = 1 THEN 'void'"
    " WHEN open = 0 AND written_off > 0 THEN 'written_off'"
    " WHEN open = 0 AND paid = 0 AND credited > 0 THEN 'credited'"
    " WHEN open = 0 THEN 'paid'"
    " WHEN due_on < :today THEN 'overdue'"
    " WHEN paid + credited > 0 THEN 'partially_paid' ELSE 'issued' END"
)
"""An invoice's status as ``InvoiceState.status`` says it, and ``overdue`` as of ``:today``."""


def invoices(
    store: ReadStore, *, today: str, status: str | None = None, customer_id: str | None = None,
    period_from: str | None = None, period_to: str | None = None, limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """The invoice register, newest number last; status is as of ``today`` (overdue)."""
    where: list[str] = ["1 = 1"]
    params: dict[str, Any] = {"today": today}
    _filters(where, params, (f"({INVOICE_STATUS}) = :status", "status", status),
             ("customer_id = :cid", "cid", customer_id),
             ("issued_on >= :period_from", "period_from", period_from),
             ("issued_on <= :period_to", "period_to", period_to))
    if cursor:
        (number,) = decode_cursor(cursor, 1)
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
    """Invoiced revenue (VAT excluded, after discounts) by tariff and month.

    Voided invoices do not count; credit notes count negatively in their own month.
    """
    where: list[str] = ["(i.void IS NULL OR i.void = 0)"]
    params: dict[str, Any] = {}
    _filters(where, params, ("l.issued_on >= :date_from", "date_from", date_from),
             ("l.issued_on <= :date_to", "date_to", date_to))
    return store.query(
        "SELECT COALESCE(l.tariff_code, '') AS tariff_code,"
        " SUBSTR(l.issued_on, 1, 7) AS month, l.currency,"
        " CAST(SUM(l.net) AS BIGINT) AS net, CAST(SUM(l.vat) AS BIGINT) AS vat"
        " FROM view_invoice_lines l LEFT JOIN view_invoices i ON i.invoice_id = l.invoice_id"
        f" WHERE {' AND '.join(where)}"
        " GROUP BY COALESCE(l.tariff_code, ''), SUBSTR(l.issued_on, 1, 7), l.currency"
        " ORDER BY 2, 1, 3",
        params,
    )


def tariffs(store: ReadStore) -> list[Row]:
    """Every version of every tariff, by code and newest version first."""
    rows = store.query("SELECT * FROM view_tariffs ORDER BY code, version DESC")
    for row in rows:
        row["definition"] = orjson.loads(row["definition"])
    return rows


# -- MRR (projections/mrr.py) -----------------------------------------------------------------

MRR_KINDS = ("new", "expansion", "contraction", "churn", "reactivation")
MONTHS_PER_YEAR = 12


def _year_month(text: str) -> tuple[int, int]:
    year, dash, month = text.partition("-")
    if not (dash and len(year) == 4 and len(month) == 2  # noqa: PLR2004
            and (year + month).isascii() and (year + month).isdigit()
            and 1 <= int(month) <= MONTHS_PER_YEAR):
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return int(year), int(month)


def months_between(month_from: str, month_to: str) -> list[str]:
    """Every month from ``month_from`` to ``month_to``, both included ("YYYY-MM").

    Raises:
        ValueError: a month is not written YYYY-MM.
    """
    year, month = _year_month(month_from)
    _year_month(month_to)
    months: list[str] = []
    while (text := f"{year:04d}-{month:02d}") <= month_to:
        months.append(text)
        year, month = (year + 1, 1) if month == MONTHS_PER_YEAR else (year, month + 1)
    return months


def _mrr_before(store: ReadStore, month: str) -> dict[str, int]:
    """MRR per currency at the start of ``month``: every movement dated before it."""
    rows = store.query(
        "SELECT currency, CAST(SUM(delta) AS BIGINT) AS mrr FROM view_mrr_movements"
        " WHERE month < :month GROUP BY currency", {"month": month})
    return {row["currency"]: int(row["mrr"]) for row in rows}


def mrr_movements(store: ReadStore, month_from: str, month_to: str) -> list[Row]:
    """Per month and currency: opening MRR, each kind of movement, closing MRR (minor units).

    Movements keep their sign (contraction and churn are negative), so closing = opening +
    new + expansion + contraction + churn + reactivation, and one month's closing is the
    next month's opening. ``customers_<kind>`` counts the customers behind each figure.
    """
    months = months_between(month_from, month_to)
    if not months:
        return []
    level = _mrr_before(store, months[0])
    sums = store.query(
        "SELECT month, currency, kind, CAST(SUM(delta) AS BIGINT) AS delta,"
        " COUNT(DISTINCT customer_id) AS customers FROM view_mrr_movements"
        " WHERE month >= :date_from"
        " AND month <= :date_to GROUP BY month, currency, kind",
        {"date_from": months[0], "date_to": months[-1]})
    found = {(r["month"], r["currency"], r["kind"]): r for r in sums}
    rows: list[Row] = []
    for month in months:
        for currency in sorted(set(level) | {r["currency"] for r in sums}):
            moved = {kind: found.get((month, currency, kind)) for kind in MRR_KINDS}
            opening = level.get(currency, 0)
            closing = opening + sum(int(r["delta"]) for r in moved.values() if r)
            rows.append({
                "month": month, "currency": currency, "opening": opening,
                **{kind: int(r["delta"]) if r else 0 for kind, r in moved.items()},
                "closing": closing, "closing_arr": arr(closing),
                **{f"customers_{kind}": int(r["customers"]) if r else 0
                   for kind, r in moved.items()},
            })
            level[currency] = closing
    return rows


def mrr_by_month(store: ReadStore, months: list[str]) -> list[Row]:
    """MRR and ARR per currency at the end of each of ``months`` (a series for charts).

    Raises:
        ValueError: a month is not written YYYY-MM.
    """
    for month in months:
        _year_month(month)
    wanted = sorted(set(months))
    if not wanted:
        return []
    return [
        {"month": r["month"], "currency": r["currency"], "mrr": r["closing"],
         "arr": r["closing_arr"]}
        for r in mrr_movements(store, wanted[0], wanted[-1]) if r["month"] in wanted
    ]


def arr(mrr: int) -> int:
    """Annual recurring revenue: twelve times the monthly figure (minor units)."""
    return MONTHS_PER_YEAR * mrr


# -- bank payments (projections/bank_payments.py) -----------------------------------------------

BANK_PAYMENT_STATUSES = ("matched", "unmatched", "ambiguous", "skipped", "resolved", "dismissed")


def bank_payments(
    store: ReadStore, *, statuses: tuple[str, ...] = (), file_sha256: str | None = None,
    limit: int = 50, cursor: str | None = None,
) -> Page:
    """Imported bank lines in import order: the unmatched queue, or one file's import.

    ``statuses`` filters (``("unmatched", "ambiguous")`` is the accountant's queue);
    ``file_sha256`` keeps the lines first imported from that file.
    """
    where: list[str] = ["1 = 1"]
    params: dict[str, Any] = {}
    if statuses:
        names = [f"status{i}" for i in range(len(statuses))]
        where.append(f"status IN ({', '.join(':' + n for n in names)})")
        params.update(zip(names, statuses, strict=True))
    if file_sha256:
        where.append("file_sha256 = :sha")
        params["sha"] = file_sha256
    if cursor:
        position, last = decode_cursor(cursor, 2)
        where.append("(position > :after OR (position = :after AND bank_payment_id > :last))")
        params.update(after=cursor_position(position), last=last)
    sql = (f"SELECT * FROM view_bank_payments WHERE {' AND '.join(where)}"
           " ORDER BY position, bank_payment_id")
    return _page(store, sql, params, limit, lambda r: [r["position"], r["bank_payment_id"]])


def bank_import(store: ReadStore, file_sha256: str) -> dict[str, Any]:
    """What importing one file recorded: its lines in order and how many ended in each status."""
    rows = store.query(
        "SELECT * FROM view_bank_payments WHERE file_sha256 = :sha"
        " ORDER BY position, bank_payment_id", {"sha": file_sha256})
    counts = {status: sum(1 for r in rows if r["status"] == status)
              for status in BANK_PAYMENT_STATUSES}
    return {"file_sha256": file_sha256, "lines": len(rows), "counts": counts, "rows": rows}


def customers_by_inn(store: ReadStore, inn: str) -> list[Row]:
    """Customers (not closed) registered under an ИНН: id, name, currency, КПП."""
    return store.query(
        "SELECT customer_id, name, currency, kpp FROM view_customers"
        " WHERE inn = :inn AND status <> 'closed' ORDER BY name, customer_id", {"inn": inn})


def invoice_by_number(store: ReadStore, number: str) -> Row | None:
    """The invoice with this number and its customer's name, with what is open on it."""
    return store.query_one(
        "SELECT i.invoice_id, i.customer_id, i.number, i.open, i.currency, i.void, c.name"
        " FROM view_invoices i JOIN view_customers c ON c.customer_id = i.customer_id"
        " WHERE i.number = :number", {"number": number})


def open_invoices(store: ReadStore, customer_id: str) -> list[Row]:
    """A customer's invoices with something left to pay, oldest due first."""
    return store.query(
        "SELECT i.invoice_id, i.customer_id, i.number, i.open, i.currency, c.name"
        " FROM view_invoices i JOIN view_customers c ON c.customer_id = i.customer_id"
        " WHERE i.customer_id = :cid AND i.open > 0 AND i.void = 0"
        " ORDER BY i.due_on, i.number", {"cid": customer_id})


# -- collections: aging, statement of account, dunning (projections/statement.py, dunning.py) --

AGING_BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_over_90")
"""Days overdue (as of the day asked): ≤ 0, 1–30, 31–60, 61–90, 91 and more."""


def _aging_columns(prefix: str) -> str:
    sums = [
        f"{prefix}due_on >= :d0",
        f"{prefix}due_on < :d0 AND {prefix}due_on >= :d30",
        f"{prefix}due_on < :d30 AND {prefix}due_on >= :d60",
        f"{prefix}due_on < :d60 AND {prefix}due_on >= :d90",
        f"{prefix}due_on < :d90",
    ]
    columns = [f"CAST(SUM(CASE WHEN {cond} THEN {prefix}open ELSE 0 END) AS BIGINT) AS {name}"
               for cond, name in zip(sums, AGING_BUCKETS, strict=True)]
    return ", ".join([*columns, f"CAST(SUM({prefix}open) AS BIGINT) AS total"])


def aging(store: ReadStore, as_of: date, currency: str | None = None) -> dict[str, list[Row]]:
    """Open invoice amounts by days overdue as of ``as_of``, per customer and in total.

    Buckets follow :data:`AGING_BUCKETS`, by currency. Amounts are what is open now;
    ``as_of`` fixes the day overdue days are counted from (invoices issued after it are left
    out). ``unapplied`` is what the customer owes or is owed beside its open invoices: a
    payment's free money and a credit adjustment lower it (negative), a debit adjustment no
    invoice carries raises it. So ``total`` (the buckets plus ``unapplied``, never below
    zero) is the customer's debt, as the balance, the debts list and dunning see it; a
    customer who owes nothing is listed while invoices are open, and is no debtor.
    """
    params: dict[str, Any] = {
        f"d{days}": (as_of - timedelta(days=days)).isoformat() for days in (0, 30, 60, 90)}
    where = "i.open > 0 AND i.void = 0 AND i.issued_on <= :d0"
    if currency:
        where += " AND i.currency = :currency"
        params["currency"] = currency
    aged = {(r["customer_id"], r["currency"]): r for r in store.query(
        f"SELECT i.customer_id, i.currency, {_aging_columns('i.')} FROM view_invoices i"
        f" WHERE {where} GROUP BY i.customer_id, i.currency", params)}
    customers = [row for b in _aging_balances(store, params, currency)
                 if (row := _aging_row(b, aged.get((b["customer_id"], b["currency"]))))]
    customers.sort(key=lambda r: (r["currency"], -r["total"], r["customer_id"]))
    return {"customers": customers, "totals": _aging_totals(customers)}


def _aging_balances(store: ReadStore, params: dict[str, Any], currency: str | None) -> list[Row]:
    """Each customer and currency with an invoice open by ``d0`` or a debt: net and open now."""
    open_now = ("SELECT CAST(SUM(o.open) AS BIGINT) FROM view_invoices o WHERE"
                " o.customer_id = b.customer_id AND o.currency = b.currency AND o.open > 0"
                " AND o.void = 0")
    aged = ("EXISTS (SELECT 1 FROM view_invoices i WHERE i.customer_id = b.customer_id"
            " AND i.currency = b.currency AND i.open > 0 AND i.void = 0 AND i.issued_on <= :d0)")
    where = f"(b.net > 0 OR {aged})" + (" AND b.currency = :currency" if currency else "")
    return store.query(
        "SELECT b.customer_id, c.external_key, c.name, c.status, b.currency, b.net,"
        f" COALESCE(({open_now}), 0) AS open_now FROM view_balances b"
        f" JOIN view_customers c ON c.customer_id = b.customer_id WHERE {where}", params)


def _aging_row(balance: Row, aged: Row | None) -> Row | None:
    """One customer's aging: its buckets, and what its balance says beside its invoices.

    None for a customer with nothing to show: no invoice open by the day, no other debt.
    """
    buckets = {b: int(aged[b]) if aged else 0 for b in AGING_BUCKETS}
    invoiced = sum(buckets.values())
    unapplied = max(max(int(balance["net"]), 0) - int(balance["open_now"]), -invoiced)
    if aged is None and unapplied <= 0:
        return None
    row = {k: balance[k] for k in ("customer_id", "external_key", "name", "status", "currency")}
    return {**row, **buckets, "unapplied": unapplied, "total": invoiced + unapplied}


def _aging_totals(customers: list[Row]) -> list[Row]:
    """Per currency: every column summed, and how many customers owe something."""
    totals: dict[str, Row] = {}
    for row in customers:
        total = totals.setdefault(row["currency"], {
            "currency": row["currency"], **dict.fromkeys((*AGING_BUCKETS, "unapplied", "total"), 0),
            "debtors": 0})
        for column in (*AGING_BUCKETS, "unapplied", "total"):
            total[column] += row[column]
        total["debtors"] += 1 if row["total"] > 0 else 0
    return [totals[c] for c in sorted(totals)]


def statement(
    store: ReadStore, customer_id: str, date_from: date, date_to: date
) -> dict[str, Any] | None:
    """A statement of account (акт сверки) for [date_from, date_to]; None if no such customer.

    Every movement in the period with the running balance of its currency after it, and per
    currency the opening balance (all movements before ``date_from``), the period's debits
    and credits and the closing balance. A positive balance is what the customer owes us,
    a negative one their credit.
    """
    customer = store.query_one(
        "SELECT customer_id, external_key, name, inn, kpp, currency FROM view_customers"
        " WHERE customer_id = :id", {"id": customer_id})
    if customer is None:
        return None
    params = {"id": customer_id, "from": date_from.isoformat(), "to": date_to.isoformat()}
    opening = {r["currency"]: int(r["balance"]) for r in store.query(
        "SELECT currency, CAST(SUM(debit - credit) AS BIGINT) AS balance FROM view_movements"
        " WHERE customer_id = :id AND occurred_on < :from GROUP BY currency", params)}
    lines = store.query(
        "SELECT occurred_on, kind, document, description, currency, debit, credit"
        " FROM view_movements WHERE customer_id = :id AND occurred_on >= :from"
        " AND occurred_on <= :to ORDER BY occurred_on, position, version", params)
    running = dict(opening)
    for line in lines:
        cur = line["currency"]
        running[cur] = running.get(cur, 0) + line["debit"] - line["credit"]
        line["balance"] = running[cur]
    currencies = sorted({customer["currency"], *opening, *running})
    totals = [
        {"currency": cur, "opening": opening.get(cur, 0), "closing": running.get(cur, 0),
         "debit": sum(r["debit"] for r in lines if r["currency"] == cur),
         "credit": sum(r["credit"] for r in lines if r["currency"] == cur)}
        for cur in currencies
    ]
    return {"customer": customer, "date_from": params["from"], "date_to": params["to"],
            "lines": lines, "totals": totals}


def dunning_steps(
    store: ReadStore, *, customer_id: str | None = None, taken_on: str | None = None
) -> list[Row]:
    """Dunning steps taken, in order (for one customer and/or one day)."""
    where: list[str] = ["1 = 1"]
    params: dict[str, Any] = {}
    _filters(where, params, ("customer_id = :cid", "cid", customer_id),
             ("taken_on = :on", "on", taken_on))
    return store.query(
        f"SELECT * FROM view_dunning_steps WHERE {' AND '.join(where)} ORDER BY position, version",
        params)
