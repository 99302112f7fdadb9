"""The choices the card's action forms offer: tariffs, subscriptions, components, invoices.

Read from the tariff catalog view and the customer's replayed state, so a form never offers
a subscription that has ended, a component its tariff does not have, an invoice that can no
longer be voided or a line a credit note has already credited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued
from projections import queries

if TYPE_CHECKING:
    from collections.abc import Sequence

    from api.bootstrap import Services


def form_options(services: Services, customer: Any) -> dict[str, Any]:
    """Select options and defaults for the action forms of ``customer``."""
    catalog = queries.tariffs(services.store)
    latest: dict[str, dict[str, Any]] = {}
    for row in catalog:  # newest version first per code
        latest.setdefault(row["code"], row)
    state = customer.state
    live = [s for s in state.subscriptions.values() if s.status != "cancelled"]
    components: dict[str, str] = {}
    for sub in live:
        for row in catalog:
            if row["code"] == sub.tariff_code and row["version"] == sub.tariff_version:
                for component in row["definition"].get("components", []):
                    components.setdefault(component["code"], component.get("name", ""))
    return {
        "tariff_options": [
            (code, f"{row['name']} ({code}, v{row['version']}, {row['currency']})")
            for code, row in sorted(latest.items())
        ],
        "subscription_options": [
            (s.subscription_id, f"{s.tariff_code} v{s.tariff_version} × {s.quantity}"
             f" · {s.status} · {s.subscription_id[:8]}")
            for s in live
        ],
        "paused_options": [
            (s.subscription_id, f"{s.tariff_code} × {s.quantity} · {s.subscription_id[:8]}")
            for s in live if s.status == "paused"
        ],
        "component_options": sorted(components.items()),
        "today": services.runtime.clock.today().isoformat(),
        "currency": state.profile.currency,
    }


def invoice_options(customer: Any, events: Sequence[Any]) -> dict[str, Any]:
    """The invoices the void and credit-note forms offer, newest first.

    A void is offered for an invoice nothing has settled (paid, credited, written off, or
    its credit used), as ``VoidInvoice`` allows; a credit note for an invoice not void with
    lines no earlier note credited, each line offered on its own (a line is credited whole
    and at most once). Amounts are minor units, formatted by the template.
    """
    invoices = customer.state.invoices
    credited: set[tuple[str, str]] = {
        (event.invoice_id, line.line_id)
        for event in events if isinstance(event, CreditNoteIssued) for line in event.lines}
    voidable, creditable = [], []
    for event in reversed(events):
        if not isinstance(event, InvoiceIssued) or event.invoice_id not in invoices:
            continue
        invoice = invoices[event.invoice_id]
        if invoice.void:
            continue
        entry = {"invoice_id": invoice.invoice_id, "number": invoice.number,
                 "total": invoice.total, "currency": invoice.currency}
        if not (invoice.paid or invoice.credited or invoice.written_off
                or invoice.credit_allocated):
            voidable.append(entry)
        left = [{"line_id": line.line_id, "description": line.description,
                 "total": line.total.minor}
                for line in event.lines if (event.invoice_id, line.line_id) not in credited]
        if left and invoice.total > invoice.credited + invoice.written_off:
            creditable.append({**entry, "lines": left})
    return {"void_invoices": voidable, "credit_invoices": creditable}
