"""Queries over HTTP: lists with filters and cursor pagination, read from the projections.

Every list answers ``{"items": [...], "next_cursor": "..."}``; pass ``cursor`` to get the
next page. A client that has just sent a command may pass ``wait_for`` (the ``position``
of the command's outcome) to read its own write.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query

from api import present
from api.auth import ACCOUNTANT, AUDITOR, SERVICE, Principal, require, roles_extra
from api.deps import CurrencyQuery, Period, PeriodQuery, ServicesDep, Views
from ledger.customers import ServiceStatus, customer_id_for
from ledger.errors import CustomerNotFound, InvalidField, NotFound
from ledger.money import Money
from projections import queries
from projections.queries import InvoiceStatus, Page
from projections.timeline import params_of

router = APIRouter(prefix="/v1", tags=["queries"])

READ = (ACCOUNTANT, AUDITOR)
Reader = Annotated[Principal, Depends(require(*READ))]
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=500)]
NO_CUSTOMER_WITH_KEY = "no customer with external key {external_key!r}"
"""The wording of a 404 by external key: the id derived from the key means nothing to a caller."""
IssuedAlias = Annotated[date | None, Query(deprecated=True, description="older name")]


def _page(page: Page) -> dict[str, Any]:
    try:
        items = present.rows(page.items)
    except ValueError as error:  # pragma: no cover - rows come from our own views
        raise HTTPException(500, str(error)) from None
    return {"items": items, "next_cursor": page.next_cursor}


def cursor_guard(cursor: str | None) -> None:
    """Refuse a cursor that is not one of ours before the list is read.

    Raises:
        BadCursor: an ``InvalidField`` naming ``cursor``, answered like every other 422
            (``field`` and ``errors``), not as a bare HTTP error.
    """
    if cursor is not None:
        queries.decode_cursor(cursor)


@router.get("/customers", openapi_extra=roles_extra(*READ), summary="List customers")
def list_customers(
    services: Views, _: Reader, search: str | None = None, status: ServiceStatus | None = None,
    tariff: str | None = None, manager: str | None = None, tag: str | None = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> dict[str, Any]:
    """Customers by name with their balance in their own currency (filter by deal tag too)."""
    cursor_guard(cursor)
    return _page(queries.customers(
        services.store, search=search, status=status.value if status else None, tariff=tariff,
        manager=manager, tag=tag, limit=limit, cursor=cursor,
    ))


def _customer_row(services: Views, customer_id: str) -> dict[str, Any]:
    found = queries.customer(services.store, customer_id)
    if found is None:
        raise CustomerNotFound(customer=customer_id)
    found["balances"] = present.rows(found["balances"])
    return found


@router.get("/customers/by-key/{external_key}", openapi_extra=roles_extra(*READ),
            summary="Find a customer by external key")
def customer_by_key(services: Views, _: Reader, external_key: str) -> dict[str, Any]:
    """The customer registered under ``external_key``; a 404 names the key sent, not its id."""
    try:
        return _customer_row(services, str(customer_id_for(external_key)))
    except CustomerNotFound:
        raise CustomerNotFound(NO_CUSTOMER_WITH_KEY, field="external_key",
                               external_key=external_key) from None


@router.get("/customers/{customer_id}", openapi_extra=roles_extra(*READ),
            summary="One customer with balances")
def get_customer(services: Views, _: Reader, customer_id: UUID) -> dict[str, Any]:
    """Profile fields and balances per currency."""
    return _customer_row(services, str(customer_id))


@router.get("/customers/{customer_id}/timeline", openapi_extra=roles_extra(*READ),
            summary="A customer's history in plain language")
def customer_timeline(
    services: Views, _: Reader, customer_id: UUID, limit: Limit = 100, cursor: Cursor = None
) -> dict[str, Any]:
    """Every event: who, what, when (recorded and effective), why.

    ``summary`` says what happened in English; ``message`` (an English template with
    ``{named}`` placeholders) and ``params`` carry the same line for translation: strings and
    integers as they are, other values as typed objects — ``{"type": "money", "minor":
    5490000, "currency": "RUB"}``, ``{"type": "date", "value": "2026-01-01"}``, ``{"type":
    "number", "value": "12.5"}``, ``{"type": "message", "message": ..., "params": {...}}`` (a
    nested phrase) and ``{"type": "list", "items": [...]}``.
    """
    cursor_guard(cursor)
    if not services.ledger.exists(customer_id):  # the log: a new customer is never a 404
        raise CustomerNotFound(customer=str(customer_id))
    page = queries.timeline(services.store, str(customer_id), limit=limit, cursor=cursor)
    lines = [{**row, "params": params_of(row["params"])} for row in page.items]
    return _page(Page(lines, page.next_cursor))


@router.get("/customers/{customer_id}/status", openapi_extra=roles_extra(SERVICE, *READ),
            summary="Service status, for granting or blocking access")
def customer_status(
    services: ServicesDep, _: Annotated[Principal, Depends(require(SERVICE, *READ))],
    customer_id: UUID,
) -> dict[str, Any]:
    """Read from the ledger itself (not a view), so it is never behind."""
    customer = services.ledger.customer(customer_id, fresh=True)
    state = customer.state
    balance = state.balances.get(state.profile.currency)
    return {
        "customer_id": str(customer_id),
        "status": state.status.value,
        "access": state.status in {ServiceStatus.ACTIVE, ServiceStatus.PAST_DUE},
        "currency": state.profile.currency,
        "debt": (balance.receivable if balance else Money.zero(state.profile.currency))
        .to_decimal_string(),
        "version": customer.version,
    }


@router.get("/debts", openapi_extra=roles_extra(*READ), summary="Customers who owe money")
def list_debts(
    services: Views, _: Reader, currency: CurrencyQuery = None, limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Largest debt first."""
    cursor_guard(cursor)
    page = _page(queries.debts(services.store, currency=currency, limit=limit, cursor=cursor))
    page["totals"] = present.rows(queries.debt_totals(services.store))
    return page


@router.get("/renewals", openapi_extra=roles_extra(*READ), summary="Renewal calendar")
def list_renewals(
    services: Views, _: Reader, days: PeriodQuery, customer_id: UUID | None = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> dict[str, Any]:
    """Subscriptions by next renewal date."""
    cursor_guard(cursor)
    return _page(queries.renewals(
        services.store, date_from=days.start_text, date_to=days.end_text,
        customer_id=str(customer_id) if customer_id else None, limit=limit, cursor=cursor,
    ))


def _register(table: str, date_column: str, tiebreak: str, path: str, summary: str) -> None:
    def endpoint(
        services: Views, _: Reader, days: PeriodQuery, customer_id: UUID | None = None,
        limit: Limit = 50, cursor: Cursor = None,
    ) -> dict[str, Any]:
        cursor_guard(cursor)
        return _page(queries.register(
            services.store, table, customer_id=str(customer_id) if customer_id else None,
            date_column=date_column, date_from=days.start_text, date_to=days.end_text,
            tiebreak=tiebreak, limit=limit, cursor=cursor,
        ))

    endpoint.__name__ = f"list_{path.replace('-', '_')}"
    router.add_api_route(f"/{path}", endpoint, methods=["GET"],
                         summary=summary, openapi_extra=roles_extra(*READ))


_register("view_payments", "received_on", "payment_id", "payments", "Payment register")
_register("view_invoice_lines", "issued_on", "line_id", "invoice-lines",
          "Invoice lines (what was charged, with formulas)")


@router.get("/invoices", openapi_extra=roles_extra(*READ), summary="Invoice register")
def list_invoices(
    services: Views, _: Reader, days: PeriodQuery,
    status: InvoiceStatus | None = None,
    customer_id: UUID | None = None,
    period_from: IssuedAlias = None, period_to: IssuedAlias = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> dict[str, Any]:
    """Invoices by number, issued ``from``–``to``; ``overdue`` is as of today (business date).

    ``period_from``/``period_to`` are the older names of ``from``/``to``.
    """
    cursor_guard(cursor)
    issued = _with_aliases(days, period_from, period_to)
    today = services.runtime.clock.today().isoformat()
    return _page(queries.invoices(
        services.store, today=today, status=status,
        customer_id=str(customer_id) if customer_id else None,
        period_from=issued.start_text, period_to=issued.end_text, limit=limit, cursor=cursor,
    ))


def _with_aliases(days: Period, period_from: date | None, period_to: date | None) -> Period:
    """``days`` with the older ``period_*`` names filled in; both names at once are refused."""
    for name, new, old in (("period_from", days.start, period_from),
                           ("period_to", days.end, period_to)):
        if new is not None and old is not None:
            raise InvalidField(field=name, why="give {name} or its new name, not both",
                               name=name)
    if period_from is None and period_to is None:
        return days
    return Period(days.start or period_from, days.end or period_to,
                  end_name="period_to" if period_to is not None else days.end_name)


@router.get("/invoices/{invoice_id}", openapi_extra=roles_extra(*READ),
            summary="One invoice with its lines")
def get_invoice(services: Views, _: Reader, invoice_id: str) -> dict[str, Any]:
    """Totals, settlement, status and every line with its formula."""
    found = queries.invoice(services.store, invoice_id, services.runtime.clock.today().isoformat())
    if found is None:
        raise NotFound("no invoice {invoice_id}", field="invoice_id", invoice_id=invoice_id)
    found["lines"] = present.rows(found["lines"])
    return present.row(found)


@router.get("/reports/revenue-by-tariff", openapi_extra=roles_extra(*READ),
            summary="Revenue by tariff and month")
def revenue_by_tariff(services: Views, _: Reader, days: PeriodQuery) -> dict[str, Any]:
    """Invoiced revenue, VAT excluded and after discounts, by tariff and month."""
    rows = queries.revenue_by_tariff(
        services.store, date_from=days.start_text, date_to=days.end_text)
    return {"items": present.rows(rows)}


@router.get("/tariffs", openapi_extra=roles_extra(SERVICE, *READ), summary="Tariff catalog")
def list_tariffs(
    services: Views, _: Annotated[Principal, Depends(require(SERVICE, *READ))]
) -> dict[str, Any]:
    """Every version of every tariff."""
    return {"items": queries.tariffs(services.store)}


@router.get("/projections", openapi_extra=roles_extra(*READ), summary="Projection lag")
def projection_status(services: ServicesDep, _: Reader) -> dict[str, Any]:
    """Each view's position against the log's head; ``lag`` is how far behind it is."""
    return {
        "worker_error": repr(services.worker_error) if services.worker_error else None,
        "items": [
            {"name": s.name, "position": s.position, "head": s.head, "lag": s.lag}
            for s in services.runner.status()
        ],
    }
