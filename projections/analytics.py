"""Questions the analytics page asks that the other views do not answer directly.

Why a module of its own: collection rate and days to pay are read from the invoice
register (``view_invoices``) rather than kept in a view, so they need no new projection and
always agree with the register. Every figure is grouped by the month an invoice was issued
and by currency, in SQL over the ``(currency, issued_on)`` index, so the page stays fast
however many customers there are: Python only sees one row per month.

Days to pay are exact: the register keeps ``paid_on``, the business date on which each
invoice's open amount reached zero by payments or credit (see :mod:`projections.invoices`;
an invoice closed by a write-off has none).
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
    ``paid / invoiced`` (None for a month with nothing invoiced). Credit invoices (negative
    totals: a cancellation's or downgrade's unused days) bill nothing and are left out:
    their credit is counted where it settles other invoices, so the rate stays within 100 %.
    """
    rows = store.query(
        "SELECT SUBSTR(issued_on, 1, 7) AS month, COUNT(*) AS invoices,"
        " CAST(SUM(total - credited) AS BIGINT) AS invoiced, CAST(SUM(paid) AS BIGINT) AS paid"
        " FROM view_invoices WHERE void = 0 AND total > 0 AND currency = :currency"
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

    Days run from the issue date to ``paid_on``, the business date the invoice was fully
    paid by payments or credit (0 when credit already on the account paid it at issue).
    Invoices still open, written off or credited in full with nothing paid do not count.
    """
    days = _DAYS[store.dialect].format(a="paid_on", b="issued_on")
    rows = store.query(
        "SELECT SUBSTR(issued_on, 1, 7) AS month, COUNT(*) AS invoices,"  # noqa: S608
        f" AVG({days}) AS average_days FROM view_invoices"
        " WHERE currency = :currency AND issued_on >= :first AND issued_on <= :last"
        " AND void = 0 AND paid_on IS NOT NULL"
        " GROUP BY SUBSTR(issued_on, 1, 7) ORDER BY 1",
        {"currency": currency, **_month_bounds(month_from, month_to)})
    for row in rows:
        row.update(invoices=int(row["invoices"]), average_days=float(row["average_days"]))
    return rows
