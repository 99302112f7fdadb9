"""Given a plan or quantity change, when billed around it, then each day pays the plan in force."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.billing import change_plan
from ledger.errors import Rejected
from ledger.periods import PeriodUnit

from .builders import Book, amounts, flat, metered, per_unit, spans, subscription, tariff, usd, used

APR, MAY, JUN = date(2024, 4, 1), date(2024, 5, 1), date(2024, 6, 1)


def test_a_change_dated_before_the_subscription_began_is_rejected() -> None:
    terms = subscription(tariff(flat("10")), APR)
    with pytest.raises(Rejected) as refused:
        change_plan(terms, tariff(flat("20")), 1, date(2024, 3, 31), "immediate")
    assert refused.value.field == "effective_date"


def test_a_change_to_another_billing_period_is_rejected() -> None:
    terms = subscription(tariff(flat("10")), APR)
    yearly = tariff(flat("100"), unit=PeriodUnit.YEAR)
    with pytest.raises(Rejected) as refused:
        change_plan(terms, yearly, 1, APR, "immediate")
    assert refused.value.field == "period_unit"


def test_the_preview_is_the_change() -> None:
    terms = subscription(tariff(flat("10")), APR, billed_until=MAY)
    preview = change_plan(terms, tariff(flat("20")), 1, date(2024, 4, 16), "immediate")
    assert preview == change_plan(terms, tariff(flat("20")), 1, date(2024, 4, 16), "immediate")
    assert [line.amount for line in preview.lines] == [usd("-5"), usd("10")]


def test_an_immediate_change_in_arrears_splits_the_period_between_the_plans() -> None:
    book = Book.of(subscription(tariff(flat("30.00"), timing="in_arrears"), APR))
    new = tariff(flat("60.00"), timing="in_arrears", name="Pro")
    change = change_plan(book.terms, new, 1, date(2024, 4, 11), "immediate")
    assert change.lines == ()
    book.replace_terms(change.new_terms)

    used_part = book.bill(date(2024, 4, 11))
    assert amounts(used_part) == ["10.00"]
    assert used_part.lines[0].formula == "10.00 = 30.00 × 10/30"
    rest = book.bill(MAY)
    assert (amounts(rest), spans(rest)) == (["40.00"], ["2024-04-11 → 2024-05-01"])
    assert book.terms.pending is None
    assert book.terms.definition.name == "Pro"
    assert amounts(book.bill(JUN)) == ["60.00"]


def test_an_end_of_term_change_in_arrears_bills_the_old_price_for_the_current_period() -> None:
    book = Book.of(subscription(tariff(flat("30.00"), timing="in_arrears"), APR))
    change = change_plan(
        book.terms, tariff(flat("60.00"), timing="in_arrears"), 1, date(2024, 4, 11), "end_of_term"
    )
    assert change.effective_on == MAY
    book.replace_terms(change.new_terms)
    assert amounts(book.bill(MAY)) == ["30.00"]
    assert amounts(book.bill(JUN)) == ["60.00"]


def test_usage_before_an_immediate_change_is_priced_by_the_old_plan() -> None:
    book = Book.of(subscription(tariff(metered(per_unit("0.10"))), APR))
    book.record_usage(used("u1", date(2024, 4, 10), 100), used("u2", date(2024, 4, 20), 100))
    change = change_plan(
        book.terms, tariff(metered(per_unit("0.05"))), 1, date(2024, 4, 16), "immediate"
    )
    book.replace_terms(change.new_terms)
    april = book.bill(MAY)
    assert amounts(april) == ["10.00", "5.00"]
    assert spans(april) == ["2024-04-01 → 2024-04-16", "2024-04-16 → 2024-05-01"]


def test_a_change_during_a_trial_invoices_nothing_and_bills_the_new_price_after_it() -> None:
    book = Book.of(subscription(tariff(flat("30.00")), APR, trial_end=date(2024, 4, 15)))
    book.bill(APR)
    change = change_plan(book.terms, tariff(flat("60.00")), 1, date(2024, 4, 5), "immediate")
    assert change.lines == ()
    book.replace_terms(change.new_terms)
    assert book.bill(date(2024, 4, 15)).lines[0].formula == "32.00 = 60.00 × 16/30"


def test_an_immediate_change_in_a_period_cut_by_cancellation_swaps_only_the_served_days() -> None:
    cancelled = subscription(
        tariff(flat("31.00"), name="A"),
        date(2024, 3, 1),
        status="cancelled",
        cancel_at=date(2024, 3, 16),
    )
    book = Book.of(cancelled)
    book.bill(date(2024, 3, 1))
    change = change_plan(
        book.terms, tariff(flat("62.00"), name="B"), 1, date(2024, 3, 6), "immediate"
    )
    assert [line.formula for line in change.lines] == [
        "−10.00 = 31.00 × 10/31, unused part of A",
        "20.00 = 62.00 × 10/31, remaining part of B",
    ]


def test_a_second_change_waits_for_the_first_to_take_effect() -> None:
    terms = subscription(tariff(flat("30.00"), timing="in_arrears"), APR)
    first = change_plan(terms, tariff(flat("60.00"), timing="in_arrears"), 1, APR, "end_of_term")
    with pytest.raises(Rejected) as refused:
        change_plan(first.new_terms, tariff(flat("90.00")), 1, APR, "immediate")
    assert refused.value.field == "effective_date"


def test_a_minimum_on_the_new_plan_never_reaches_back_before_the_change() -> None:
    book = Book.of(subscription(tariff(flat("10.00")), APR))
    book.bill(APR)
    committed = tariff(flat("10.00"), metered(per_unit("1.00")), minimum="50.00")
    change = change_plan(book.terms, committed, 1, date(2024, 4, 20), "end_of_term")
    book.replace_terms(change.new_terms)
    assert book.terms.usage_billed_until == MAY
    assert [line.kind for line in book.bill(MAY).lines] == ["recurring"]
    june = book.bill(JUN)
    assert [(line.kind, str(line.period)) for line in june.lines] == [
        ("recurring", "2024-06-01 → 2024-07-01"),
        ("minimum", "2024-05-01 → 2024-06-01"),
    ]
