"""Plain-language lines for the customer timeline: what happened, in an accountant's words."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from ledger.customers import events as ev


@singledispatch
def describe(event: Any) -> str:
    """One line saying what the event means (a generic line for unknown types)."""
    return type(event).__name__


@describe.register
def _(event: ev.CustomerRegistered) -> str:
    inn = f", ИНН {event.inn}" if event.inn else ""
    return f"Customer registered: {event.name}{inn}, billed in {event.currency}"


@describe.register
def _(event: ev.CustomerProfileUpdated) -> str:
    changed = ", ".join(f"{k} → {v}" for k, v in sorted(event.changes.items()))
    return f"Profile updated: {changed}"


@describe.register
def _(event: ev.SubscriptionStarted) -> str:
    term = f", contract ends {event.term_end}" if event.term_end else ""
    return (
        f"Subscribed to {event.tariff_code} v{event.tariff_version} × {event.quantity}"
        f" from {event.started_on}; first renewal {event.first_renewal}{term}"
    )


@describe.register
def _(event: ev.ChargeRecorded) -> str:
    period = f" for {event.period_start} → {event.period_end}" if event.period_start else ""
    vat = f" (VAT {event.vat})" if event.vat.minor else ""
    return f"Charged {event.amount}{vat}: {event.description}{period}"


@describe.register
def _(event: ev.DiscountGranted) -> str:
    size = f"{event.percent} %" if event.kind == "percent" else str(event.amount)
    scope = f" on {event.component}" if event.component else ""
    span = (
        f" for {event.periods} periods" if event.periods
        else f" until {event.until}" if event.until else " with no end date"
    )
    return f"Discount granted: {size}{scope}{span} ({event.description})"


@describe.register
def _(event: ev.PaymentReceived) -> str:
    ref = f", ref {event.reference}" if event.reference else ""
    return f"Payment received: {event.amount} on {event.received_on}{ref}"


@describe.register
def _(event: ev.AdjustmentRecorded) -> str:
    direction = "raised" if event.amount.minor > 0 else "lowered"
    return f"Adjustment: debt {direction} by {abs(event.amount)} — {event.meta.reason}"


@describe.register
def _(event: ev.ServiceStatusChanged) -> str:
    return f"Service status: {event.previous.value} → {event.status.value} ({event.meta.reason})"


@describe.register
def _(event: ev.CustomerClosed) -> str:
    return f"Customer closed ({event.meta.reason or 'no reason given'})"
