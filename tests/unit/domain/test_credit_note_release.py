"""A credit note on a paid invoice releases the money that paid it (given events, when, then).

Given a customer with invoices of 1000.00 RUB (issued 15 January, due 25 January, no VAT),
when a credit note goes beyond what its invoice has open, then the part beyond was paid on
the invoice and is released in the note itself (``CreditNoteIssued.released``): the
payments that settled it, the most recent first, have that money free again, and the open
invoices it then settles become those payments' allocations (``CreditAllocated.payments``).
So the same money never settles the credited invoice and something else: un-allocating,
refunding or charging back the payment follows where its money really is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ledger.customers.billing_events import CreditNoteIssued, LineRecord
from ledger.customers.collections_events import CreditAllocated
from ledger.customers.events import PaymentReceived
from ledger.errors import InvalidField
from ledger.events import LedgerEvent
from ledger.money import Money
from tests.unit.domain.test_collections import DAY, P, given_invoices, no_catalog, replayed, rub

if TYPE_CHECKING:
    from ledger.customers import Customer


def full_note(customer: Customer, invoice_id: str, note_id: str = "cn-1") -> Money:
    """Credit every line of ``invoice_id`` (the lines the command would read from history)."""
    invoice = customer.state.invoices[invoice_id]
    line = _line(f"line-of-{invoice_id}", Money(invoice.total, "RUB"))
    return customer.credit_invoice(P, invoice_id, [line], credit_note_id=note_id,
                                   number=f"CN-{note_id}", reason="Услуги не оказаны", on=DAY)


def _line(line_id: str, total: Money) -> LineRecord:
    return LineRecord(line_id=line_id, kind="one_off", description="Услуги", amount=total,
                      discount=Money.zero("RUB"), net=total, vat=Money.zero("RUB"), total=total)


def events_of(customer: Customer) -> list[LedgerEvent]:
    return [e for e in customer.collect_events() if isinstance(e, LedgerEvent)]


def test_a_full_note_on_a_paid_invoice_frees_the_payment_as_credit() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1000.00"))
    customer.collect_events()

    full_note(customer, "inv-1")

    (note,) = events_of(customer)  # nothing open: the freed money stays on the payment
    assert isinstance(note, CreditNoteIssued)
    assert (note.released, note.released_credit) == ({"p-1": 100000}, 0)
    invoice = customer.state.invoices["inv-1"]
    assert (invoice.paid, invoice.credited, invoice.open_minor) == (0, 100000, 0)
    assert invoice.status == "credited"
    payment = customer.state.payments["p-1"]
    assert (payment.allocations, payment.unallocated) == ({}, 100000)
    assert customer.state.balances["RUB"].credit == rub("1000.00")


def test_the_freed_money_settles_open_invoices_as_the_payment_s_allocation() -> None:
    customer = given_invoices(2)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1000.00"),
                             invoice_ids=["inv-1"])
    customer.collect_events()

    full_note(customer, "inv-1")

    note, allocated = events_of(customer)
    assert isinstance(note, CreditNoteIssued)
    assert note.released == {"p-1": 100000}
    assert isinstance(allocated, CreditAllocated)
    assert allocated.allocations == {"inv-2": 100000}
    assert allocated.payments == {"p-1": {"inv-2": 100000}}
    assert customer.state.payments["p-1"].allocations == {"inv-2": 100000}
    assert [customer.state.invoices[i].paid for i in ("inv-1", "inv-2")] == [0, 100000]


def test_the_most_recent_payment_is_released_first() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("600.00"))
    customer.receive_payment(P, DAY, payment_id="p-2", amount=rub("400.00"))
    customer.collect_events()
    half = _line("half", rub("500.00"))

    customer.credit_invoice(P, "inv-1", [half], credit_note_id="cn-1", number="CN-1",
                            reason="Половина услуг не оказана", on=DAY)

    (note,) = events_of(customer)
    assert isinstance(note, CreditNoteIssued)
    assert note.released == {"p-2": 40000, "p-1": 10000}
    assert customer.state.payments["p-1"].allocations == {"inv-1": 50000}
    assert customer.state.payments["p-2"].unallocated == 40000


def test_a_note_within_what_is_open_releases_nothing() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("400.00"))
    customer.collect_events()

    customer.credit_invoice(P, "inv-1", [_line("part", rub("600.00"))], credit_note_id="cn-1",
                            number="CN-1", reason="Скидка", on=DAY)

    (note,) = events_of(customer)
    assert isinstance(note, CreditNoteIssued)
    assert (note.released, note.released_credit) == ({}, 0)
    assert customer.state.invoices["inv-1"].status == "paid"
    assert customer.state.payments["p-1"].allocations == {"inv-1": 40000}


def test_credit_no_payment_holds_that_paid_the_invoice_is_released_as_such() -> None:
    customer = given_invoices(0)
    customer.record_adjustment(P, DAY, adjustment_id="a-1", amount=rub("-1000.00"),
                               reason="Компенсация за простой")
    customer.record_charge(P, DAY, charge_id="ch-1", amount=rub("1000.00"), vat_rate=None,
                           description="Услуги")
    draft = customer.draft_invoice(DAY, no_catalog)
    assert draft is not None
    assert draft.credit_sources == {"credit": 100000}
    customer.issue_invoice(P, draft, invoice_id="inv-1", number="N-1")
    customer.collect_events()

    full_note(customer, "inv-1")

    (note,) = events_of(customer)
    assert isinstance(note, CreditNoteIssued)
    assert (note.released, note.released_credit) == ({}, 100000)
    assert customer.state.invoices["inv-1"].paid == 0
    assert customer.state.credit_no_payment_holds("RUB") == 100000


def test_a_chargeback_after_the_note_reopens_the_invoice_the_money_settles() -> None:
    customer = given_invoices(2)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1000.00"),
                             invoice_ids=["inv-1"])
    full_note(customer, "inv-1")
    customer.collect_events()

    reopened = customer.record_chargeback(P, DAY, chargeback_id="cb-1", payment_id="p-1",
                                          amount=rub("1000.00"), reason="fraud")

    assert reopened == {"inv-2": 100000}
    assert customer.state.invoices["inv-2"].open_minor == 100000
    assert customer.state.invoices["inv-1"].open_minor == 0
    assert customer.state.balances["RUB"].net_minor == 100000  # = what is open


def test_the_freed_money_is_refunded_once_and_cannot_be_freed_again() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1000.00"))
    full_note(customer, "inv-1")
    sources = customer.refund(P, DAY, refund_id="r-1", amount=rub("1000.00"), payment_id=None,
                              reason="Возврат кредита")
    assert sources == {"p-1": 100000}
    customer.collect_events()

    with pytest.raises(InvalidField) as unallocation:
        customer.reallocate_payment(P, DAY, payment_id="p-1", removed={"inv-1": rub("1000.00")},
                                    added={}, reason="Снять распределение")
    with pytest.raises(InvalidField) as refund:
        customer.refund(P, DAY, refund_id="r-2", amount=rub("1000.00"), payment_id="p-1",
                        reason="Возврат платежа")

    assert unallocation.value.field == "remove"
    assert refund.value.field == "amount"
    assert events_of(customer) == []


def test_replaying_the_history_gives_the_same_release_and_allocations() -> None:
    customer = given_invoices(2, keep=True)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1500.00"),
                             invoice_ids=["inv-1"])
    full_note(customer, "inv-1")
    live = customer.state.model_dump()
    assert replayed(customer).state.model_dump() == live
    assert live["payments"]["p-1"]["allocations"] == {"inv-2": 100000}


# -- histories recorded before the release ------------------------------------------------


def test_a_note_recorded_before_the_release_replays_as_it_was() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1000.00"))
    line = _line("all", rub("1000.00"))
    customer.record(CreditNoteIssued, P, DAY, "Услуги не оказаны", credit_note_id="cn-old",
                    number="CN-1", invoice_id="inv-1", invoice_number="N-1", lines=[line],
                    vat_total=Money.zero("RUB"), total=rub("1000.00"))  # no `released`
    invoice = customer.state.invoices["inv-1"]
    assert (invoice.paid, invoice.credited) == (100000, 100000)  # as it always replayed
    assert customer.state.payments["p-1"].allocations == {"inv-1": 100000}
    customer.refund(P, DAY, refund_id="r-1", amount=rub("1000.00"), payment_id=None,
                    reason="Возврат кредита")
    customer.collect_events()

    # the payment's money on that invoice is credit already: it is not freed a second time
    with pytest.raises(InvalidField) as caught:
        customer.reallocate_payment(P, DAY, payment_id="p-1", removed={"inv-1": rub("1000.00")},
                                    added={}, reason="Снять распределение")

    assert caught.value.field == "remove"
    assert "already the customer's credit" in caught.value.detail
    assert events_of(customer) == []


def test_an_earlier_payment_recorded_under_the_reserved_name_keeps_its_credit_sources() -> None:
    """A payment named ``credit`` (before the name was reserved) and credit no payment holds."""
    customer = given_invoices(0)
    customer.record(PaymentReceived, P, DAY, payment_id="credit", amount=rub("100.00"),
                    received_on=DAY)  # as an older history may hold it
    customer.record_adjustment(P, DAY, adjustment_id="a-1", amount=rub("-900.00"),
                               reason="Компенсация за простой")
    customer.record_charge(P, DAY, charge_id="ch-1", amount=rub("1000.00"), vat_rate=None,
                           description="Услуги")

    draft = customer.draft_invoice(DAY, no_catalog)

    assert draft is not None
    assert draft.credit_sources == {"credit": 100000}  # 100.00 + 900.00, none lost
