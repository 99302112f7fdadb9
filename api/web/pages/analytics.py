"""Workspace area: analytics — MRR and its movements, revenue by tariff, collection.

Each figure is read from the views with the same query functions the HTTP reports use
(:mod:`projections.queries`, plus :mod:`projections.analytics` for collection and days
to pay), so the page and ``/v1/reports`` never disagree. Every chart is drawn on the server
(:mod:`api.web.charts`) with its numbers in a table beside it. The range is whole months
(the last twelve by default) and one currency at a time: amounts in different currencies
are never added up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.deps import ServicesDep  # noqa: TC001  (FastAPI reads it at runtime)
from api.web.charts import Caption, Series, bar_chart, line_chart
from api.web.i18n import Formats
from api.web.render import page, request_language, translate
from api.web.session import Reader  # noqa: TC001  (FastAPI reads it at runtime)
from ledger.money import Money
from projections import analytics, queries

if TYPE_CHECKING:
    from collections.abc import Callable

    from projections.store import ReadStore, Row

router = APIRouter(include_in_schema=False)

MAX_MONTHS = 120
"""The longest range the page draws at once, as the HTTP report allows."""
FIRST_MONTH, LAST_MONTH = "0001-01", "9998-12"
"""The months a report may reach: the last needs the month after it as a bound."""
DEFAULT_MONTHS = 12
FRESH_SECONDS = 60
"""How long a drawn report is shown again while new events keep arriving."""
KEEP_REPORTS = 32


@dataclass(frozen=True)
class Range:
    """The months and currency a reader asked for."""

    month_from: str
    month_to: str
    currency: str

    @property
    def months(self) -> list[str]:
        """Every month of the range, in order."""
        return queries.months_between(self.month_from, self.month_to)


def _default_range(today_month: str) -> tuple[str, str]:
    year, month = int(today_month[:4]), int(today_month[5:7])
    first = year * 12 + month - DEFAULT_MONTHS  # twelve months ending with this one
    return f"{first // 12:04d}-{first % 12 + 1:02d}", today_month


def _checked(request: Request, month_from: str, month_to: str) -> dict[str, str]:
    """Messages for the fields at fault (empty when the range is usable)."""
    errors: dict[str, str] = {}
    for name, value in (("from", month_from), ("to", month_to)):
        try:
            queries.months_between(value, value)
        except ValueError:
            errors[name] = translate(request, "Write the month as YYYY-MM.")
        else:  # a date's year runs from 1 to 9999, and a report needs the month after
            if not FIRST_MONTH <= value <= LAST_MONTH:
                errors[name] = translate(request, "Choose a month from {first} to {last}.",
                                         first=FIRST_MONTH, last=LAST_MONTH)
    if not errors:
        count = len(queries.months_between(month_from, month_to))
        if count == 0:
            errors["to"] = translate(request, "The last month comes before the first.")
        elif count > MAX_MONTHS:
            errors["to"] = translate(request, "Ask for at most {count} months at a time.",
                                     count=MAX_MONTHS)
    return errors


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(
    request: Request, services: ServicesDep, user: Reader, *,
    month_from: Annotated[str | None, Query(alias="from", max_length=7)] = None,
    month_to: Annotated[str | None, Query(alias="to", max_length=7)] = None,
    currency: Annotated[str | None, Query(max_length=3)] = None,
) -> Response:
    """MRR/ARR, movements, revenue by tariff, collection rate and days to pay."""
    default_from, default_to = _default_range(services.runtime.clock.today().isoformat()[:7])
    month_from, month_to = month_from or default_from, month_to or default_to
    known = analytics.currencies(services.store)
    chosen = currency if currency in known else (known[0] if known else "")
    errors = _checked(request, month_from, month_to)
    context: dict[str, Any] = {
        "title": translate(request, "Analytics"), "errors": errors, "currencies": known,
        "currency_options": [(code, code) for code in known],
        "query": {"from": month_from, "to": month_to, "currency": chosen},
    }
    if errors:
        return page(request, "analytics/index.html", user, status_code=422, report=None,
                    **context)
    span = Range(month_from, month_to, chosen)
    report = None
    if chosen:
        position = min(services.runner.positions().values(), default=0)
        report = _cache(request).get(
            (request_language(request), span), position,
            lambda: _report(request, services.store, span))
    return page(request, "analytics/index.html", user, report=report, **context)


class ReportCache:
    """Reports already drawn, per language and range, with the view position they show.

    Why: at a hundred thousand customers the figures of a long range still read every
    invoice of the period (collection rate, days to pay) and every MRR movement, and many
    people open this page.
    A report is drawn again when the views have moved on and it is older than
    :data:`FRESH_SECONDS`, so the page is at most a minute behind under constant writes,
    and exact otherwise.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reports: dict[Any, tuple[int, float, dict[str, Any]]] = {}

    def get(self, key: Any, position: int,
            draw: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The report for ``key``: the kept one if still good, else a newly drawn one."""
        with self._lock:
            kept = self._reports.get(key)
        now = time.monotonic()
        if kept is not None and (kept[0] == position or now - kept[1] < FRESH_SECONDS):
            return kept[2]
        report = draw()
        with self._lock:
            self._reports[key] = (position, now, report)
            for old in sorted(self._reports, key=lambda k: self._reports[k][1])[:-KEEP_REPORTS]:
                del self._reports[old]
        return report


_CREATE = threading.Lock()


def _cache(request: Request) -> ReportCache:
    """The app's report cache (made on first use; one per app, so tests never share it)."""
    with _CREATE:
        if not isinstance(getattr(request.app.state, "analytics_reports", None), ReportCache):
            request.app.state.analytics_reports = ReportCache()
    cache: ReportCache = request.app.state.analytics_reports
    return cache


def _report(request: Request, store: ReadStore, span: Range) -> dict[str, Any]:
    """Every figure of the page, and its chart."""
    fmt = Formats(request_language(request))
    labels = [fmt.date(f"{month}-01", "LLL yy") for month in span.months]
    mrr = [r for r in queries.mrr_by_month(store, span.months) if r["currency"] == span.currency]
    moves = [r for r in queries.mrr_movements(store, span.month_from, span.month_to)
             if r["currency"] == span.currency]
    revenue = _revenue_by_tariff(store, span)
    collection = _by_month(analytics.collection_by_month(
        store, span.month_from, span.month_to, span.currency), span.months)
    days = _by_month(analytics.days_to_pay_by_month(
        store, span.month_from, span.month_to, span.currency), span.months)
    charts = _Charts(request, span, labels)
    return {
        "months": span.months, "mrr": mrr, "movements": moves, "revenue": revenue,
        "collection": collection, "days": days, "kinds": queries.MRR_KINDS,
        "charts": {
            "mrr": charts.mrr(mrr), "movements": charts.movements(moves),
            "revenue": charts.revenue(revenue), "collection": charts.collection(collection),
            "days": charts.days(days),
        },
    }


def _revenue_by_tariff(store: ReadStore, span: Range) -> list[Row]:
    """Net revenue and VAT per tariff over the range, largest first."""
    rows = queries.revenue_by_tariff(store, date_from=f"{span.month_from}-01",
                                     date_to=f"{span.month_to}-31")
    totals: dict[str, Row] = {}
    for row in rows:
        if row["currency"] != span.currency:
            continue
        total = totals.setdefault(row["tariff_code"], {
            "tariff_code": row["tariff_code"], "net": 0, "vat": 0})
        total["net"] += int(row["net"])
        total["vat"] += int(row["vat"])
    return sorted(totals.values(), key=lambda r: (-r["net"], r["tariff_code"]))


def _by_month(rows: list[Row], months: list[str]) -> list[Row | None]:
    """One entry per month of the range (None where the month has no row)."""
    found = {row["month"]: row for row in rows}
    return [found.get(month) for month in months]


def _major(minor: int, currency: str) -> float:
    """An amount in major units, for drawing only (tables show the exact amounts)."""
    return float(Money(int(minor), currency).amount)


class _Charts:
    """The page's charts, captioned in the reader's language."""

    def __init__(self, request: Request, span: Range, labels: list[str]) -> None:
        self.request, self.span, self.labels = request, span, labels

    def _caption(self, title: str, description: str) -> Caption:
        return Caption(translate(self.request, title),
                       translate(self.request, description, currency=self.span.currency,
                                 first=self.span.month_from, last=self.span.month_to))

    def mrr(self, rows: list[Row]) -> str:
        cur = self.span.currency
        return line_chart("chart-mrr", self._caption(
            "MRR and ARR", "MRR and ARR in {currency} at the end of each month, {first} to "
            "{last}; the table beside the chart holds the figures."), self.labels,
            [Series(f"MRR, {cur}", [_major(r["mrr"], cur) for r in rows])],
            right_axis=(f"ARR, {cur}", queries.MONTHS_PER_YEAR))

    def movements(self, rows: list[Row]) -> str:
        cur = self.span.currency
        series = [Series(translate(self.request, kind.capitalize()),
                         [_major(r[kind], cur) for r in rows]) for kind in queries.MRR_KINDS]
        return bar_chart("chart-movements", self._caption(
            "MRR movements", "New, expansion, contraction, churn and reactivation of MRR in "
            "{currency} per month, {first} to {last}; losses are drawn below zero."),
            self.labels, series, stacked=True, wide=True)

    def revenue(self, rows: list[Row]) -> str:
        names = [r["tariff_code"] or translate(self.request, "no tariff") for r in rows]
        return bar_chart("chart-revenue", self._caption(
            "Revenue by tariff", "Net revenue in {currency} (VAT excluded, after discounts) "
            "per tariff, {first} to {last}."), names,
            [Series(translate(self.request, "Net revenue"),
                    [_major(r["net"], self.span.currency) for r in rows])], horizontal=True)

    def collection(self, rows: list[Row | None]) -> str:
        return bar_chart("chart-collection", self._caption(
            "Collection rate", "The share of each month's invoices in {currency} that has "
            "been paid, in percent, {first} to {last}."), self.labels,
            [Series(translate(self.request, "Collection rate") + ", %",
                    [None if r is None or r["rate"] is None else 100 * r["rate"]
                     for r in rows])])

    def days(self, rows: list[Row | None]) -> str:
        return bar_chart("chart-days", self._caption(
            "Average days to pay", "Average days from issue to full payment of the invoices "
            "in {currency} issued each month, {first} to {last}."), self.labels,
            [Series(translate(self.request, "Average days to pay"),
                    [None if r is None else r["average_days"] for r in rows])])
