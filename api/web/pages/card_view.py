"""What the customer card shows, gathered from the views and the replayed customer.

Now: the lists that grow without bound (invoices, payments, the timeline) come from the
projections a page at a time, through the same query functions the ``/v1`` API answers
with, and the customer's own state from the audit replay. As of a past moment: everything
comes from the replayed customer, because the views only know the present.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from api.documents.dates import act_day
from api.web.pages.card_state import VERSION
from api.web.said import timeline_text
from ledger.customers.events import PaymentReceived
from projections import queries
from projections.describe import describe
from projections.queries import decode_cursor, encode_cursor
from projections.timeline import params_of

if TYPE_CHECKING:
    from collections.abc import Mapping
    from uuid import UUID

    from api.bootstrap import Services
    from api.web.pages.card_state import AsOf, Replayed
    from ledger.customers.state import InvoiceState
    from projections.store import Row

PAGE = 20
"""Rows per list on the card."""
BALANCE_COLUMNS = ("charged", "credited", "paid", "adjusted", "refunded", "written_off")


def card_context(
    services: Services, customer_id: UUID, state: Replayed, as_of: AsOf,
    params: Mapping[str, str],
) -> dict[str, Any]:
    """Everything the card template draws, for the present or a past moment."""
    customer = state.customer
    tariffs = _tariff_names(services)
    context: dict[str, Any] = {
        "customer_id": str(customer_id), "version": customer.version,
        "profile": customer.state.profile, "status": customer.state.status.value,
        "subscriptions": [
            {"sub": sub, "tariff_name": tariffs.get(sub.tariff_code, sub.tariff_code)}
            for sub in customer.state.subscriptions.values()
        ],
        "discounts": sorted(customer.state.discounts.values(), key=lambda d: d.position),
        "as_of": as_of, "timeline_text": timeline_text,
    }
    if as_of.active:
        context.update(_past_lists(state, _day_shown(services, state, as_of)))
    else:
        context.update(_present_lists(services, str(customer_id), customer.version, params))
    return context


def _tariff_names(services: Services) -> dict[str, str]:
    return {row["code"]: row["name"] for row in queries.tariffs(services.store)}


def _present_lists(
    services: Services, customer_id: str, version: int, params: Mapping[str, str],
) -> dict[str, Any]:
    today = services.runtime.clock.today().isoformat()
    invoices = queries.invoices(services.store, today=today, customer_id=customer_id,
                                limit=PAGE, cursor=_cursor(params.get("invoices")))
    payments = queries.register(services.store, "view_payments", customer_id=customer_id,
                                date_column="received_on", tiebreak="payment_id", limit=PAGE,
                                cursor=_cursor(params.get("payments")))
    start = _timeline_start(params.get("events"), version)
    timeline = queries.timeline(services.store, customer_id, limit=PAGE,
                                cursor=encode_cursor([start]))
    return {
        "balances": [_balance_row(row) for row in queries.balances(services.store, customer_id)],
        "today": today,
        "invoices": [{**row, "act_from": _act_from(row)} for row in invoices.items],
        "invoices_next": invoices.next_cursor,
        "payments": payments.items, "payments_next": payments.next_cursor,
        "timeline": [{**row, "params": params_of(row["params"])}
                     for row in reversed(timeline.items)],
        "events_earlier": max(start - PAGE, 0) if start > 0 else None,
        "events_later": start + PAGE if start + PAGE < version else None,
    }


def _act_from(row: Row) -> str | None:
    """The day an invoice's act can be made (its services rendered), or None: no act ever.

    A voided invoice billed nothing and a credit invoice gives days back: neither has one.
    """
    if row["void"] or row["total"] < 0:
        return None
    end = date.fromisoformat(row["period_end"]) if row["period_end"] else None
    return act_day(end, date.fromisoformat(row["issued_on"])).isoformat()


def _cursor(text: str | None) -> str | None:
    """A list's cursor from the query string; a foreign one starts the list again."""
    if not text:
        return None
    try:
        decode_cursor(text)
    except ValueError:
        return None
    return text


def _timeline_start(text: str | None, version: int) -> int:
    """The version after which the shown window of events starts (the latest by default)."""
    if text and VERSION.fullmatch(text):
        return min(int(text), max(version - 1, 0))
    return max(version - PAGE, 0)


def _balance_row(row: Row) -> dict[str, Any]:
    return {"currency": row["currency"], "net": int(row["net"]),
            **{column: int(row[column]) for column in BALANCE_COLUMNS}}


def _day_shown(services: Services, state: Replayed, as_of: AsOf) -> date:
    """The business day a past card stands on: the day asked, or the day a version was recorded.

    Overdue is a matter of that day, as the present card's is of today.
    """
    if as_of.day is not None:
        return as_of.day
    zone = ZoneInfo(services.settings.timezone)
    return max(e.recorded_at for e in state.events).astimezone(zone).date()


def _past_status(invoice: InvoiceState, day: date) -> str:
    """The invoice's status on ``day``, as the register says it (``overdue`` once past due)."""
    if invoice.status in {"issued", "partially_paid"} and invoice.due_on < day:
        return "overdue"
    return invoice.status


def _past_lists(state: Replayed, day: date) -> dict[str, Any]:
    customer_state = state.customer.state
    balances = [
        {"currency": b.currency, "net": b.net_minor,
         **{column: getattr(b, column) for column in BALANCE_COLUMNS}}
        for b in customer_state.balances.values()
    ]
    invoices = [
        {"invoice_id": i.invoice_id, "number": i.number, "issued_on": i.issued_on,
         "due_on": i.due_on, "currency": i.currency, "total": i.total, "paid": i.paid,
         "credited": i.credited, "open": i.open_minor, "status": _past_status(i, day)}
        for i in sorted(customer_state.invoices.values(), key=lambda i: i.number)
    ]
    received = {e.payment_id: e for e in state.events if isinstance(e, PaymentReceived)}
    payments = [
        {"payment_id": p.payment_id, "received_on": p.received_on, "amount": p.amount,
         "currency": p.currency, "unallocated": p.unallocated,
         "reference": received[p.payment_id].reference if p.payment_id in received else "",
         "method": received[p.payment_id].method if p.payment_id in received else ""}
        for p in customer_state.payments.values()
    ]
    timeline = [_past_line(e) for e in reversed(state.events)]
    return {"balances": balances, "invoices": invoices, "invoices_next": None,
            "payments": payments, "payments_next": None, "timeline": timeline,
            "events_earlier": None, "events_later": None}


def _past_line(event: Any) -> dict[str, Any]:
    line = describe(event)
    return {"version": event.originator_version, "recorded_at": event.recorded_at,
            "effective_date": event.meta.effective_date, "actor": event.meta.actor,
            "source": event.meta.source, "reason": event.meta.reason, "summary": line.text,
            "message": line.message, "params": line.encoded(),
            "event_type": type(event).__name__}

