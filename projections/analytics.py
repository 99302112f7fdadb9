"""Questions the analytics page asks that the other views do not answer directly.

Why a module of its own: collection rate and days to pay are read from the invoice and
payment registers (``view_invoices``, ``view_payments``) rather than kept in a view, so
they need no new projection and always agree with the registers. Every figure is grouped
by the month an invoice was issued and by currency, in SQL, so the page stays fast however
many customers there are: Python only sees one row per month.

When an invoice became fully paid is not stored anywhere; it is reconstructed
first-in first-out, the way payments are allocated by default (oldest due first): an
invoice is paid on the day a customer's cumulative payments in its currency first cover
the cumulative settled amounts of that customer's invoices up to it. Payments sent to a
named later invoice make the figure an estimate, which the page says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projections.store import ReadStore, Row

_DAYS = {
    "sqlite": "julianday({a}) - julianday({b})",
    "postgres": "CAST({a} AS DATE) - CAST({b} AS DATE)",
}
"""Whole days between two ISO dates stored as text, per read-store dialect."""


def currencies(store: ReadStore) -> list[str]:
    """Every currency something was invoiced or subscribed in, alphabetically."""
    rows = store.query(
        "SELECT currency FROM view_invoices UNION SELECT currency FROM view_mrr_movements"
        " ORDER BY 1")
    return [str(row["currency"]) for row in rows]


def _month_bounds(month_from: str, month_to: str) -> dict[str, Any]:
    return {"first": f"{month_from}-01", "last": f"{month_to}-31"}


def collection_by_month(
    store: ReadStore, month_from: str, month_to: str, currency: str
) -> list[Row]:
    """Per month of issue: what was invoiced, what of it is paid, and the share paid.

    ``invoiced`` is the invoices' totals less their credit notes (voided invoices do not
    count); ``paid`` is what payments and credit settled on them; ``rate`` is
    ``paid / invoiced`` (None for a month with nothing invoiced).
    """
    rows = store.query(
        "SELECT SUBSTR(issued_on, 1, 7) AS month, COUNT(*) AS invoices,"
        " CAST(SUM(total - credited) AS BIGINT) AS invoiced, CAST(SUM(paid) AS BIGINT) AS paid"
        " FROM view_invoices WHERE void = 0 AND currency = :currency"
        " AND issued_on >= :first AND issued_on <= :last"
        " GROUP BY SUBSTR(issued_on, 1, 7) ORDER BY 1",
        {"currency": currency, **_month_bounds(month_from, month_to)})
    for row in rows:
        invoiced, paid = int(row["invoiced"] or 0), int(row["paid"] or 0)
        row.update(invoiced=invoiced, paid=paid, invoices=int(row["invoices"]),
                   rate=paid / invoiced if invoiced > 0 else None)
    return rows


def days_to_pay_by_month(
    store: ReadStore, month_from: str, month_to: str, currency: str
) -> list[Row]:
    """Per month of issue: how many invoices are fully paid and their average days to pay.

    Days run from the issue date to the day the invoice was fully paid (0 when credit
    already on the account paid it at issue); see the module's note on how that day is found.
    """
    days = _DAYS[store.dialect].format(a="paid_on", b="issued_on")
    # One stream per customer of invoices (the cumulative amount they need) and payments
    # (the cumulative amount received); an invoice is paid by the first payment at or
    # after its level, i.e. the earliest receipt among the rows that follow it (read
    # backwards, a running minimum, which both engines compute in one pass).
    rows = store.query(
        "WITH wanted AS (SELECT DISTINCT customer_id FROM view_invoices"  # noqa: S608
        " WHERE currency = :currency AND issued_on >= :first AND issued_on <= :last),"
        " owed AS (SELECT customer_id, issued_on, open, SUM(paid) OVER"
        " (PARTITION BY customer_id ORDER BY due_on, number ROWS UNBOUNDED PRECEDING)"
        " AS level, 0 AS kind, CAST(NULL AS TEXT) AS received_on FROM view_invoices"
        " WHERE void = 0 AND paid > 0 AND currency = :currency"
        " AND customer_id IN (SELECT customer_id FROM wanted)),"
        " received AS (SELECT customer_id, CAST(NULL AS TEXT) AS issued_on, 0 AS open,"
        " SUM(amount) OVER (PARTITION BY customer_id ORDER BY received_on, position,"
        " payment_id ROWS UNBOUNDED PRECEDING) AS level, 1 AS kind, received_on"
        " FROM view_payments WHERE currency = :currency"
        " AND customer_id IN (SELECT customer_id FROM wanted)),"
        " stream AS (SELECT issued_on, open, kind, MIN(received_on) OVER"
        " (PARTITION BY customer_id ORDER BY level DESC, kind DESC"
        " ROWS UNBOUNDED PRECEDING) AS paid_on"
        " FROM (SELECT * FROM owed UNION ALL SELECT * FROM received) AS moves)"
        " SELECT SUBSTR(issued_on, 1, 7) AS month, COUNT(*) AS invoices,"
        f" SUM(CASE WHEN paid_on > issued_on THEN {days} ELSE 0 END) AS days"
        " FROM stream WHERE kind = 0 AND open = 0 AND paid_on IS NOT NULL"
        " AND issued_on >= :first AND issued_on <= :last"
        " GROUP BY SUBSTR(issued_on, 1, 7) ORDER BY 1",
        {"currency": currency, **_month_bounds(month_from, month_to)})
    for row in rows:
        count = int(row["invoices"])
        row.update(invoices=count, average_days=float(row["days"] or 0) / count)
    return rows
