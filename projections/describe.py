"""Plain-language lines for the customer timeline: what happened, in an accountant's words.

``describe(event)`` gives a :class:`~projections.messages.Line`: a message id (the English
template) with typed values, so that each reader sees it in their own language; the
messages are declared below, one constant per wording. A reason, reference or formula the
system wrote itself becomes a line of its own (``projections/system_lines.py``); a person's
words are kept as they were typed.
"""

from __future__ import annotations

from functools import singledispatch
from typing import TYPE_CHECKING, Any

from ledger.customers import billing_events as bev
from ledger.customers import events as ev
from ledger.customers.state import Profile, ServiceStatus
from ledger.money import Money
from projections import describe_collections as collections
from projections.messages import Line, declare
from projections.system_lines import correction, enumeration, said

if TYPE_CHECKING:
    from projections.messages import Value


UNKNOWN = declare("{event_type}")
NOTHING = ""


@singledispatch
def describe(event: Any) -> Line:
    """One line saying what the event means (a generic line for unknown types)."""
    return Line(UNKNOWN, {"event_type": type(event).__name__})


def _reason(event: Any) -> Value:
    return said(event.meta.reason)


REGISTERED = declare("Customer registered: {name}, billed in {currency}")
REGISTERED_INN = declare("Customer registered: {name}, ИНН {inn}, billed in {currency}")


@describe.register
def _(event: ev.CustomerRegistered) -> Line:
    values: dict[str, Value] = {"name": event.name, "currency": event.currency}
    if event.inn:
        return Line(REGISTERED_INN, {**values, "inn": event.inn})
    return Line(REGISTERED, values)


PROFILE_UPDATED = declare("Profile updated: {changes}")
FIELD_CHANGED = declare("{field} → {value}")
PROFILE_FIELDS = {name: declare(name) for name in Profile.model_fields}


@describe.register
def _(event: ev.CustomerProfileUpdated) -> Line:
    changes = tuple(
        Line(FIELD_CHANGED, {"field": Line(PROFILE_FIELDS[k]) if k in PROFILE_FIELDS else k,
                             "value": f"{v}"})
        for k, v in sorted(event.changes.items()))
    return Line(PROFILE_UPDATED, {"changes": changes})


_SUBSCRIBED = ("Subscribed to {tariff_code} v{tariff_version} × {quantity} from {started_on};"
               " first renewal {first_renewal}")
SUBSCRIBED = declare(_SUBSCRIBED)
SUBSCRIBED_TERM = declare(f"{_SUBSCRIBED}, contract ends {{term_end}}")


@describe.register
def _(event: ev.SubscriptionStarted) -> Line:
    values: dict[str, Value] = {
        "tariff_code": event.tariff_code, "tariff_version": event.tariff_version,
        "quantity": event.quantity, "started_on": event.started_on,
        "first_renewal": event.first_renewal}
    if event.term_end:
        return Line(SUBSCRIBED_TERM, {**values, "term_end": event.term_end})
    return Line(SUBSCRIBED, values)


CHARGE = declare("One-off charge recorded for invoicing: {amount} — {description}")


@describe.register
def _(event: ev.ChargeRecorded) -> Line:
    return Line(CHARGE, {"amount": event.amount, "description": event.description})


_ISSUED = "Invoice {number} issued: {total} incl. VAT {vat_total}"
_ISSUED_FOR = ("Invoice {number} issued for {period_start} → {period_end}: {total}"
               " incl. VAT {vat_total}")
INVOICE_DUE = declare(f"{_ISSUED}, due {{due_on}}")
INVOICE_CREDIT_USED = declare(f"{_ISSUED}, {{credit_applied}} paid from credit, due {{due_on}}")
INVOICE_IN_CREDIT = declare(f"{_ISSUED}, a credit of {{credit}} to the customer")
INVOICE_FOR_DUE = declare(f"{_ISSUED_FOR}, due {{due_on}}")
INVOICE_FOR_CREDIT_USED = declare(
    f"{_ISSUED_FOR}, {{credit_applied}} paid from credit, due {{due_on}}")
INVOICE_FOR_IN_CREDIT = declare(f"{_ISSUED_FOR}, a credit of {{credit}} to the customer")


@describe.register
def _(event: bev.InvoiceIssued) -> Line:
    values: dict[str, Value] = {"number": event.number, "total": event.total,
                                "vat_total": event.vat_total}
    period = event.period_start is not None and event.period_end is not None
    if event.period_start is not None and event.period_end is not None:
        values.update(period_start=event.period_start, period_end=event.period_end)
    if event.amount_due.minor < 0:  # nothing is due: the customer gets credit
        message = INVOICE_FOR_IN_CREDIT if period else INVOICE_IN_CREDIT
        return Line(message, {**values, "credit": -event.amount_due})
    values["due_on"] = event.due_on
    if event.credit_applied.minor:
        message = INVOICE_FOR_CREDIT_USED if period else INVOICE_CREDIT_USED
        return Line(message, {**values, "credit_applied": event.credit_applied})
    return Line(INVOICE_FOR_DUE if period else INVOICE_DUE, values)


VOIDED = declare("Invoice {number} voided ({total}) — {reason}")
CREDIT_NOTE = declare("Credit note {number} on invoice {invoice_number}: {total} — {reason}")
CREDIT_NOTE_RELEASING = declare(
    "Credit note {number} on invoice {invoice_number}: {total}; {released} paid on it is"
    " credit again — {reason}")
USAGE = declare("Usage: {quantity} × {component} on {occurred_on}")


@describe.register
def _(event: bev.InvoiceVoided) -> Line:
    return Line(VOIDED, {"number": event.number, "total": event.total,
                         "reason": _reason(event)})


@describe.register
def _(event: bev.CreditNoteIssued) -> Line:
    values: dict[str, Value] = {"number": event.number, "invoice_number": event.invoice_number,
                                "total": event.total, "reason": _reason(event)}
    released = sum(event.released.values()) + event.released_credit
    if not released:
        return Line(CREDIT_NOTE, values)
    return Line(CREDIT_NOTE_RELEASING,
                {**values, "released": Money(released, event.total.currency)})


@describe.register
def _(event: bev.UsageRecorded) -> Line:
    return Line(USAGE, {"quantity": event.quantity, "component": event.component,
                        "occurred_on": event.occurred_on})


_CHANGED = "v{tariff_version} × {quantity} from {effective_on}"
CHANGED = {
    "immediate": declare(f"Subscription change (immediate): {{tariff_code}} {_CHANGED}"),
    "end_of_term": declare(f"Subscription change (end of term): {{tariff_code}} {_CHANGED}"),
}
CHANGED_CORRECTED = {
    "immediate": declare(f"Subscription change (immediate): {{tariff_code}} {_CHANGED};"
                         " corrections: {corrections}"),
    "end_of_term": declare(f"Subscription change (end of term): {{tariff_code}} {_CHANGED};"
                           " corrections: {corrections}"),
}


@describe.register
def _(event: bev.SubscriptionChanged) -> Line:
    values: dict[str, Value] = {
        "tariff_code": event.tariff_code, "tariff_version": event.tariff_version,
        "quantity": event.quantity, "effective_on": event.effective_on}
    corrections = tuple(correction(line.formula, line.amount.currency)
                        for line in event.lines if line.formula)
    if corrections:
        return Line(CHANGED_CORRECTED[event.when],
                    {**values, "corrections": enumeration(corrections)})
    return Line(CHANGED[event.when], values)


PAUSED = declare("Subscription paused from {paused_from}")
RESUMED = declare("Subscription resumed on {resumed_on}")
CANCELLED = {
    "immediate": declare("Subscription cancelled (immediate), service ends {cancel_at}"),
    "end_of_term": declare("Subscription cancelled (end of term), service ends {cancel_at}"),
}


@describe.register
def _(event: bev.SubscriptionPaused) -> Line:
    return Line(PAUSED, {"paused_from": event.paused_from})


@describe.register
def _(event: bev.SubscriptionResumed) -> Line:
    return Line(RESUMED, {"resumed_on": event.resumed_on})


@describe.register
def _(event: bev.SubscriptionCancelled) -> Line:
    return Line(CANCELLED[event.when], {"cancel_at": event.cancel_at})


INDIVIDUAL = declare("Individual condition on {component}: {price}{until}{agreed} — {note}")
INDIVIDUAL_PRICE = declare("price {price}")
INDIVIDUAL_TIERS = declare("own tiers")
UNTIL = declare(" until {until}")
AGREED_BY = declare(", agreed by {agreed_by}")


@describe.register
def _(event: bev.IndividualPriceSet) -> Line:
    price = (Line(INDIVIDUAL_PRICE, {"price": event.price}) if event.price is not None
             else Line(INDIVIDUAL_TIERS))
    return Line(INDIVIDUAL, {
        "component": event.component, "price": price,
        "until": Line(UNTIL, {"until": event.until}) if event.until else NOTHING,
        "agreed": Line(AGREED_BY, {"agreed_by": event.agreed_by}) if event.agreed_by else NOTHING,
        "note": event.note})


DISCOUNT = declare("Discount granted: {size}{scope}{span} ({description})")
PERCENT = declare("{percent} %")
ON_COMPONENT = declare(" on {component}")
FOR_PERIODS = declare(" for {periods} periods")
NO_END_DATE = declare(" with no end date")


@describe.register
def _(event: ev.DiscountGranted) -> Line:
    size: Value = (Line(PERCENT, {"percent": event.percent})
                   if event.kind == "percent" and event.percent is not None
                   else event.amount or NOTHING)
    span = (Line(FOR_PERIODS, {"periods": event.periods}) if event.periods
            else Line(UNTIL, {"until": event.until}) if event.until else Line(NO_END_DATE))
    scope = Line(ON_COMPONENT, {"component": event.component}) if event.component else NOTHING
    return Line(DISCOUNT, {"size": size, "scope": scope, "span": span,
                           "description": said(event.description)})


PAYMENT = declare("Payment received: {amount} on {received_on}{reference}{settles}")
PAYMENT_REFERENCE = declare(", ref {reference}")
PAYMENT_SETTLES = declare(", settles {count} invoice(s)")


@describe.register
def _(event: ev.PaymentReceived) -> Line:
    reference = (Line(PAYMENT_REFERENCE, {"reference": said(event.reference)})
                 if event.reference else NOTHING)
    settles = (Line(PAYMENT_SETTLES, {"count": len(event.allocations)}) if event.allocations
               else NOTHING)
    return Line(PAYMENT, {"amount": event.amount, "received_on": event.received_on,
                          "reference": reference, "settles": settles})


DEBT_RAISED = declare("Adjustment: debt raised by {amount} — {reason}")
DEBT_LOWERED = declare("Adjustment: debt lowered by {amount} — {reason}")
STATUS_CHANGED = declare("Service status: {previous} → {status} ({reason})")
STATUSES = {status: declare(status.value) for status in ServiceStatus}
CLOSED = declare("Customer closed ({reason})")
CLOSED_NO_REASON = declare("Customer closed (no reason given)")


@describe.register
def _(event: ev.AdjustmentRecorded) -> Line:
    message = DEBT_RAISED if event.amount.minor > 0 else DEBT_LOWERED
    return Line(message, {"amount": abs(event.amount), "reason": _reason(event)})


@describe.register
def _(event: ev.ServiceStatusChanged) -> Line:
    return Line(STATUS_CHANGED, {"previous": Line(STATUSES[event.previous]),
                                 "status": Line(STATUSES[event.status]),
                                 "reason": _reason(event)})


@describe.register
def _(event: ev.CustomerClosed) -> Line:
    if event.meta.reason:
        return Line(CLOSED, {"reason": _reason(event)})
    return Line(CLOSED_NO_REASON)


for _event_type, _describer in collections.DESCRIBERS.items():
    describe.register(_event_type, _describer)
