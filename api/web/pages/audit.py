"""Workspace area: audit — a customer's raw events, the chain check, and history exports.

Read-only for everyone who may read. The event list, the verification and the exports are
the auditor API's own functions (``api/routes/audit.py``), called with the signed-in
person's principal, so the workspace and ``/v1/audit`` cannot disagree about what the
ledger holds or whether its chain is intact. Both read the stored rows without parsing
them, so the trail of an altered history still opens and shows where it breaks. Finding a
customer uses the directory view.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID  # noqa: TC003  (FastAPI reads path parameter types at runtime)

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from api.routes import audit as audit_api
from api.web.render import page, translate
from api.web.session import Reader  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from projections import queries

router = APIRouter(include_in_schema=False)

PAGE = 50
Search = Annotated[str, Query(max_length=200)]
Cursor = Annotated[str, Query(max_length=500)]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]


@router.get("/audit", response_class=HTMLResponse)
def audit_index(request: Request, services: ServicesDep, user: Reader, q: Search = "",
                cursor: Cursor = "") -> Response:
    """Find a customer by name, ИНН or external key, a page at a time."""
    found = None
    if q.strip():
        cursor = _own_cursor(cursor)
        found = queries.customers(services.store, search=q.strip(), limit=PAGE,
                                  cursor=cursor or None)
    return page(request, "audit/index.html", user, q=q, found=found,
                title=translate(request, "Audit"))


def _own_cursor(cursor: str) -> str:
    """The cursor if this list made it; otherwise start from the first page."""
    if not cursor:
        return ""
    try:
        queries.decode_cursor(cursor, 2)
    except ValueError:
        return ""
    return cursor


@router.get("/audit/{customer_id}", response_class=HTMLResponse)
def audit_customer(request: Request, services: ServicesDep, user: Reader, customer_id: UUID,
                   page_no: Annotated[PageNo, Query(alias="page")] = 1) -> Response:
    """The customer's raw events with every piece of metadata, and its chain check."""
    chain = audit_api.customer_verify(services, user.principal, customer_id)
    events = audit_api.customer_events(services, user.principal, customer_id)["items"]
    profile = queries.customer(services.store, str(customer_id)) or events[0]
    start = (page_no - 1) * PAGE
    shown = events[start:start + PAGE]
    return page(request, "audit/customer.html", user, customer_id=str(customer_id),
                name=profile.get("name", ""), inn=profile.get("inn"), events=shown,
                total=len(events), page_no=page_no, has_next=start + PAGE < len(events),
                chain=chain, title=translate(request, "Audit trail"))


@router.get("/audit/{customer_id}/export.{export_format}")
def audit_export(services: ServicesDep, user: Reader, customer_id: UUID,
                 export_format: Literal["json", "csv"]) -> Response:
    """The full history as the auditor API exports it (JSON, or CSV with one row per event)."""
    return audit_api.customer_export(services, user.principal, customer_id, export_format)
