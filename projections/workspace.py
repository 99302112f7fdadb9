"""The workspace's overview questions, answered by joining the existing views in SQL.

The dashboard, the customer list, the debt list and the renewal calendar of the web
workspace ask questions the API's lists (``projections.queries``) do not: sort a customer
list by debt or next renewal, jump to page 500, count customers by status, list the
customers in one aging bucket with their dunning stage. Each answer is one bound-parameter
query that filters, sorts and pages in the database and returns at most a page of rows, so
the pages stay fast with 100,000 customers. Nothing here writes; every table read belongs
to another view module.
"""
# ruff: noqa: S608  (SQL is assembled from fixed fragments; every value is a bound parameter)

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from projections.queries import debt_totals, live_tariffs
from projections.renewals import ON_TARIFF, RENEWS

if TYPE_CHECKING:
    from projections.store import ReadStore, Row

STATUSES = ("active", "past_due", "suspended", "closed")
BUCKETS: dict[str, tuple[int | None, int | None]] = {
    "current": (None, 0), "1-30": (1, 30), "31-60": (31, 60), "61-90": (61, 90),
    "90+": (91, None),
}
"""Aging buckets as the workspace names them: days overdue, both ends included."""


@dataclass(frozen=True)
class Listing:
    """One page of a list: its rows, whether another page follows, and how many in all."""

    rows: list[Row]
    has_next: bool
    total: int


def _page(store: ReadStore, sql: str, params: dict[str, Any], page: int, size: int
          ) -> tuple[list[Row], bool]:
    rows = store.query(f"{sql} LIMIT :limit OFFSET :offset",
                       {**params, "limit": size + 1, "offset": (page - 1) * size})
    return rows[:size], len(rows) > size


def _count(store: ReadStore, sql: str, params: dict[str, Any]) -> int:
    row = store.query_one(f"SELECT COUNT(*) AS n FROM ({sql}) AS counted", params)
    return int(row["n"]) if row else 0


def _one_of(ids: list[str]) -> tuple[str, dict[str, str]]:
    """``IN (...)`` placeholders for a page of ids, and their parameters."""
    names = {f"id{i}": value for i, value in enumerate(ids)}
    return ", ".join(f":{n}" for n in names), names


def _spellings(text: str) -> list[str]:
    """How a typed name may be capitalised in the directory.

    SQLite's ``LOWER`` and ``LIKE`` fold only ASCII letters, so «ромашка» would never find
    «Ромашка» by lower-casing in SQL; matching a few capitalisations keeps the search
    case-blind for Cyrillic names on both engines without a second copy of the directory.
    """
    variants = (text, text.lower(), text.upper(), text[:1].upper() + text[1:].lower(),
                text.title())
    return list(dict.fromkeys(variants))


# -- customers ---------------------------------------------------------------------------------

LIVE_RENEWAL = ("(SELECT MIN(r.next_renewal) FROM view_renewals r"
                f" WHERE r.customer_id = c.customer_id AND {RENEWS})")
BALANCE_JOIN = (" LEFT JOIN view_balances b"
                " ON b.customer_id = c.customer_id AND b.currency = c.currency")
PLAN_JOIN = (
    " LEFT JOIN (SELECT r.customer_id,"
    " MIN(CASE WHEN r.status <> 'cancelled' THEN r.tariff_code END) AS tariff,"
    f" MIN(CASE WHEN {RENEWS} THEN r.next_renewal END) AS next_renewal"
    " FROM view_renewals r GROUP BY r.customer_id) p"
    " ON p.customer_id = c.customer_id")
CUSTOMER_SORTS = {
    "name": ("c.name", ""), "status": ("c.status", ""), "manager": ("c.manager", ""),
    "debt": ("COALESCE(b.net, 0)", BALANCE_JOIN),
    "renewal": ("p.next_renewal", PLAN_JOIN), "tariff": ("p.tariff", PLAN_JOIN),
}
"""Sort keys: the expression, and the join it needs. Live subscriptions are joined as one
aggregate (a hash join on PostgreSQL), not a subquery per customer."""


@dataclass(frozen=True)
class CustomerFilter:
    """What the customer list is narrowed to; empty values do not filter."""

    search: str = ""
    status: str = ""
    tariff: str = ""
    manager: str = ""
    tag: str = ""
    has_debt: bool = False

    def where(self) -> tuple[str, dict[str, Any]]:
        """The SQL condition and its parameters."""
        where = ["1 = 1"]
        params: dict[str, Any] = {}
        if text := self.search.strip():
            names = _spellings(text)
            params.update({f"name{i}": f"%{n}%" for i, n in enumerate(names)})
            likes = " OR ".join(f"c.name LIKE :name{i}" for i in range(len(names)))
            where.append(f"({likes} OR c.inn LIKE :starts OR c.external_key LIKE :starts)")
            params["starts"] = f"{text}%"
        for column in ("status", "manager"):
            if value := getattr(self, column):
                where.append(f"c.{column} = :{column}")
                params[column] = value
        if self.tariff:
            where.append(f"c.customer_id IN ({ON_TARIFF})")
            params["tariff"] = self.tariff
        if self.tag:
            where.append("c.customer_id IN (SELECT t.customer_id FROM view_customer_tags t"
                         " WHERE t.tag = :tag)")
            params["tag"] = self.tag
        if self.has_debt:
            where.append("b.net > 0")
        return " AND ".join(where), params


NULLABLE_SORTS = frozenset({"renewal", "tariff", "manager"})


def customer_list(store: ReadStore, chosen: CustomerFilter, *, sort: str = "name",
                  page: int = 1, size: int = 50) -> Listing:
    """One page of customers, filtered and sorted in SQL (``-key`` sorts descending).

    Each row has the directory fields, ``debt`` (the balance in the customer's currency,
    positive when they owe), ``next_renewal`` and ``tariffs`` (codes of the live
    subscriptions). Unknown sort keys sort by name; customers without a renewal or tariff
    come last either way. Other views are joined only when the filter or the order needs
    them, so that a plain list walks the name index.
    """
    where, params = chosen.where()
    name = sort.removeprefix("-")
    key, join = CUSTOMER_SORTS.get(name, CUSTOMER_SORTS["name"])
    direction = "DESC" if sort.startswith("-") else "ASC"
    nulls_last = f"({key}) IS NULL, " if name in NULLABLE_SORTS else ""
    order = f"{nulls_last}{key} {direction}, c.name {direction}, c.customer_id {direction}"
    filtered = BALANCE_JOIN if chosen.has_debt else ""
    joins = dict.fromkeys(j for j in (filtered, join) if j)
    ids, has_next = _page(store, f"SELECT c.customer_id FROM view_customers c{''.join(joins)}"
                          f" WHERE {where} ORDER BY {order}", params, page, size)
    total = _count(store, f"SELECT c.customer_id FROM view_customers c{filtered}"
                          f" WHERE {where}", params)
    return Listing(_customer_rows(store, [r["customer_id"] for r in ids]), has_next, total)


def _customer_rows(store: ReadStore, ids: list[str]) -> list[Row]:
    """The shown fields of a page of customers, in the page's order."""
    if not ids:
        return []
    marks, names = _one_of(ids)
    rows = store.query(
        "SELECT c.customer_id, c.external_key, c.name, c.inn, c.status, c.manager,"
        f" c.currency, COALESCE(b.net, 0) AS debt, {LIVE_RENEWAL} AS next_renewal"
        f" FROM view_customers c{BALANCE_JOIN} WHERE c.customer_id IN ({marks})", names)
    plans = live_tariffs(store, ids)
    by_id = {row["customer_id"]: row for row in rows}
    for cid, row in by_id.items():
        row["tariffs"] = sorted(plans.get(cid, []))
    return [by_id[cid] for cid in ids if cid in by_id]


def managers(store: ReadStore) -> list[str]:
    """Every manager named in the directory, for the list's filter."""
    rows = store.query("SELECT DISTINCT manager FROM view_customers"
                       " WHERE manager IS NOT NULL AND manager <> '' ORDER BY manager")
    return [str(r["manager"]) for r in rows]


def tags(store: ReadStore, limit: int = 200) -> list[str]:
    """The tags customers carry (the first ``limit`` alphabetically), for the list's filter."""
    rows = store.query("SELECT DISTINCT tag FROM view_customer_tags ORDER BY tag LIMIT :limit",
                       {"limit": limit})
    return [str(r["tag"]) for r in rows]


def tariff_codes(store: ReadStore) -> list[Row]:
    """Each tariff's code and the name of its latest version."""
    return store.query(
        "SELECT t.code, t.name FROM view_tariffs t WHERE t.version ="
        " (SELECT MAX(v.version) FROM view_tariffs v WHERE v.code = t.code) ORDER BY t.code")


def status_counts(store: ReadStore) -> dict[str, int]:
    """How many customers are in each service status."""
    rows = store.query("SELECT status, COUNT(*) AS n FROM view_customers GROUP BY status")
    return {str(r["status"]): int(r["n"]) for r in rows}


# -- debts ---------------------------------------------------------------------------------

OPEN_INVOICES = "i.open > 0 AND i.void = 0 AND i.issued_on <= :today"


def _overdue_between(bucket: str, today: date, params: dict[str, Any], suffix: str = ""
                     ) -> str:
    """The condition "the invoice is in ``bucket``" on its due date, as of ``today``.

    Its parameters go into ``params``, named with ``suffix`` so several buckets can share.
    """
    low, high = BUCKETS[bucket]
    clauses = ["1 = 1"]
    if low is not None:
        params[f"due_by{suffix}"] = (today - timedelta(days=low)).isoformat()
        clauses.append(f"i.due_on <= :due_by{suffix}")
    if high is not None:
        params[f"due_from{suffix}"] = (today - timedelta(days=high)).isoformat()
        clauses.append(f"i.due_on >= :due_from{suffix}")
    return " AND ".join(clauses)


def aging_totals(store: ReadStore, today: date, currency: str = "") -> list[Row]:
    """Per currency: the open amount in each bucket of :data:`BUCKETS`, the total, debtors."""
    params: dict[str, Any] = {"today": today.isoformat(), "currency": currency}
    sums = [f"CAST(SUM(CASE WHEN {_overdue_between(bucket, today, params, str(n))}"
            f" THEN i.open ELSE 0 END) AS BIGINT) AS b{n}" for n, bucket in enumerate(BUCKETS)]
    rows = store.query(
        f"SELECT i.currency, {', '.join(sums)}, CAST(SUM(i.open) AS BIGINT) AS total,"
        " COUNT(DISTINCT i.customer_id) AS debtors FROM view_invoices i"
        f" WHERE {OPEN_INVOICES} AND (:currency = '' OR i.currency = :currency)"
        " GROUP BY i.currency ORDER BY i.currency", params)
    for row in rows:
        row["buckets"] = {bucket: int(row.pop(f"b{n}")) for n, bucket in enumerate(BUCKETS)}
    return rows


def debt_overview(store: ReadStore, today: date) -> list[Row]:
    """Per currency: the net debt, and the aging of open invoices beside it.

    The net debt is what the customer list, the card and ``/v1/debts`` count.

    Each row has ``debt`` and ``debtors`` (customers whose balance is owed to us),
    ``aging`` (the :func:`aging_totals` row, or None) and ``unapplied``: how much the
    net debt differs from the open invoices (credits and adjustments not applied to an
    invoice; negative when they reduce the debt).
    """
    debts = {r["currency"]: r for r in debt_totals(store)}
    aging = {r["currency"]: r for r in aging_totals(store, today)}
    rows: list[Row] = []
    for currency in sorted(debts.keys() | aging.keys()):
        debt = int(debts[currency]["debt"]) if currency in debts else 0
        opened = aging.get(currency)
        invoiced = int(opened["total"]) if opened else 0
        rows.append({"currency": currency, "debt": debt,
                     "debtors": int(debts[currency]["debtors"]) if currency in debts else 0,
                     "aging": opened, "unapplied": debt - invoiced})
    return rows


@dataclass(frozen=True)
class DebtFilter:
    """Which debtors to list: one aging bucket (all when empty) and one currency."""

    bucket: str = ""
    currency: str = ""

    def where(self, today: date) -> tuple[str, str, dict[str, Any]]:
        """The row condition, the bucket condition, and their parameters."""
        params: dict[str, Any] = {"today": today.isoformat()}
        where = OPEN_INVOICES
        if self.currency:
            where += " AND i.currency = :currency"
            params["currency"] = self.currency
        in_bucket = _overdue_between(self.bucket, today, params) if self.bucket else "1 = 1"
        return where, in_bucket, params


def debtors(store: ReadStore, today: date, chosen: DebtFilter, *, page: int = 1,
            size: int = 50) -> Listing:
    """Customers with open invoices, largest amount (in the chosen bucket) first.

    Each row: the customer, ``currency``, ``amount`` (open in the bucket, or in all),
    ``total`` (all open), ``invoices`` (how many are open), ``oldest_due`` (the due date of
    the oldest unpaid invoice), ``days_overdue`` (counted from it, 0 if not yet due),
    ``dunning`` (the furthest dunning step taken on a still open invoice, or None) and
    ``balance`` (the customer's net balance in that currency: open invoices less any
    credit on account, which aging does not net).
    """
    where, in_bucket, params = chosen.where(today)
    grouped = (
        "SELECT i.customer_id, i.currency, CAST(SUM(i.open) AS BIGINT) AS total,"
        f" CAST(SUM(CASE WHEN {in_bucket} THEN i.open ELSE 0 END) AS BIGINT) AS amount,"
        " MIN(i.due_on) AS oldest_due, COUNT(*) AS invoices FROM view_invoices i"
        f" WHERE {where} GROUP BY i.customer_id, i.currency"
        f" HAVING SUM(CASE WHEN {in_bucket} THEN i.open ELSE 0 END) > 0")
    rows, has_next = _page(store, (
        "SELECT d.*, c.name, c.external_key, c.status, c.manager FROM"
        f" ({grouped}) d JOIN view_customers c ON c.customer_id = d.customer_id"
        " ORDER BY d.amount DESC, d.customer_id, d.currency"), params, page, size)
    stages = _dunning_stages(store, [r["customer_id"] for r in rows])
    balances = _balances(store, [r["customer_id"] for r in rows])
    for row in rows:
        row["balance"] = balances.get((row["customer_id"], row["currency"]), 0)
        overdue = (today - _day(row["oldest_due"])).days
        row["days_overdue"] = max(overdue, 0)
        row["dunning"] = stages.get(row["customer_id"])
    return Listing(rows, has_next, _count(store, grouped, params))


def _day(text: str) -> date:
    return date.fromisoformat(str(text)[:10])


def _balances(store: ReadStore, ids: list[str]) -> dict[tuple[str, str], int]:
    """Net balances of a page of customers, by customer and currency."""
    if not ids:
        return {}
    marks, names = _one_of(ids)
    rows = store.query("SELECT customer_id, currency, net FROM view_balances"
                       f" WHERE customer_id IN ({marks})", names)
    return {(r["customer_id"], r["currency"]): int(r["net"]) for r in rows}


SEVERITY = {"remind": 1, "suspend": 2, "cancel": 3}


def _dunning_stages(store: ReadStore, ids: list[str]) -> dict[str, Row]:
    """Each customer's furthest dunning step on an invoice that is still open.

    The furthest, not the latest: a customer suspended over an old invoice and then
    reminded of a newer one is still at the suspension stage.
    """
    if not ids:
        return {}
    marks, names = _one_of(ids)
    rows = store.query(
        "SELECT d.customer_id, d.action, d.taken_on, d.number, d.version"
        " FROM view_dunning_steps d"
        " JOIN view_invoices i ON i.invoice_id = d.invoice_id AND i.open > 0"
        f" WHERE d.customer_id IN ({marks})", names)
    stages: dict[str, Row] = {}
    for row in sorted(rows, key=lambda r: (SEVERITY.get(r["action"], 0), r["version"])):
        stages[row["customer_id"]] = row
    return stages


def month_flow(store: ReadStore, first: date, last: date) -> list[Row]:
    """Per currency, what was invoiced (not voided) and what was paid in [first, last]."""
    params = {"first": first.isoformat(), "last": last.isoformat()}
    invoiced = store.query(
        "SELECT currency, CAST(SUM(total) AS BIGINT) AS amount, COUNT(*) AS n"
        " FROM view_invoices WHERE void = 0 AND issued_on >= :first AND issued_on <= :last"
        " GROUP BY currency", params)
    paid = store.query(
        "SELECT currency, CAST(SUM(amount) AS BIGINT) AS amount, COUNT(*) AS n"
        " FROM view_payments WHERE received_on >= :first AND received_on <= :last"
        " GROUP BY currency", params)
    flow: dict[str, Row] = {}
    for kind, rows in (("invoiced", invoiced), ("paid", paid)):
        for row in rows:
            entry = flow.setdefault(row["currency"], {
                "currency": row["currency"], "invoiced": 0, "paid": 0, "invoices": 0,
                "payments": 0})
            entry[kind] = int(row["amount"])
            entry["invoices" if kind == "invoiced" else "payments"] = int(row["n"])
    return [flow[currency] for currency in sorted(flow)]


# -- renewals ------------------------------------------------------------------------------

_CALENDAR_COLUMNS = ("r.subscription_id, r.customer_id, r.tariff_code, r.quantity,"
                     " r.auto_renew, r.term_end, r.status")


@dataclass(frozen=True)
class RenewalFilter:
    """Which calendar entries to list: a date window, a tariff, auto-renewing or not."""

    first: date
    last: date
    tariff: str = ""
    auto_renew: bool | None = None
    kinds: tuple[str, ...] = ("renewal", "end")

    def branch(self, kind: str, params: dict[str, Any]) -> str:
        """The SELECT of one kind of entry: next renewals, or contract ends."""
        day = {"renewal": "r.next_renewal", "end": "r.term_end"}[kind]
        where = [f"{day} >= :first", f"{day} <= :last"]
        if kind == "renewal":  # a contract that ends without auto-renewal does not renew
            where.append(RENEWS)
        params.update(first=self.first.isoformat(), last=self.last.isoformat())
        if self.tariff:
            where.append("r.tariff_code = :tariff")
            params["tariff"] = self.tariff
        if self.auto_renew is not None:
            where.append("r.auto_renew = :auto")
            params["auto"] = int(self.auto_renew)
        return (f"SELECT {day} AS day, '{kind}' AS kind, {_CALENDAR_COLUMNS}"
                f" FROM view_renewals r WHERE {' AND '.join(where)}")


def renewal_calendar(store: ReadStore, chosen: RenewalFilter, *, page: int = 1,
                     size: int = 50) -> Listing:
    """Renewals and contract ends in the window, by date, with each customer's name."""
    params: dict[str, Any] = {}
    union = " UNION ALL ".join(chosen.branch(kind, params) for kind in chosen.kinds)
    rows, has_next = _page(store, (
        "SELECT e.*, c.name, c.external_key, c.status AS customer_status"
        f" FROM ({union}) e JOIN view_customers c ON c.customer_id = e.customer_id"
        " ORDER BY e.day, e.kind DESC, c.name, e.subscription_id"), params, page, size)
    return Listing(rows, has_next, _count(store, union, params))
