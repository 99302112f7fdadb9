"""Given a change billed through, when days before it are re-priced, then at their own plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ledger.billing import PastPlan, PendingChange, change_plan
from ledger.billing.fees import unused_credit_lines
from ledger.billing.schedule import plan_on, settle, slices

from .builders import Book, flat, seat, subscription, tariff

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
A, B = tariff(flat("1000.00"), name="A"), tariff(flat("2000.00"), name="B")


def test_a_change_billed_through_moves_the_old_plan_into_history() -> None:
    book = Book.of(subscription(A, JAN, anchor_day=1, tariff_code="a"))
    book.bill(JAN)
    book.replace_terms(change_plan(book.terms, B, 1, date(2026, 1, 20), "immediate",
                                   tariff_code="b").new_terms)
    book.bill(FEB)
    terms = book.terms
    assert (terms.pending, terms.tariff_code, terms.plan_since) == (None, "b", date(2026, 1, 20))
    assert terms.history == (PastPlan(JAN, date(2026, 1, 20), "a", 1, A, 1, {}),)
    assert [plan_on(terms, day).tariff_code for day in (JAN, date(2026, 1, 19), FEB)] == [
        "a", "a", "b"]
    assert [str(piece.part) for piece in slices(replace(terms, cancel_at=MAR,
                                                        status="cancelled"), JAN)] == [
        "2026-01-01 → 2026-01-20", "2026-01-20 → 2026-02-01", "2026-02-01 → 2026-03-01"]


def test_a_cancellation_before_the_change_credits_each_stretch_at_its_plan() -> None:
    terms = subscription(B, JAN, anchor_day=1, tariff_code="b", billed_until=MAR,
                         history=(PastPlan(JAN, date(2026, 1, 20), "a", 1, A, 1),),
                         status="cancelled", cancel_at=date(2026, 1, 10))
    lines, credited_to = unused_credit_lines(terms)
    assert [line.formula for line in lines] == [
        "−322.58 = −1000.00 × 10/31", "−774.19 = −2000.00 × 12/31", "−2000.00 = −2000.00"]
    assert credited_to == date(2026, 1, 10)


def test_a_backdated_change_replaces_every_plan_from_its_date() -> None:
    terms = subscription(B, JAN, anchor_day=1, tariff_code="b", billed_until=FEB,
                         history=(PastPlan(JAN, date(2026, 1, 20), "a", 1, A, 1),))
    c = tariff(flat("3000.00"), name="C")
    change = change_plan(terms, c, 1, date(2026, 1, 10), "immediate", tariff_code="c")
    assert [line.formula for line in change.lines] == [
        "−322.58 = 1000.00 × 10/31, unused part of A",
        "967.74 = 3000.00 × 10/31, remaining part of C",
        "−774.19 = 2000.00 × 12/31, unused part of B",
        "1161.29 = 3000.00 × 12/31, remaining part of C",
    ]
    assert change.new_terms.history == (PastPlan(JAN, date(2026, 1, 10), "a", 1, A, 1),)
    assert change.new_terms.plan_since == date(2026, 1, 10)


def test_a_change_that_folds_a_pending_one_says_so() -> None:
    team = tariff(seat("100.00"), name="Team")
    terms = subscription(team, JAN, anchor_day=1, billed_until=FEB)
    # as recorded: four seats from 1 February, booked at the end of January's term
    booked = replace(terms, pending=PendingChange(FEB, "basic", 1, team, 4))
    assert settle(booked).history == (PastPlan(JAN, FEB, "basic", 1, team, 1),)
    later = change_plan(booked, team, 2, date(2026, 2, 10), "immediate")
    assert later.settled is not None
    assert later.settled.quantity == 4
    assert later.settled.history == (PastPlan(JAN, FEB, "basic", 1, team, 1),)
    assert later.new_terms.pending is not None
    assert later.new_terms.pending.quantity == 2

