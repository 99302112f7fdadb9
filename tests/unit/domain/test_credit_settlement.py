"""Credit settling open invoices on the Customer aggregate: given events, when, then events.

Given a customer (10-day terms, no VAT) with invoices of 1000.00 RUB; a credit note on a paid
invoice leaves credit, which the same decision allocates to the open invoices oldest due
first (``CreditAllocated``), whatever their numbers say.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from ledger.aggregate import LedgerSnapshot
from ledger.customers import Customer
from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued
from ledger.customers.collections_events import CreditAllocated
from ledger.events import LedgerEvent, Provenance
from ledger.money import Money
from tests.unit.domain.test_collections import no_catalog, replayed

P = Provenance(actor="accountant:anna", source="api", recorded_at=datetime(2026, 2, 1, tzinfo=UTC),
               correlation_id=uuid4(), idempotency_key="k-1")
ON = date(2026, 2, 1)
"""The business date of the credit notes."""


def rub(amount: str) -> Money:
    return Money.parse(amount, "RUB")


def given(issued_on: dict[str, date]) -> tuple[Customer, dict[str, InvoiceIssued]]:
    """A customer with one 1000.00 invoice per id (numbered in the order given)."""
    customer = Customer.register(P, date(2026, 1, 1), external_key="C-1", name="ООО Ромашка",
                                 currency="RUB")
    for n, (invoice_id, day) in enumerate(issued_on.items(), 1):
        customer.record_charge(P, day, charge_id=f"ch-{n}", amount=rub("1000.00"),
                               vat_rate=None, description="Услуги")
        draft = customer.draft_invoice(day, no_catalog)
        assert draft is not None
        customer.issue_invoice(P, draft, invoice_id=invoice_id, number=f"N-{n}")
    invoices = {e.invoice_id: e for e in customer.pending_events if isinstance(e, InvoiceIssued)}
    return customer, invoices


def new_events(customer: Customer, since: int) -> list[LedgerEvent]:
    return [e for e in customer.pending_events[since:] if isinstance(e, LedgerEvent)]


def credit_note_on(customer: Customer, invoice: InvoiceIssued) -> None:
    customer.credit_invoice(P, invoice.invoice_id, list(invoice.lines), credit_note_id="cn-1",
                            number="CN-1", reason="Услуги не оказаны", on=ON)


def test_credit_settles_the_oldest_due_invoice_first_not_the_lowest_number() -> None:
    # N-2 is numbered later but was dated earlier, so it falls due first
    customer, invoices = given({"paid": date(2026, 1, 20), "late": date(2026, 1, 25),
                                "early": date(2026, 1, 5)})
    customer.receive_payment(P, date(2026, 1, 26), payment_id="p-1", amount=rub("1000.00"),
                             invoice_ids=["paid"])
    since = len(customer.pending_events)

    credit_note_on(customer, invoices["paid"])

    note, allocated = new_events(customer, since)
    assert isinstance(note, CreditNoteIssued)
    assert isinstance(allocated, CreditAllocated)
    assert list(allocated.allocations.items()) == [("early", 100000)]
    assert allocated.numbers == {"early": "N-3"}
    assert allocated.meta.effective_date == ON
    assert customer.state.invoices["early"].status == "paid"
    assert customer.state.invoices["late"].open_minor == 100000
    assert customer.state.balances["RUB"].net_minor == 100000


def test_a_credit_note_within_what_its_invoice_has_open_allocates_nothing() -> None:
    customer, invoices = given({"a": date(2026, 1, 5), "b": date(2026, 1, 6)})
    since = len(customer.pending_events)
    credit_note_on(customer, invoices["b"])
    assert [type(e).__name__ for e in new_events(customer, since)] == ["CreditNoteIssued"]
    assert customer.state.invoices["a"].open_minor == 100000


def test_replaying_the_history_gives_the_same_settlement() -> None:
    customer, invoices = given({"paid": date(2026, 1, 5), "open": date(2026, 1, 6)})
    customer.receive_payment(P, date(2026, 1, 7), payment_id="p-1", amount=rub("1000.00"),
                             invoice_ids=["paid"])
    credit_note_on(customer, invoices["paid"])
    live = customer.state.model_dump()
    assert replayed(customer).state.model_dump() == live
    assert live["invoices"]["open"]["paid"] == 100000


def test_a_snapshot_taken_before_credit_allocation_existed_still_loads() -> None:
    customer, _ = given({"a": date(2026, 1, 5)})
    snapshot = LedgerSnapshot.take(customer).model_dump(mode="json")
    del snapshot["state"]["state"]["invoices"]["a"]["credit_allocated"]  # the older shape
    restored = LedgerSnapshot.model_validate(snapshot).mutate(None)
    assert restored.state.invoices["a"].credit_allocated == 0
    assert restored.state.invoices["a"].open_minor == 100000
