"""What each ledger event looks like to a webhook receiver: its type and its ``data``.

Kept apart from the outbox so that the public shape of each type can be read in one
place. Payloads carry ids, dates and amounts (decimal strings beside their currency),
never names or other personal data: a receiver that needs those asks the API.
A ledger event that maps to no type (or to ``None`` here) is not sent anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.customers.billing_events import InvoiceIssued, InvoiceVoided, SubscriptionCancelled
from ledger.customers.collections_events import DebtWrittenOff, DunningStepTaken, RefundIssued
from ledger.customers.events import (
    CustomerClosed,
    CustomerRegistered,
    PaymentReceived,
    ServiceStatusChanged,
    SubscriptionStarted,
)
from ledger.customers.state import ServiceStatus
from ledger.tariffs.aggregate import TariffPublished, TariffVersionPublished
from ledger.webhooks import WebhookEventType as T

if TYPE_CHECKING:
    from collections.abc import Callable

    from ledger.money import Money

Payload = tuple[T, dict[str, Any]]


def money(value: Money) -> dict[str, str]:
    """An amount as the envelope shows it."""
    return {"amount": value.to_decimal_string(), "currency": value.currency}


def _invoice(e: InvoiceIssued) -> Payload:
    return T.INVOICE_ISSUED, {
        "invoice_id": e.invoice_id, "number": e.number, "issued_on": e.issued_on.isoformat(),
        "due_on": e.due_on.isoformat(),
        "period_start": e.period_start.isoformat() if e.period_start else None,
        "period_end": e.period_end.isoformat() if e.period_end else None,
        "total": money(e.total), "vat_total": money(e.vat_total),
        "amount_due": money(e.amount_due),
    }


def _voided(e: InvoiceVoided) -> Payload:
    return T.INVOICE_VOIDED, {"invoice_id": e.invoice_id, "number": e.number,
                              "total": money(e.total), "reason": e.meta.reason}


def _payment(e: PaymentReceived) -> Payload:
    return T.PAYMENT_RECEIVED, {
        "payment_id": e.payment_id, "amount": money(e.amount),
        "received_on": e.received_on.isoformat(), "method": e.method,
        "reference": e.reference, "allocated_to": sorted(e.allocations),
    }


def _refund(e: RefundIssued) -> Payload:
    return T.PAYMENT_REFUNDED, {"refund_id": e.refund_id, "payment_id": e.payment_id,
                                "amount": money(e.amount)}


def _overdue(e: DunningStepTaken) -> Payload:
    return T.DEBT_OVERDUE, {
        "invoice_id": e.invoice_id, "invoice_number": e.invoice_number,
        "due_on": e.due_on.isoformat(), "days_overdue": e.days_overdue, "step": e.step,
        "action": e.action, "open_amount": money(e.open_amount),
    }


def _written_off(e: DebtWrittenOff) -> Payload:
    return T.DEBT_WRITTEN_OFF, {"invoice_id": e.invoice_id,
                                "invoice_number": e.invoice_number, "amount": money(e.amount)}


def _status(e: ServiceStatusChanged) -> Payload | None:
    data = {"status": e.status.value, "previous": e.previous.value}
    if e.status == ServiceStatus.SUSPENDED:
        return T.CUSTOMER_SUSPENDED, data
    if e.previous == ServiceStatus.SUSPENDED and e.status != ServiceStatus.CLOSED:
        return T.CUSTOMER_REACTIVATED, data
    return None


def _registered(e: CustomerRegistered) -> Payload:
    return T.CUSTOMER_REGISTERED, {"external_key": e.external_key, "currency": e.currency}


def _closed(_: CustomerClosed) -> Payload:
    return T.CUSTOMER_CLOSED, {}


def _started(e: SubscriptionStarted) -> Payload:
    return T.SUBSCRIPTION_STARTED, {
        "subscription_id": e.subscription_id, "tariff_code": e.tariff_code,
        "tariff_version": e.tariff_version, "quantity": e.quantity,
        "started_on": e.started_on.isoformat(), "first_renewal": e.first_renewal.isoformat(),
        "term_end": e.term_end.isoformat() if e.term_end else None,
    }


def _cancelled(e: SubscriptionCancelled) -> Payload:
    return T.SUBSCRIPTION_CANCELLED, {"subscription_id": e.subscription_id,
                                      "cancel_at": e.cancel_at.isoformat()}


def _tariff(e: TariffPublished) -> Payload:
    return T.TARIFF_PUBLISHED, {"code": e.code, "version": 1, "name": e.definition.name}


def _tariff_version(e: TariffVersionPublished) -> Payload:
    return T.TARIFF_PUBLISHED, {"code": e.code, "version": e.version,
                                "name": e.definition.name}


PAYLOADS: dict[type[Any], Callable[[Any], Payload | None]] = {
    InvoiceIssued: _invoice,
    InvoiceVoided: _voided,
    PaymentReceived: _payment,
    RefundIssued: _refund,
    DunningStepTaken: _overdue,
    DebtWrittenOff: _written_off,
    ServiceStatusChanged: _status,
    CustomerRegistered: _registered,
    CustomerClosed: _closed,
    SubscriptionStarted: _started,
    SubscriptionCancelled: _cancelled,
    TariffPublished: _tariff,
    TariffVersionPublished: _tariff_version,
}
"""Ledger event class → its webhook type and data."""
_CATALOG: tuple[type[Any], ...] = (TariffPublished, TariffVersionPublished)
CUSTOMER_EVENTS: frozenset[type[Any]] = frozenset(k for k in PAYLOADS if k not in _CATALOG)
"""Events of a customer's book: their envelope names the customer, and they keep its order."""


def payload_of(event: Any) -> Payload | None:
    """The webhook type and data of a ledger event, or None if no receiver hears of it."""
    build = PAYLOADS.get(type(event))
    return build(event) if build is not None else None
