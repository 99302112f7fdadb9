"""Workspace area: the customer list (the card at ``/customers/{id}`` is ``customer_card``).

Searchable by name, ИНН and external key, filtered by status, tariff, manager, tag and debt,
sorted by name, debt, next renewal, tariff, status or manager, and paginated in SQL
(:func:`projections.workspace.customer_list`), so it answers as fast with 100,000
customers as with fifty. The filters are a plain GET form: every list is a link to share.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from api.web.render import page, translate
from api.web.session import Reader  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from projections import workspace
from projections.workspace import CustomerFilter

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
Status = Literal["", "active", "past_due", "suspended", "closed"]
Sort = Literal["", "name", "-name", "debt", "-debt", "renewal", "-renewal", "tariff",
               "-tariff", "status", "-status", "manager", "-manager"]
Text = Annotated[str, Query(max_length=200)]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]


@router.get("/customers", response_class=HTMLResponse)
def customer_list(
    request: Request, services: ServicesDep, user: Reader, *, search: Text = "",
    status: Status = "", tariff: Text = "", manager: Text = "", tag: Text = "",
    debt: Literal["", "1"] = "", sort: Sort = "", page_no: Annotated[
        PageNo, Query(alias="page")] = 1,
) -> HTMLResponse:
    """One page of the customer list with its filters."""
    store = services.store
    chosen = CustomerFilter(search=search, status=status, tariff=tariff, manager=manager,
                            tag=tag, has_debt=debt == "1")
    found = workspace.customer_list(store, chosen, sort=sort or "name", page=page_no,
                                    size=PAGE_SIZE)
    return page(
        request, "customers/list.html", user, title=translate(request, "Customers"),
        found=found, page_no=page_no, query=dict(request.query_params),
        statuses=workspace.STATUSES, tariffs=workspace.tariff_codes(store),
        managers=workspace.managers(store), tags=workspace.tags(store),
    )
