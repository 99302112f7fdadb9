"""Issuing invoices: draft each customer's due invoice, number them gaplessly, record them.

Shared by every command that issues invoices (a one-off charge billed at once, a bill run).
Numbers come from the series of the invoice date's year and are allocated in the same save
as the invoices, so a failed save leaves no gap. Numbers follow dates: an invoice meant for
a day before one the series already numbered (a missed bill run made late) is dated that
later day (``NumberSeries.dated``); what it bills is still what was due by ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import uuid5

from ledger.errors import LedgerError, NotFound
from ledger.numbering import NumberSeries, series_id_for, series_name

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from commands.runtime import Runtime
    from ledger.customers import Customer
    from ledger.customers.billing import DraftInvoice
    from ledger.events import Provenance


@dataclass(frozen=True)
class IssuedInvoice:
    """What one issued invoice amounted to."""

    customer_id: str
    invoice_id: str
    number: str
    total: str
    currency: str


def open_series(runtime: Runtime, provenance: Provenance, on: date, kind: str) -> NumberSeries:
    """The numbering series of a document kind for ``on``'s year (opened if new)."""
    name = series_name(runtime.invoice_prefix, kind, on.year)
    try:
        return runtime.ledger.load(series_id_for(name), NumberSeries)
    except NotFound:
        return NumberSeries.open(provenance, on, name)


def issue_due_invoices(
    runtime: Runtime, provenance: Provenance, customers: Sequence[Customer], as_of: date,
    skipped: list[tuple[str, str]] | None = None,
) -> tuple[NumberSeries | None, list[IssuedInvoice]]:
    """Issue, for each customer, the invoice of everything due by ``as_of``.

    Args:
        runtime: the ledger and the catalog.
        provenance: who issues, and when.
        customers: the customers to bill (loaded; the invoices are recorded on them).
        as_of: the day billed up to, and the invoice date unless the series already
            numbered a later one (then that one: numbers follow dates).
        skipped: when given, a customer whose billing is refused is listed here (with
            why) instead of raising.

    Returns:
        The series to save with the customers (None if nothing was issued), and the invoices.
    """
    drafts: list[tuple[Customer, DraftInvoice]] = []
    for customer in customers:
        try:
            draft = customer.draft_invoice(as_of, runtime.definition)
        except LedgerError as error:
            if skipped is None:
                raise
            skipped.append((str(customer.id), error.detail))
            continue
        if draft is not None:
            drafts.append((customer, draft))
    if not drafts:
        return None, []
    series = open_series(runtime, provenance, as_of, "invoice")
    placeholders = [f"{customer.id}/{customer.version}" for customer, _ in drafts]
    dated = series.dated(as_of)
    numbers = series.allocate(provenance, dated, placeholders)
    issued = []
    for (customer, draft), number in zip(drafts, numbers, strict=True):
        invoice_id = str(uuid5(customer.id, number))
        customer.issue_invoice(provenance, draft, invoice_id=invoice_id, number=number,
                               today=runtime.clock.today(), issued_on=dated)
        total = draft.result.totals.total
        issued.append(IssuedInvoice(str(customer.id), invoice_id, number,
                                    total.to_decimal_string(), total.currency))
    return series, issued
