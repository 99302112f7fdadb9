"""Workspace area: debts, the aging table and the debtors behind each of its cells.

The aging table sums what is open per currency in buckets of days overdue (not yet due,
1–30, 31–60, 61–90, over 90) as of the business date; each cell opens the debtors in it,
with their dunning stage, the amount, and the oldest unpaid due date, paginated in SQL.
The debt register downloads as CSV or XLSX through the same export the documents area
offers (:func:`api.documents.exports.export_register`), so every file of debts agrees.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from api.documents.exports import export_register
from api.downloads import attachment
from api.web.render import page, translate
from api.web.session import Reader  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from projections import workspace
from projections.workspace import DebtFilter

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
Bucket = Literal["", "current", "1-30", "31-60", "61-90", "90+"]
Currency = Annotated[str, Query(pattern=r"^([A-Z]{3})?$")]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]


@router.get("/debts", response_class=HTMLResponse)
def debts(
    request: Request, services: ServicesDep, user: Reader, *, bucket: Bucket = "",
    currency: Currency = "", page_no: Annotated[PageNo, Query(alias="page")] = 1,
) -> HTMLResponse:
    """The aging table per currency and one page of the debtors in the chosen cell."""
    store = services.store
    today = services.runtime.clock.today()
    aging = workspace.aging_totals(store, today)
    found = workspace.debtors(store, today, DebtFilter(bucket=bucket, currency=currency),
                              page=page_no, size=PAGE_SIZE)
    return page(
        request, "debts/index.html", user, title=translate(request, "Debts"), today=today,
        aging=aging, buckets=tuple(workspace.BUCKETS), found=found, page_no=page_no,
        bucket=bucket, currency=currency, query=dict(request.query_params),
        currencies=[row["currency"] for row in aging],
    )


@router.get("/debts/export.{file_format}")
def export_debts(
    services: ServicesDep, _: Reader, file_format: Literal["csv", "xlsx"],
    currency: Currency = "",
) -> Response:
    """The debt register (every debtor, each bucket a column) as a CSV or XLSX file."""
    export = export_register(services, "debts", file_format, currency=currency or None)
    return Response(export.content, media_type=export.media_type,
                    headers=attachment(export.filename))
