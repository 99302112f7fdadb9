"""Workspace area: renewals, the calendar of upcoming renewals and contract ends.

Who renews when, and whose contract ends, by date: within the next N days or between two
dates, filtered by tariff and by auto-renewal, paginated in SQL
(:func:`projections.workspace.renewal_calendar`) and drawn as a list grouped by day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from api.web.render import page, translate
from api.web.session import Reader  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from projections import workspace
from projections.workspace import RenewalFilter

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
WINDOWS = (7, 30, 90, 365)
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]


def _window(request: Request, today: date, within: int, date_from: str, date_to: str
            ) -> tuple[date, date, dict[str, str]]:
    """The calendar's first and last day, and a message per date field typed wrong.

    Typed dates override ``within``: from ``from`` (today when empty) to ``to`` (``within``
    days after the start when empty).
    """
    errors: dict[str, str] = {}
    typed: dict[str, date | None] = {}
    for name, text in (("from", date_from), ("to", date_to)):
        try:
            typed[name] = date.fromisoformat(text) if text else None
        except ValueError:
            typed[name] = None
            errors[name] = translate(request, "Write a date as YYYY-MM-DD.")
    first = typed["from"] or today
    last = typed["to"] or _days_after(first, within)
    if last < first and not errors:
        errors["to"] = translate(request, "The end comes before the start.")
    return first, last, errors


def _days_after(first: date, within: int) -> date:
    """``within`` days after ``first``, or the last day there is (a window from 9999-12-31)."""
    return first + timedelta(days=min(within, (date.max - first).days))


@router.get("/renewals", response_class=HTMLResponse)
def renewals(
    request: Request, services: ServicesDep, user: Reader, *,
    within: Annotated[int, Query(ge=1, le=3660)] = 30,
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    tariff: Annotated[str, Query(max_length=100)] = "", auto: Literal["", "yes", "no"] = "",
    page_no: Annotated[PageNo, Query(alias="page")] = 1,
) -> HTMLResponse:
    """One page of the calendar; dates typed in ``from``/``to`` override ``within``."""
    today = services.runtime.clock.today()
    first, last, errors = _window(request, today, within, date_from, date_to)
    chosen = RenewalFilter(first, last, tariff=tariff,
                           auto_renew=None if not auto else auto == "yes")
    found = workspace.renewal_calendar(services.store, chosen, page=page_no, size=PAGE_SIZE)
    return page(
        request, "renewals/index.html", user, status_code=422 if errors else 200,
        title=translate(request, "Renewals"), today=today, first=first, last=last,
        errors=errors, found=found, page_no=page_no, query=dict(request.query_params),
        windows=WINDOWS, within=within, tariffs=workspace.tariff_codes(services.store),
    )
