"""Voids, credit notes by lines, refunds and payment ids that would create or hide money.

Given a customer with invoices of 1000.00 RUB (issued 15 January, due 25 January, no VAT),
when a correction would use the same credit or the same line twice, pay back more than the
customer's credit, or let a suspended customer's cleared debt go unnoticed, then the
aggregate refuses it (recording nothing) or records what follows in the same decision.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from ledger.customers import ServiceStatus
from ledger.customers.billing_events import InvoiceIssued, LineRecord
from ledger.dunning import DEFAULT_TERMS
from ledger.errors import InvalidField, Rejected
from ledger.money import Money
from tests.unit.domain.test_collections import (
    DAY,
    DUE,
    P,
    given_invoices,
    no_catalog,
    recorded,
    replayed,
    rub,
)

if TYPE_CHECKING:
    from ledger.customers import Customer


def line(line_id: str, amount: str) -> LineRecord:
    total = rub(amount)
    return LineRecord(line_id=line_id, kind="one_off", description=line_id, amount=total,
                      discount=Money.zero("RUB"), net=total, vat=Money.zero("RUB"), total=total)


def negative_invoice(customer: Customer, invoice_id: str, amount: str) -> None:
    """Given an invoice that came out negative (say, a cancellation credited unused days)."""
    credit = -rub(amount)
    customer.record(InvoiceIssued, P, DAY, invoice_id=invoice_id, number="N-neg", issued_on=DAY,
                    due_on=DUE, lines=[line("unused", f"-{amount}")], subtotal=credit,
                    discount_total=Money.zero("RUB"), vat_total=Money.zero("RUB"), total=credit,
                    credit_applied=Money.zero("RUB"), amount_due=credit)


def suspended(count: int = 1) -> Customer:
    """Given invoices 30 days overdue: the default policy has suspended the customer."""
    customer = given_invoices(count)
    customer.take_dunning_steps(P, DUE + timedelta(days=30), DEFAULT_TERMS, no_catalog)
    assert customer.state.status is ServiceStatus.SUSPENDED
    customer.collect_events()
    return customer


# -- F3: a negative invoice whose credit was used ----------------------------------------------


def test_a_negative_invoice_whose_credit_was_used_cannot_be_voided_behind_an_overpayment() -> None:
    customer = given_invoices(0)
    negative_invoice(customer, "neg", "1600.00")
    customer.record_charge(P, DAY, charge_id="ch-1", amount=rub("1600.00"), vat_rate=None,
                           description="Услуги")
    draft = customer.draft_invoice(DAY, no_catalog)
    assert draft is not None
    assert draft.credit_sources == {"credit": 160000}  # the negative invoice's credit, used
    customer.issue_invoice(P, draft, invoice_id="inv-1", number="N-1")
    customer.receive_payment(P, DAY, payment_id="p-2", amount=rub("1600.00"))  # an overpayment
    customer.collect_events()

    with pytest.raises(Rejected) as caught:
        customer.void_invoice(P, "neg", "Ошибочный счёт", on=DAY)

    assert caught.value.field == "invoice_id"
    assert "only 0.00 RUB of credit no payment holds is left" in caught.value.detail
    assert recorded(customer) == []
    assert customer.state.payments["p-2"].unallocated == 160000  # still the payment's


def test_a_negative_invoice_whose_credit_is_untouched_is_voided() -> None:
    customer = given_invoices(0)
    negative_invoice(customer, "neg", "1600.00")
    customer.receive_payment(P, DAY, payment_id="p-2", amount=rub("100.00"))
    customer.collect_events()
    customer.void_invoice(P, "neg", "Ошибочный счёт", on=DAY)
    assert recorded(customer) == ["InvoiceVoided"]
    assert customer.state.balances["RUB"].credit == rub("100.00")


# -- F4: a line credited once ------------------------------------------------------------------


def test_a_line_already_credited_is_refused_naming_it() -> None:
    customer = given_invoices(1)
    setup = line("setup", "100.00")
    customer.credit_invoice(P, "inv-1", [setup], credit_note_id="cn-1", number="CN-1",
                            reason="Подключение не выполнено", on=DAY)
    customer.collect_events()

    with pytest.raises(InvalidField) as caught:
        customer.credit_invoice(P, "inv-1", [setup, line("other", "50.00")],
                                credit_note_id="cn-2", number="CN-2",
                                reason="Подключение не выполнено", on=DAY)

    assert caught.value.field == "line_ids"
    assert "already credited on invoice N-1: setup" in caught.value.detail
    assert recorded(customer) == []
    assert customer.state.invoices["inv-1"].credited == 10000


def test_the_credited_lines_are_replayed_from_the_notes() -> None:
    customer = given_invoices(1, keep=True)
    customer.credit_invoice(P, "inv-1", [line("setup", "100.00"), line("fee", "300.00")],
                            credit_note_id="cn-1", number="CN-1", reason="Скидка", on=DAY)
    assert customer.state.invoices["inv-1"].credited_lines == {"setup": 10000, "fee": 30000}
    assert replayed(customer).state.model_dump() == customer.state.model_dump()


# -- F5: a credit note or a void that clears the overdue debt ---------------------------------


def test_a_credit_note_that_clears_the_overdue_debt_reactivates_the_customer() -> None:
    customer = suspended()
    today = DUE + timedelta(days=32)
    customer.credit_invoice(P, "inv-1", [line("all", "1000.00")], credit_note_id="cn-1",
                            number="CN-1", reason="Услуги не оказаны", on=today)
    assert recorded(customer) == ["CreditNoteIssued", "ServiceStatusChanged"]
    assert customer.state.status is ServiceStatus.ACTIVE


def test_a_void_that_clears_the_overdue_debt_reactivates_the_customer() -> None:
    customer = suspended()
    customer.void_invoice(P, "inv-1", "Выставлен ошибочно", on=DUE + timedelta(days=32))
    assert recorded(customer) == ["InvoiceVoided", "ServiceStatusChanged"]
    assert customer.state.status is ServiceStatus.ACTIVE


def test_a_back_dated_void_is_judged_on_today() -> None:
    """On its own date nothing was overdue yet; today the other invoice is, past the bar."""
    customer = suspended(2)
    customer.void_invoice(P, "inv-1", "Выставлен ошибочно", on=DAY, today=DUE + timedelta(days=32))
    assert recorded(customer) == ["InvoiceVoided"]  # inv-2 is still overdue past the bar
    assert customer.state.status is ServiceStatus.SUSPENDED


# -- refunds never beyond the credit; the reserved payment id ---------------------------------


def test_a_refund_against_a_payment_is_also_limited_to_the_customer_s_credit() -> None:
    customer = given_invoices(0)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1000.00"))
    customer.record_adjustment(P, DAY, adjustment_id="a-1", amount=rub("300.00"),
                               reason="Пени по договору")  # owed, but on no invoice
    customer.collect_events()
    with pytest.raises(InvalidField) as caught:
        customer.refund(P, DAY, refund_id="r-1", amount=rub("1000.00"), payment_id="p-1",
                        reason="Возврат платежа")
    assert caught.value.field == "amount"
    assert "credit is only 700.00 RUB" in caught.value.detail
    customer.refund(P, DAY, refund_id="r-1", amount=rub("700.00"), payment_id="p-1",
                    reason="Возврат платежа")
    assert customer.state.balances["RUB"].net_minor == 0


def test_no_payment_is_recorded_under_the_name_of_credit_no_payment_holds() -> None:
    customer = given_invoices(0)
    with pytest.raises(InvalidField) as caught:
        customer.receive_payment(P, DAY, payment_id="credit", amount=rub("100.00"))
    assert caught.value.field == "payment_id"
    assert recorded(customer) == []


# -- statuses: debt given up or cancelled is not "paid" ---------------------------------------


def test_statuses_tell_paid_from_credited_and_written_off() -> None:
    customer = given_invoices(4)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1000.00"),
                             invoice_ids=["inv-1"])
    customer.credit_invoice(P, "inv-2", [line("all", "1000.00")], credit_note_id="cn-1",
                            number="CN-1", reason="Услуги не оказаны", on=DAY)
    customer.receive_payment(P, DAY, payment_id="p-2", amount=rub("400.00"),
                             invoice_ids=["inv-3"])
    customer.write_off(P, DAY, write_off_id="w-1", invoice_id="inv-3", amount=None,
                       reason="Банкротство", approver="boris")
    customer.credit_invoice(P, "inv-4", [line("part", "300.00")], credit_note_id="cn-2",
                            number="CN-2", reason="Скидка", on=DAY)
    states = customer.state.invoices
    assert [states[f"inv-{n}"].status for n in range(1, 5)] == [
        "paid", "credited", "written_off", "partially_paid"]
