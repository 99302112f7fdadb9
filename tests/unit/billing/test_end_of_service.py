"""Given a cancellation, a term end or a pause, when billed, then no day after it is charged."""

from __future__ import annotations

from datetime import date

from .builders import Book, amounts, flat, spans, subscription, tariff

JAN, FEB, MAR, APR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
THIRTY_ONE = tariff(flat("31.00"))


def test_a_cancellation_known_before_the_period_prorates_its_last_period() -> None:
    book = Book.of(subscription(THIRTY_ONE, JAN, status="cancelled", cancel_at=date(2024, 3, 16)))
    book.bill(FEB)
    march = book.bill(MAR)
    assert amounts(march) == ["15.00"]
    assert spans(march) == ["2024-03-01 → 2024-03-16"]
    assert march.lines[0].formula == "15.00 = 31.00 × 15/31"
    assert book.bill(APR).is_empty


def test_a_cancellation_after_billing_credits_the_unused_days_once() -> None:
    book = Book.of(subscription(THIRTY_ONE, JAN))
    book.bill(MAR)
    book.amend(status="cancelled", cancel_at=date(2024, 3, 16))

    credit = book.bill(date(2024, 3, 16))
    assert amounts(credit) == ["-16.00"]
    (line,) = credit.lines
    assert (line.kind, str(line.period)) == ("proration_credit", "2024-03-16 → 2024-04-01")
    assert line.formula == "−16.00 = −31.00 × 16/31"
    assert book.terms.billed_until == date(2024, 3, 16)
    assert book.bill(date(2024, 3, 16)).is_empty
    assert book.bill(APR).is_empty


def test_a_term_without_renewal_ends_the_service() -> None:
    book = Book.of(subscription(THIRTY_ONE, JAN, term_end=date(2024, 3, 16), auto_renew=False))
    assert amounts(book.bill(MAR)) == ["31.00", "31.00", "15.00"]
    assert book.bill(date(2024, 6, 1)).is_empty


def test_a_renewing_term_does_not_end_the_service() -> None:
    book = Book.of(subscription(THIRTY_ONE, JAN, term_end=date(2024, 3, 16)))
    assert amounts(book.bill(APR)) == ["31.00"] * 4


def test_a_paused_subscription_bills_nothing_from_the_pause_and_resumes_prorated() -> None:
    book = Book.of(subscription(tariff(flat("30.00")), JAN))
    book.bill(FEB)
    book.amend(status="paused", paused_from=MAR)
    assert book.bill(MAR).is_empty
    assert book.bill(date(2024, 6, 1)).is_empty

    book.amend(status="active", paused_from=None, billed_until=date(2024, 6, 10))
    resumed = book.bill(date(2024, 6, 10))
    assert spans(resumed) == ["2024-06-10 → 2024-07-01"]
    assert resumed.lines[0].formula == "21.00 = 30.00 × 21/30"
