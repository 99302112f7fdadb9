"""The payment book: a snapshot keeps payments as compact rows, and nothing else notices.

Given a customer with two invoices of 1000.00 RUB and payments that settle, overpay and are
refunded, the state rebuilt from its snapshot equals the state its events add up to, dumps
exactly as a plain dict of payments did, and a copy never shares a payment that can change.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from uuid import uuid4

import orjson

from ledger.aggregate import LedgerSnapshot
from ledger.customers import Customer
from ledger.customers.payment_book import PaymentBook, PaymentState
from ledger.events import Provenance
from ledger.money import Money

if TYPE_CHECKING:
    from ledger.tariffs import TariffDefinition

P = Provenance(actor="accountant:anna", source="api", recorded_at=datetime(2026, 1, 15, tzinfo=UTC),
               correlation_id=uuid4(), idempotency_key="k-1")
DAY = date(2026, 1, 15)


def rub(amount: str) -> Money:
    return Money.parse(amount, "RUB")


def no_catalog(code: str, version: int) -> TariffDefinition:
    raise AssertionError(f"no tariffs in this story: {code} v{version}")


def a_customer_with_history() -> Customer:
    customer = Customer.register(P, DAY, external_key="C-1", name="ООО Ромашка", currency="RUB")
    for n in (1, 2):
        customer.record_charge(P, DAY, charge_id=f"ch-{n}", amount=rub("1000.00"),
                               vat_rate=None, description="Услуги")
        draft = customer.draft_invoice(DAY, no_catalog)
        assert draft is not None
        customer.issue_invoice(P, draft, invoice_id=f"inv-{n}", number=f"N-{n}")
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1500.00"))
    customer.receive_payment(P, DAY, payment_id="p-2", amount=rub("800.00"))
    customer.refund(P, DAY, refund_id="r-1", amount=rub("100.00"), payment_id="p-2",
                    reason="Переплата")
    customer.collect_events()
    return customer


def through_a_snapshot(customer: Customer) -> Customer:
    """What a cold load from a snapshot of ``customer`` gives (stored bytes and back)."""
    stored = orjson.dumps(LedgerSnapshot.take(customer).model_dump(mode="json"))
    restored = LedgerSnapshot.model_validate(orjson.loads(stored)).mutate(None)
    assert isinstance(restored, Customer)
    return restored


def test_a_snapshot_stores_each_payment_as_one_compact_row() -> None:
    customer = a_customer_with_history()
    rows = LedgerSnapshot.take(customer).state["state"]["payments"]
    assert rows == {"p-1": '150000 2026-01-15 RUB 0 {"inv-1":100000,"inv-2":50000}',
                    "p-2": '80000 2026-01-15 RUB 10000 {"inv-2":50000}'}


def test_the_state_from_a_snapshot_equals_the_state_the_events_add_up_to() -> None:
    customer = a_customer_with_history()
    restored = through_a_snapshot(customer)
    assert restored.state == customer.state
    assert restored.state.payments["p-2"].unallocated == 20000
    assert list(restored.state.payments) == ["p-1", "p-2"]


def test_payments_read_from_a_snapshot_are_built_only_when_looked_at() -> None:
    restored = through_a_snapshot(a_customer_with_history())
    book = restored.state.payments
    assert "p-1" in book
    assert "p-9" not in book
    assert not book._built
    assert book["p-1"].allocations == {"inv-1": 100000, "inv-2": 50000}
    assert book._built == {"p-1"}


def test_looking_for_payments_of_an_amount_builds_only_those() -> None:
    restored = through_a_snapshot(a_customer_with_history())
    book = restored.state.payments

    found = list(book.of_amount(80000, "RUB", ["p-1", "p-2"]))

    assert [p.payment_id for p in found] == ["p-2"]
    assert book._built == {"p-2"}
    assert list(book.of_amount(80000, "USD", book)) == []
    assert list(book.of_amount(80000, "RUB", ["p-1"])) == []
    older = PaymentBook._validate({"p-3": {"payment_id": "p-3", "amount": 80000,
                                           "currency": "RUB", "received_on": "2026-01-15"}})
    assert [p.payment_id for p in older.of_amount(80000, "RUB", older)] == ["p-3"]


def test_finding_the_payments_on_an_invoice_builds_only_those() -> None:
    restored = through_a_snapshot(a_customer_with_history())
    book = restored.state.payments  # p-1 settles inv-1 and half of inv-2, p-2 the rest

    assert [p.payment_id for p in book.allocated_to("inv-1")] == ["p-1"]
    assert book._built == {"p-1"}
    assert [p.payment_id for p in book.allocated_to("inv-2")] == ["p-1", "p-2"]
    assert list(book.allocated_to("inv-9")) == []


def test_a_payment_read_from_a_snapshot_changes_like_any_other() -> None:
    restored = through_a_snapshot(a_customer_with_history())
    restored.reallocate_payment(P, DAY, payment_id="p-1", removed={"inv-2": rub("500.00")},
                                added={}, reason="Клиент указал счёт N-1")
    again = through_a_snapshot(restored)
    assert again.state.payments["p-1"].allocations == {"inv-1": 100000}
    assert again.state.invoices["inv-2"].open_minor == 50000


def test_every_other_dump_shows_full_payments_as_before() -> None:
    customer = a_customer_with_history()
    dumped = customer.state.model_dump(mode="json")["payments"]
    assert dumped["p-2"] == {"payment_id": "p-2", "amount": 80000, "currency": "RUB",
                             "received_on": "2026-01-15", "allocations": {"inv-2": 50000},
                             "refunded": 10000}
    restored = through_a_snapshot(customer)
    # compared as Python values: sets (charge ids, usage ids) have no order to preserve
    assert restored.state.model_dump() == customer.state.model_dump()


def test_a_snapshot_taken_before_rows_existed_still_loads() -> None:
    customer = a_customer_with_history()
    snapshot = LedgerSnapshot.take(customer).model_dump(mode="json")
    snapshot["state"]["state"] = customer.state.model_dump(mode="json")  # full dicts
    restored = LedgerSnapshot.model_validate(snapshot).mutate(None)
    assert restored.state == customer.state


def test_a_copy_shares_no_payment_that_can_change() -> None:
    restored = through_a_snapshot(a_customer_with_history())
    restored.state.payments["p-1"].refunded = 1
    duplicate = copy.deepcopy(restored.state.payments)
    duplicate["p-1"].refunded = 2
    duplicate["p-2"].refunded = 3  # built in the copy only
    assert (restored.state.payments["p-1"].refunded, restored.state.payments["p-2"].refunded) \
        == (1, 10000)


def test_a_book_built_in_python_keeps_its_own_copies() -> None:
    payment = PaymentState(payment_id="p-1", amount=100, currency="RUB", received_on=DAY)
    book = PaymentBook._validate({"p-1": payment})
    book["p-1"].refunded = 50
    assert payment.refunded == 0
    assert book == {"p-1": payment.model_copy(update={"refunded": 50})}
