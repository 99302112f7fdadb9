"""What LBX writes itself reads back as messages; what a person typed stays as typed.

The ledger writes its reasons, references and formulas in English from the templates of
``ledger/system_texts.py`` and ``ledger/banking_reasons.py``; ``projections/system_lines.py``
and ``bank_reasons.py`` recognise them as declared messages with typed values. Written out
again in the ledger's own way (English, its number formats), each is exactly the stored
text — for texts the code wrote by hand before the templates existed too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from ledger.banking import NOT_OUR_ACCOUNT, payment_reference
from ledger.banking_match import grouped, match_line
from ledger.banking_reasons import BOOK_REFUSED
from ledger.errors import CurrencyMismatch, CustomerClosedError
from ledger.money import Money
from ledger.periods import Interval
from ledger.proration import plan_change_lines, signed
from ledger.system_texts import (
    COUPON,
    DEBT_SETTLED,
    DUNNING_CANCELLATION,
    DUNNING_STEP,
    DUNNING_SUSPENSION,
    REMAINING_PART_LINE,
    UNPAID_CREDIT,
    UNUSED_PART_LINE,
)
from projections import queries
from projections.bank_reasons import bank_reason
from projections.messages import MESSAGES, PLAIN, Line, render
from projections.runner import ProjectionRunner
from projections.system_lines import correction, said
from projections.timeline import CustomerTimeline, params_of
from tests.support.collections import dun, invoice_due
from tests.support.dsl import register
from tests.unit.test_bank_matching import INVOICE_12, LINE, LUTIK, ROMASHKA, ROMASHKA_SOUTH, Book

if TYPE_CHECKING:
    from api.bootstrap import Services
    from projections.messages import Value


def _same(text: str) -> str:
    return text


def _written(value: Value, money: Any = None) -> str:
    """``value`` written as the ledger writes it (English; money as ``money`` says)."""
    assert isinstance(value, Line), f"not recognised: {value!r}"
    assert value.message in MESSAGES
    style = replace(PLAIN, money=money) if money else PLAIN
    return render(value.message, value.encoded(), style)


SYSTEM_TEXTS = [
    DUNNING_STEP.write(version=2, step=1, action="remind", days_after_due=3),
    DUNNING_STEP.write(version=2, step=3, action="suspend", days_after_due=20),
    DUNNING_STEP.write(version=2, step=4, action="cancel", days_after_due=45),
    DUNNING_SUSPENSION.write(number="LBX-2026-000001", days=31, bar=30),
    DEBT_SETTLED.write(bar=30),
    DUNNING_CANCELLATION.write(),
    payment_reference("17", date(2026, 1, 12)),
    payment_reference(" ", date(2026, 1, 12)),
    COUPON.write(code="WELCOME"),
    UNPAID_CREDIT.write(number="LBX-2026-000009", charged="LBX-2026-000003, LBX-2026-000005"),
    UNUSED_PART_LINE.write(plan="Старт", start="2026-01-16", end="2026-02-01"),
    REMAINING_PART_LINE.write(plan="Про", start="2026-01-16", end="2026-02-01"),
]
RELEASE_1 = [
    "dunning policy v1, step 2: remind 7 days after due",
    "dunning: invoice LBX-2026-000007 overdue 45 days (suspension at 30)",
    "debt settled: no invoice overdue 30 days or more",
    "dunning: cancelled for non-payment",
    "bank document №17 of 2026-01-12",
    "bank document of 2026-01-12",
    "Coupon SPRING",
    "Tariff A: unused part 2026-01-16 → 2026-02-01",
    "not_a_duplicate: another payment than bank:0f3c of 2026-01-12 from the bank statement,"
    " of the same amount",  # as commands/record_payment.py writes it
]
"""Texts as the code wrote them by hand before they had templates, character for character."""
TYPED = ["По письму клиента", "dunning: по звонку клиента", "Coupon", "bank document №17",
         "dunning policy v1, step 1: warn 3 days after due", "debt settled: by phone"]
"""A person's reasons and descriptions, some of them like the system's."""


@pytest.mark.parametrize("text", SYSTEM_TEXTS + RELEASE_1)
def test_a_system_text_reads_back_as_a_declared_message_that_writes_it_again(text: str) -> None:
    assert _written(said(text)) == text


@pytest.mark.parametrize("text", TYPED)
def test_a_person_s_words_are_kept_as_typed(text: str) -> None:
    assert said(text) == text
    assert bank_reason(text, "RUB") == text


def test_values_are_typed_numbers_and_dates() -> None:
    step = said("dunning policy v1, step 2: remind 7 days after due")
    reference = said("bank document №17 of 2026-01-12")

    assert isinstance(step, Line)
    assert step.encoded() == {"version": 1, "step": 2, "days_after_due": 7}
    assert isinstance(reference, Line)
    assert reference.encoded() == {"number": "17",
                                   "booked_on": {"type": "date", "value": "2026-01-12"}}


def test_a_correction_s_formula_keeps_its_amounts_as_money() -> None:
    credit, charge = plan_change_lines(
        Money.parse("1000.00", "RUB"), Money.parse("1500.00", "RUB"), date(2026, 1, 16),
        Interval(date(2026, 1, 1), date(2026, 1, 31)), old_label="Tariff A",
        new_label="Tariff B × 2")

    read = correction(credit.formula, "RUB")

    assert isinstance(read, Line)
    assert read.params == {"amount": Money(-50000, "RUB"), "price": Money(100000, "RUB"),
                           "days": 15, "period_days": 30, "plan": "Tariff A"}
    as_formulas = _money_as(signed)
    for formula in (credit.formula, charge.formula,
                    "−500.00 = 1000.00 × 15/30, unused part of Tariff A"):  # release 1
        assert _written(correction(formula, "RUB"), as_formulas) == formula
    other = "7.24 = 24.95 × 9/31, 2021-09-16 → 2021-09-25"
    assert correction(other, "RUB") == other


def _money_as(write: Any) -> Any:
    return lambda minor, currency: write(Money(minor, currency))


def _reasons() -> list[str]:
    """What the matcher writes for each outcome (the cases of ``test_bank_matching``)."""
    no_kpp = replace(LINE, counterparty_kpp=None)
    stranger = replace(LINE, counterparty_inn="5000000000")
    both = {"7707049388": [ROMASHKA, ROMASHKA_SOUTH]}
    found = match_line(LINE, Book({"7707049388": [ROMASHKA]}, [INVOICE_12]))
    return [
        found.reason,
        found.refused(BOOK_REFUSED.write(detail=CustomerClosedError(customer="K-1").detail))
        .reason,
        found.refused(BOOK_REFUSED.write(detail=CurrencyMismatch(expected="RUB",
                                                                  got="EUR").detail)).reason,
        found.held_as_duplicate("pp-17", date(2026, 1, 10)).reason,
        match_line(replace(no_kpp, purpose="Оплата"), Book(both)).reason,
        match_line(replace(LINE, purpose="Оплата"), Book(both)).reason,
        match_line(no_kpp, Book({"7707049388": [LUTIK]}, [INVOICE_12])).reason,
        match_line(stranger, Book(invoices=[INVOICE_12])).reason,
        match_line(replace(stranger, amount=Money.parse("100.00", "RUB")),
                   Book(invoices=[INVOICE_12])).reason,
        match_line(replace(LINE, purpose="Оплата по договору"), Book()).reason,
        match_line(replace(LINE, counterparty_inn=None), Book()).reason,
        match_line(replace(LINE, amount=Money.parse("100.00", "EUR")),
                   Book({"7707049388": [ROMASHKA]})).reason,
        match_line(replace(no_kpp, purpose="Оплата за услуги"),
                   Book({"7707049388": [ROMASHKA]}, [INVOICE_12])).reason,
    ]


def test_every_match_reason_reads_back_clause_by_clause() -> None:
    reasons = _reasons()

    assert len(set(reasons)) == len(reasons)
    for reason in reasons:
        assert _written(bank_reason(reason, "RUB"), _money_as(grouped)) == reason


def test_a_refusal_of_the_book_is_read_as_the_ledger_s_error() -> None:
    refused = BOOK_REFUSED.write(detail=CustomerClosedError(customer="K-1").detail)
    reason = f"ИНН 1 matches A; {refused}"

    read = bank_reason(reason, "RUB")

    assert isinstance(read, Line)
    refusal = read.params["rest"]
    assert isinstance(refusal, Line)
    detail = refusal.params["detail"]
    assert isinstance(detail, Line)
    assert (detail.message, detail.params) == (CustomerClosedError.template, {"customer": "K-1"})


def test_the_classifier_s_words_are_messages() -> None:
    for word in ("incoming payment", "outgoing", "bank fee", "internal transfer",
                 "zero amount", NOT_OUR_ACCOUNT):
        assert _written(bank_reason(word, "RUB")) == word


# -- the timeline view --------------------------------------------------------------------

DUE = date(2026, 1, 25)


def suspended(services: Services) -> str:
    """A customer suspended by dunning 31 days after the due date; its id."""
    customer = register(services)
    invoice_due(services, customer, DUE)
    dun(services, customer, date(2026, 2, 25))
    services.runner.catch_up()
    return str(customer)


def status_line(services: Services, customer: str) -> dict[str, Any]:
    (row,) = [r for r in queries.timeline(services.store, customer).items
              if r["event_type"] == "ServiceStatusChanged"]
    return dict(row)


def test_the_timeline_keeps_a_system_reason_as_a_nested_message(services: Services) -> None:
    row = status_line(services, suspended(services))

    assert row["summary"] == ("Service status: active → suspended (dunning: invoice"
                              " LBX-2026-000001 overdue 31 days (suspension at 30))")
    assert params_of(row["params"])["reason"] == {
        "type": "message",
        "message": "dunning: invoice {number} overdue {days} days (suspension at {bar})",
        "params": {"number": "LBX-2026-000001", "days": 31, "bar": 30}}
    assert row["reason"] == "dunning: invoice LBX-2026-000001 overdue 31 days (suspension at 30)"


def test_a_timeline_of_revision_1_is_replayed_with_nested_reasons(services: Services) -> None:
    customer = suspended(services)
    old = status_line(services, customer)
    with services.store.transaction() as tx:  # the line as revision 1 stored it
        tx.execute("UPDATE view_timeline SET params = :params WHERE customer_id = :cid"
                   " AND version = :version",
                   {"params": '{"previous":{"type":"message","message":"active","params":{}},'
                              '"reason":"' + str(old["reason"]) + '",'
                              '"status":{"type":"message","message":"suspended","params":{}}}',
                    "cid": customer, "version": old["version"]})
        tx.execute("UPDATE lbx_schema SET fingerprint = 'revision 1'"
                   " WHERE projection = 'timeline'")

    upgraded = ProjectionRunner(services.ledger, services.store, [CustomerTimeline()])
    upgraded.setup()
    upgraded.catch_up()

    assert status_line(services, customer) == old
