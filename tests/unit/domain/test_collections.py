"""Collections on the Customer aggregate, as given/when/then specifications (no database).

Given a customer with invoices of 1000.00 RUB issued on 15 January and due on 25 January.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from ledger.customers import Customer, ServiceStatus
from ledger.customers.collections_events import PaymentReallocated
from ledger.dunning import DEFAULT_TERMS, DunningStep, DunningTerms
from ledger.errors import CurrencyMismatch, InvalidField, NotFound, ReasonRequired
from ledger.events import LedgerEvent, Provenance
from ledger.money import Money

if TYPE_CHECKING:
    from ledger.tariffs import TariffDefinition

P = Provenance(actor="accountant:anna", source="api", recorded_at=datetime(2026, 1, 15, tzinfo=UTC),
               correlation_id=uuid4(), idempotency_key="k-1")
DAY = date(2026, 1, 15)
DUE = date(2026, 1, 25)


def rub(amount: str) -> Money:
    return Money.parse(amount, "RUB")


def no_catalog(code: str, version: int) -> TariffDefinition:
    raise AssertionError(f"no tariffs in this story: {code} v{version}")


def given_invoices(count: int, amount: str = "1000.00", *, keep: bool = False) -> Customer:
    """A customer with ``count`` invoices, numbered N-1 … (ids inv-1 …), all due on DUE.

    Its events so far are collected (forgotten) unless ``keep``.
    """
    customer = Customer.register(P, DAY, external_key="C-1", name="ООО Ромашка", currency="RUB")
    for n in range(1, count + 1):
        customer.record_charge(P, DAY, charge_id=f"ch-{n}", amount=rub(amount), vat_rate=None,
                               description="Услуги")
        draft = customer.draft_invoice(DAY, no_catalog)
        assert draft is not None
        customer.issue_invoice(P, draft, invoice_id=f"inv-{n}", number=f"N-{n}")
    if not keep:
        customer.collect_events()
    return customer


def status_of(customer: Customer) -> ServiceStatus:
    return customer.state.status


def recorded(customer: Customer) -> list[str]:
    return [type(e).__name__ for e in customer.collect_events() if isinstance(e, LedgerEvent)]


def replayed(customer: Customer) -> Customer:
    """The customer's (uncollected) history replayed: what a load from the store does."""
    copy = None
    for event in customer.collect_events():
        copy = event.mutate(copy)
    assert isinstance(copy, Customer)
    return copy


# -- allocation at receipt -------------------------------------------------------------------


def test_a_payment_naming_an_invoice_settles_that_one_and_leaves_the_rest_as_credit() -> None:
    customer = given_invoices(2)
    allocations = customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1500.00"),
                                           invoice_ids=["inv-2"])
    assert allocations == {"inv-2": 100000}
    assert customer.state.invoices["inv-1"].open_minor == 100000
    assert customer.state.payments["p-1"].unallocated == 50000


def test_a_partial_payment_leaves_the_rest_of_the_invoice_open() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("400.00"))
    assert customer.state.invoices["inv-1"].open_minor == 60000
    assert customer.state.invoices["inv-1"].status == "partially_paid"


# -- re-allocation ---------------------------------------------------------------------------


def test_a_reallocation_moves_money_between_invoices_without_changing_the_debt() -> None:
    customer = given_invoices(2)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1000.00"))
    customer.collect_events()
    customer.reallocate_payment(P, DAY, payment_id="p-1", removed={"inv-1": rub("300.00")},
                                added={"inv-2": rub("300.00")}, reason="Клиент указал счёт N-2")
    assert customer.state.payments["p-1"].allocations == {"inv-1": 70000, "inv-2": 30000}
    assert customer.state.invoices["inv-1"].open_minor == 30000
    assert customer.state.invoices["inv-2"].open_minor == 70000
    assert customer.state.balances["RUB"].receivable == rub("1000.00")


def test_an_unallocation_reopens_the_invoice_and_leaves_the_money_unallocated() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1000.00"))
    customer.collect_events()
    customer.reallocate_payment(P, DAY, payment_id="p-1", removed={"inv-1": rub("1000.00")},
                                added={}, reason="Платёж ошибочный")
    (event,) = customer.collect_events()
    assert isinstance(event, PaymentReallocated)
    assert event.meta.reason == "Платёж ошибочный"
    assert event.numbers == {"inv-1": "N-1"}
    assert customer.state.payments["p-1"].allocations == {}
    assert customer.state.payments["p-1"].unallocated == 100000
    assert customer.state.invoices["inv-1"].status == "issued"


def test_a_reallocation_needs_a_reason() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("100.00"))
    with pytest.raises(ReasonRequired):
        customer.reallocate_payment(P, DAY, payment_id="p-1", removed={"inv-1": rub("1.00")},
                                    added={}, reason=" ")


@pytest.mark.parametrize(("removed", "added", "field"), [
    ({"inv-1": "600.00"}, {}, "remove"),                        # it settles only 500.00 there
    ({}, {"inv-2": "600.00"}, "add"),                           # only 500.00 of it is free
    ({"inv-1": "500.00"}, {"inv-2": "1000.01"}, "add"),         # invoice N-2 has 1000.00 open
    ({"inv-1": "100.00"}, {"inv-1": "100.00"}, "add"),          # both ways at once
    ({}, {}, "add"),                                            # nothing to do
])
def test_a_reallocation_never_over_allocates_an_invoice_or_a_payment(
    removed: dict[str, str], added: dict[str, str], field: str
) -> None:
    customer = given_invoices(2)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1000.00"),
                             invoice_ids=["inv-1"])
    customer.reallocate_payment(P, DAY, payment_id="p-1", removed={"inv-1": rub("500.00")},
                                added={}, reason="половина — аванс")
    customer.collect_events()
    with pytest.raises(InvalidField) as caught:
        customer.reallocate_payment(
            P, DAY, payment_id="p-1", removed={i: rub(a) for i, a in removed.items()},
            added={i: rub(a) for i, a in added.items()}, reason="проверка")
    assert caught.value.field == field
    assert customer.pending_events == []


def test_a_reallocation_of_an_unknown_payment_or_invoice_is_not_found() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("100.00"))
    with pytest.raises(NotFound):
        customer.reallocate_payment(P, DAY, payment_id="p-2", removed={}, added={},
                                    reason="нет такого")
    with pytest.raises(NotFound) as caught:
        customer.reallocate_payment(P, DAY, payment_id="p-1", removed={},
                                    added={"inv-9": rub("1.00")}, reason="нет такого")
    assert caught.value.field == "add"


# -- refunds and chargebacks -----------------------------------------------------------------


def test_a_refund_against_a_payment_is_limited_to_its_unallocated_part() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("1500.00"))
    with pytest.raises(InvalidField) as caught:
        customer.refund(P, DAY, refund_id="r-1", amount=rub("500.01"), payment_id="p-1",
                        reason="Переплата")
    assert caught.value.field == "amount"
    customer.refund(P, DAY, refund_id="r-1", amount=rub("500.00"), payment_id="p-1",
                    reason="Переплата")
    assert customer.state.payments["p-1"].unallocated == 0
    assert customer.state.balances["RUB"].refunded == 50000
    assert customer.state.balances["RUB"].credit == rub("0.00")


def test_a_refund_from_credit_takes_the_newest_overpayment_first() -> None:
    customer = given_invoices(0)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("100.00"))
    customer.receive_payment(P, DAY, payment_id="p-2", amount=rub("50.00"))
    sources = customer.refund(P, DAY, refund_id="r-1", amount=rub("120.00"), payment_id=None,
                              reason="Возврат аванса")
    assert sources == {"p-2": 5000, "p-1": 7000}
    with pytest.raises(InvalidField):
        customer.refund(P, DAY, refund_id="r-2", amount=rub("30.01"), payment_id=None,
                        reason="Возврат аванса")


def test_a_refund_needs_a_reason_and_the_customers_currency() -> None:
    customer = given_invoices(0)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("100.00"))
    with pytest.raises(ReasonRequired):
        customer.refund(P, DAY, refund_id="r-1", amount=rub("1.00"), payment_id=None, reason="")
    with pytest.raises(CurrencyMismatch):
        customer.refund(P, DAY, refund_id="r-1", amount=Money(100, "USD"), payment_id="p-1",
                        reason="Возврат")


def test_a_chargeback_takes_the_unallocated_part_first_then_reopens_the_newest_invoice() -> None:
    customer = given_invoices(2)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("2100.00"))
    removed = customer.record_chargeback(P, DAY, chargeback_id="cb-1", payment_id="p-1",
                                         amount=rub("400.00"), reason=None)
    assert removed == {"inv-2": 30000}
    assert customer.state.invoices["inv-1"].open_minor == 0
    assert customer.state.invoices["inv-2"].open_minor == 30000
    assert customer.state.balances["RUB"].receivable == rub("300.00")
    with pytest.raises(InvalidField):
        customer.record_chargeback(P, DAY, chargeback_id="cb-2", payment_id="p-1",
                                   amount=rub("1700.01"), reason=None)


# -- write-offs ------------------------------------------------------------------------------


def test_a_write_off_needs_a_reason_and_an_approver_other_than_the_actor() -> None:
    customer = given_invoices(1)
    with pytest.raises(ReasonRequired):
        customer.write_off(P, DAY, write_off_id="w-1", invoice_id="inv-1", amount=None,
                           reason=None, approver="boris")
    for approver, why in (("", "needs an approver"), ("anna", "someone other"),
                          ("Admin:Anna", "someone other")):
        with pytest.raises(InvalidField) as caught:
            customer.write_off(P, DAY, write_off_id="w-1", invoice_id="inv-1", amount=None,
                               reason="Банкротство", approver=approver)
        assert caught.value.field == "approver"
        assert why in caught.value.detail
    assert customer.pending_events == []


def test_a_write_off_settles_at_most_what_is_open_and_by_default_all_of_it() -> None:
    customer = given_invoices(1)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("250.00"))
    with pytest.raises(InvalidField):
        customer.write_off(P, DAY, write_off_id="w-1", invoice_id="inv-1",
                           amount=rub("750.01"), reason="Банкротство", approver="boris")
    written = customer.write_off(P, DAY, write_off_id="w-1", invoice_id="inv-1", amount=None,
                                 reason="Банкротство", approver="boris")
    assert written == rub("750.00")
    assert customer.state.invoices["inv-1"].status == "written_off"
    assert customer.state.balances["RUB"].written_off == 75000
    assert customer.state.balances["RUB"].receivable == rub("0.00")


# -- dunning ---------------------------------------------------------------------------------


def test_the_default_policy_reminds_at_1_7_14_suspends_at_30_cancels_at_90() -> None:
    assert [(s.days_after_due, s.action) for s in DEFAULT_TERMS.steps] == [
        (1, "remind"), (7, "remind"), (14, "remind"), (30, "suspend"), (90, "cancel")]
    assert DEFAULT_TERMS.version == 0
    assert DEFAULT_TERMS.suspension_days == 30


def test_a_missed_run_takes_every_step_reached_since_the_last_one() -> None:
    assert [n for n, _ in DEFAULT_TERMS.due(days_overdue=20, last_taken=1)] == [2, 3]
    assert DEFAULT_TERMS.due(days_overdue=20, last_taken=14) == []


def test_suspension_past_the_bar_and_reactivation_by_the_payment_in_the_same_decision() -> None:
    customer = given_invoices(1)
    steps = customer.take_dunning_steps(P, DUE + timedelta(days=30), DEFAULT_TERMS, no_catalog)
    assert [s.action for s in steps] == ["remind", "remind", "remind", "suspend"]
    assert status_of(customer) is ServiceStatus.SUSPENDED
    customer.collect_events()
    customer.receive_payment(P, DUE + timedelta(days=31), payment_id="p-1", amount=rub("1000.00"))
    assert recorded(customer) == ["PaymentReceived", "ServiceStatusChanged"]
    assert status_of(customer) is ServiceStatus.ACTIVE


def test_a_payment_that_leaves_an_invoice_overdue_past_the_bar_does_not_reactivate() -> None:
    customer = given_invoices(1)
    customer.take_dunning_steps(P, DUE + timedelta(days=30), DEFAULT_TERMS, no_catalog)
    customer.collect_events()
    customer.receive_payment(P, DUE + timedelta(days=31), payment_id="p-1", amount=rub("999.99"))
    assert recorded(customer) == ["PaymentReceived"]
    assert status_of(customer) is ServiceStatus.SUSPENDED


def test_collections_events_replay_to_the_same_state() -> None:
    customer = given_invoices(2, keep=True)
    customer.receive_payment(P, DAY, payment_id="p-1", amount=rub("2500.00"))
    customer.reallocate_payment(P, DAY, payment_id="p-1", removed={"inv-1": rub("100.00")},
                                added={}, reason="Уточнение")
    customer.refund(P, DAY, refund_id="r-1", amount=rub("200.00"), payment_id=None,
                    reason="Возврат аванса")
    customer.record_chargeback(P, DAY, chargeback_id="cb-1", payment_id="p-1",
                               amount=rub("500.00"), reason="fraud")
    customer.write_off(P, DAY, write_off_id="w-1", invoice_id="inv-1", amount=rub("50.00"),
                       reason="Безнадёжный долг", approver="boris")
    customer.take_dunning_steps(P, DUE + timedelta(days=40), DEFAULT_TERMS, no_catalog)
    assert replayed(customer).state == customer.state


@pytest.mark.parametrize(("steps", "why"), [
    ([(7, "remind"), (7, "suspend")], "ascending"),
    ([(7, "remind"), (3, "remind")], "ascending"),
    ([(10, "suspend"), (20, "suspend")], "one suspend"),
    ([(10, "suspend"), (20, "cancel"), (30, "cancel")], "one cancel"),
    ([(10, "cancel"), (20, "suspend")], "after a suspension"),
    ([(10, "remind"), (20, "cancel")], "after a suspension"),
])
def test_an_incoherent_policy_is_refused(steps: list[tuple[int, str]], why: str) -> None:
    from ledger.dunning import validated

    with pytest.raises(InvalidField) as caught:
        validated([DunningStep.model_validate({"days_after_due": d, "action": a})
                   for d, a in steps])
    assert caught.value.field == "steps"
    assert why in caught.value.detail


def test_a_policy_without_suspension_never_suspends() -> None:
    customer = given_invoices(1)
    terms = DunningTerms(version=1, steps=(DunningStep(days_after_due=5, action="remind"),))
    customer.take_dunning_steps(P, DUE + timedelta(days=200), terms, no_catalog)
    assert status_of(customer) is ServiceStatus.ACTIVE
    assert customer.state.dunning == {"inv-1": 5}


def test_a_closed_customer_is_still_reminded_but_its_status_stays_closed() -> None:
    customer = given_invoices(1)
    customer.close(P, DAY, "Договор расторгнут")
    steps = customer.take_dunning_steps(P, DUE + timedelta(days=95), DEFAULT_TERMS, no_catalog)
    assert [s.action for s in steps] == ["remind", "remind", "remind", "suspend", "cancel"]
    assert status_of(customer) is ServiceStatus.CLOSED
