"""The Customer aggregate, as given/when/then specifications (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from ledger.customers import Customer, ServiceStatus, customer_id_for
from ledger.customers.events import CustomerProfileUpdated
from ledger.errors import (
    CurrencyMismatch,
    CustomerClosedError,
    DuplicateId,
    InvalidField,
    ReasonRequired,
)
from ledger.events import GENESIS_HASH, LedgerEvent, Provenance, canonical_hash
from ledger.money import Money

if TYPE_CHECKING:
    from ledger.tariffs import TariffDefinition

P = Provenance(actor="accountant:anna", source="api", recorded_at=datetime(2026, 1, 15, tzinfo=UTC),
               correlation_id=uuid4(), idempotency_key="k-1")
DAY = date(2026, 1, 15)


def collected(customer: Customer) -> list[LedgerEvent]:
    """The events the customer recorded since the last collection."""
    return [e for e in customer.collect_events() if isinstance(e, LedgerEvent)]


def given_customer() -> Customer:
    customer = Customer.register(P, DAY, external_key="C-1", name="ООО Ромашка", currency="RUB")
    collected(customer)
    return customer


def test_the_id_follows_from_the_external_key() -> None:
    customer = Customer.register(P, DAY, external_key="C-1", name="A", currency="RUB")
    assert customer.id == customer_id_for("C-1")
    assert customer.id != customer_id_for("C-2")


def no_catalog(code: str, version: int) -> TariffDefinition:
    raise AssertionError(f"no tariffs in this story: {code} v{version}")


def invoice_charges(customer: Customer, number: str) -> None:
    """Issue the invoice of everything due today (a one-off charge here)."""
    draft = customer.draft_invoice(DAY, no_catalog)
    assert draft is not None
    customer.issue_invoice(P, draft, invoice_id=f"inv-{number}", number=number)


def test_an_invoice_adds_its_total_with_vat_to_what_the_customer_owes() -> None:
    customer = given_customer()
    customer.record_charge(P, DAY, charge_id="ch-1", amount=Money(100000, "RUB"),
                           vat_rate=Decimal(22), description="Услуги")
    assert customer.state.balances.get("RUB") is None  # a charge alone owes nothing yet
    invoice_charges(customer, "LBX-2026-000001")
    invoice = customer.state.invoices["inv-LBX-2026-000001"]
    assert invoice.total == 122000
    assert invoice.due_on == date(2026, 1, 25)
    assert customer.state.balances["RUB"].receivable == Money(122000, "RUB")
    assert customer.state.pending_charges == {}


def test_a_payment_settles_the_oldest_invoice_first() -> None:
    customer = given_customer()
    for n in (1, 2):
        customer.record_charge(P, DAY, charge_id=f"ch-{n}", amount=Money(100000, "RUB"),
                               vat_rate=None, description="Услуги")
        invoice_charges(customer, f"N-{n}")
    allocations = customer.receive_payment(P, DAY, payment_id="p-1",
                                           amount=Money(150000, "RUB"))
    assert allocations == {"inv-N-1": 100000, "inv-N-2": 50000}
    assert customer.state.invoices["inv-N-1"].status == "paid"
    assert customer.state.invoices["inv-N-2"].status == "partially_paid"
    assert customer.state.balances["RUB"].receivable == Money(50000, "RUB")


def test_an_overpayment_becomes_credit() -> None:
    customer = given_customer()
    customer.receive_payment(P, DAY, payment_id="p-1", amount=Money(50000, "RUB"))
    assert customer.state.balances["RUB"].credit == Money(50000, "RUB")
    assert customer.state.balances["RUB"].receivable == Money(0, "RUB")


def test_a_manual_adjustment_needs_a_reason() -> None:
    customer = given_customer()
    with pytest.raises(ReasonRequired):
        customer.record_adjustment(P, DAY, adjustment_id="a-1", amount=Money(100, "RUB"),
                                   reason="  ")
    assert customer.pending_events == []


def test_the_reason_is_kept_on_the_event() -> None:
    customer = given_customer()
    customer.record_adjustment(P, DAY, adjustment_id="a-1", amount=Money(-500, "RUB"),
                               reason="Goodwill: outage on 12 Jan")
    (event,) = collected(customer)
    assert event.meta.reason == "Goodwill: outage on 12 Jan"
    assert event.meta.actor == "accountant:anna"
    assert event.meta.effective_date == DAY
    assert event.meta.idempotency_key == "k-1"


def test_amounts_in_another_currency_are_refused() -> None:
    customer = given_customer()
    with pytest.raises(CurrencyMismatch):
        customer.receive_payment(P, DAY, payment_id="p-1", amount=Money(100, "USD"))


def test_a_payment_id_is_recorded_once() -> None:
    customer = given_customer()
    customer.receive_payment(P, DAY, payment_id="p-1", amount=Money(100, "RUB"))
    with pytest.raises(DuplicateId):
        customer.receive_payment(P, DAY, payment_id="p-1", amount=Money(100, "RUB"))


def test_a_payment_must_be_positive() -> None:
    customer = given_customer()
    with pytest.raises(InvalidField):
        customer.receive_payment(P, DAY, payment_id="p-1", amount=Money(0, "RUB"))


def test_a_closed_customer_records_nothing_more() -> None:
    customer = given_customer()
    customer.close(P, DAY, "Contract terminated")
    assert customer.state.status is ServiceStatus.CLOSED
    with pytest.raises(CustomerClosedError):
        customer.record_charge(P, DAY, charge_id="c", amount=Money(1, "RUB"), vat_rate=None,
                               description="x")


def test_every_event_is_chained_to_the_one_before() -> None:
    customer = Customer.register(P, DAY, external_key="C-1", name="A", currency="RUB")
    customer.receive_payment(P, DAY, payment_id="p-1", amount=Money(100, "RUB"))
    first, second = collected(customer)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert second.hash == canonical_hash(second.model_dump(mode="json"))
    assert customer.last_hash == second.hash


def test_a_profile_update_records_only_real_changes() -> None:
    customer = given_customer()
    assert customer.update_profile(P, DAY, {"name": "ООО Ромашка"}) is False
    assert customer.update_profile(P, DAY, {"name": "ООО Ромашка+", "inn": "7707049388"})
    (event,) = collected(customer)
    assert isinstance(event, CustomerProfileUpdated)
    assert event.changes == {"name": "ООО Ромашка+", "inn": "7707049388"}
    assert customer.state.profile.inn == "7707049388"
