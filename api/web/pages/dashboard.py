"""Workspace area: the dashboard, the totals a newcomer reads first.

It answers "who owes us, how much, since when, and who renews next week" on one page:
MRR and its movement this month, invoiced against paid this month, the net debt (the same
figure as the customer list, the card and ``/v1/debts``) with its open invoices by days
overdue,
customers by status and the renewals ahead, each figure linking to the list behind it,
every amount in its own currency. All of it is read from the views as of the service's
business date.
"""

from __future__ import annotations

import calendar
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from api.web.render import page, translate
from api.web.session import Reader  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from projections import queries, workspace
from projections.workspace import DebtFilter, RenewalFilter

router = APIRouter(include_in_schema=False)

TOP_DEBTORS = 10
NEXT_WEEK = 7
RENEWAL_HORIZON = 30


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, services: ServicesDep, user: Reader) -> HTMLResponse:
    """The overview: every figure as of today, each a link to its list."""
    store = services.store
    today = services.runtime.clock.today()
    first = today.replace(day=1)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    month = today.strftime("%Y-%m")
    soon = RenewalFilter(today, today + timedelta(days=RENEWAL_HORIZON), kinds=("renewal",))
    week = RenewalFilter(today, today + timedelta(days=NEXT_WEEK), kinds=("renewal",))
    week_list = workspace.renewal_calendar(store, week, size=TOP_DEBTORS)  # list and count
    return page(
        request, "dashboard/index.html", user, title=translate(request, "Dashboard"),
        today=today, month_first=first, month_last=last,
        mrr=queries.mrr_movements(store, month, month),
        flow=workspace.month_flow(store, first, last),
        debts=workspace.debt_overview(store, today),
        buckets=tuple(workspace.BUCKETS),
        statuses=workspace.status_counts(store),
        status_names=workspace.STATUSES,
        renewals_soon=workspace.renewal_calendar(store, soon, size=1).total,
        renewing_total=week_list.total,
        horizon=RENEWAL_HORIZON, next_week=NEXT_WEEK,
        top_debtors=workspace.debtors(store, today, DebtFilter(), size=TOP_DEBTORS).rows,
        renewing=week_list.rows,
    )
