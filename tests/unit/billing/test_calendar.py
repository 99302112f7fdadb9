"""Given anchors, trials and period lengths, when billed over time, then every day is paid once."""

from __future__ import annotations

from datetime import date

from ledger.money import total
from ledger.periods import PeriodUnit

from .builders import Book, amounts, flat, setup, spans, subscription, tariff, usd

TEN = tariff(flat("10.00"))


def bill_on(book: Book, *days: date) -> list[str]:
    return [span for day in days for span in spans(book.bill(day))]


def test_anchor_29_passes_through_a_leap_february_without_drifting() -> None:
    book = Book.of(subscription(TEN, date(2024, 1, 29)))
    days = [date(2024, 1, 29), date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 29)]
    assert bill_on(book, *days) == [
        "2024-01-29 → 2024-02-29",
        "2024-02-29 → 2024-03-29",
        "2024-03-29 → 2024-04-29",
    ]
    assert [amounts(result) for result in book.invoices] == [["10.00"], [], ["10.00"], ["10.00"]]


def test_anchor_31_bills_on_the_last_day_of_shorter_months() -> None:
    book = Book.of(subscription(TEN, date(2024, 1, 31)))
    days = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]
    assert bill_on(book, *days) == [
        "2024-01-31 → 2024-02-29",
        "2024-02-29 → 2024-03-31",
        "2024-03-31 → 2024-04-30",
        "2024-04-30 → 2024-05-31",
    ]
    assert all(amounts(result) == ["10.00"] for result in book.invoices)


def test_anchor_31_prorates_a_february_start_over_the_29_day_leap_period() -> None:
    result = Book.of(subscription(TEN, date(2024, 2, 10), anchor_day=31)).bill(date(2024, 2, 10))
    assert spans(result) == ["2024-02-10 → 2024-02-29"]
    assert result.lines[0].formula == "6.55 = 10.00 × 19/29"


def test_anchor_30_in_a_common_year_february_ends_on_the_28th() -> None:
    book = Book.of(subscription(TEN, date(2023, 1, 30)))
    assert bill_on(book, date(2023, 1, 30), date(2023, 2, 28)) == [
        "2023-01-30 → 2023-02-28",
        "2023-02-28 → 2023-03-30",
    ]


def test_quarterly_periods_are_billed_once_a_quarter() -> None:
    quarterly = tariff(flat("300.00"), unit=PeriodUnit.QUARTER)
    book = Book.of(subscription(quarterly, date(2024, 1, 1)))
    assert bill_on(book, date(2024, 1, 1), date(2024, 3, 31), date(2024, 4, 1)) == [
        "2024-01-01 → 2024-04-01",
        "2024-04-01 → 2024-07-01",
    ]


def test_a_quarterly_off_anchor_start_is_prorated_over_its_91_day_quarter() -> None:
    quarterly = tariff(flat("300.00"), unit=PeriodUnit.QUARTER)
    book = Book.of(subscription(quarterly, date(2024, 2, 15), anchor_day=1))
    first = book.bill(date(2024, 2, 15))
    assert first.lines[0].formula == "49.45 = 300.00 × 15/91"
    assert spans(first) == ["2024-02-15 → 2024-03-01"]
    assert spans(book.bill(date(2024, 3, 1))) == ["2024-03-01 → 2024-06-01"]


def test_a_yearly_subscription_from_29_february_renews_on_28_february() -> None:
    yearly = tariff(flat("1200.00"), unit=PeriodUnit.YEAR)
    book = Book.of(subscription(yearly, date(2024, 2, 29)))
    assert bill_on(book, date(2024, 2, 29), date(2025, 2, 28), date(2027, 2, 28)) == [
        "2024-02-29 → 2025-02-28",
        "2025-02-28 → 2026-02-28",
        "2026-02-28 → 2027-02-28",
        "2027-02-28 → 2028-02-29",
    ]
    assert all(amount == "1200.00" for result in book.invoices for amount in amounts(result))


def test_a_weekly_subscription_counts_periods_from_its_start() -> None:
    weekly = tariff(flat("7.00"), unit=PeriodUnit.WEEK)
    book = Book.of(subscription(weekly, date(2024, 1, 3)))
    assert bill_on(book, date(2024, 1, 3), date(2024, 1, 17)) == [
        "2024-01-03 → 2024-01-10",
        "2024-01-10 → 2024-01-17",
        "2024-01-17 → 2024-01-24",
    ]


def test_a_trial_bills_nothing_then_a_prorated_first_period_from_its_end() -> None:
    book = Book.of(
        subscription(tariff(flat("30.00")), date(2024, 1, 10), trial_end=date(2024, 1, 24))
    )
    assert book.bill(date(2024, 1, 10)).is_empty
    assert book.bill(date(2024, 1, 23)).is_empty
    first = book.bill(date(2024, 1, 24))
    assert spans(first) == ["2024-01-24 → 2024-02-10"]
    assert first.lines[0].formula == "16.45 = 30.00 × 17/31"
    assert amounts(book.bill(date(2024, 2, 10))) == ["30.00"]


def test_a_trial_ending_on_the_anchor_starts_with_a_full_period() -> None:
    book = Book.of(
        subscription(
            tariff(flat("30.00")), date(2024, 1, 10), anchor_day=24, trial_end=date(2024, 1, 24)
        )
    )
    assert spans(book.bill(date(2024, 1, 24))) == ["2024-01-24 → 2024-02-24"]


def test_a_setup_fee_is_billed_on_the_first_day_even_in_a_trial() -> None:
    definition = tariff(setup("50.00"), flat("30.00"))
    book = Book.of(subscription(definition, date(2024, 1, 10), trial_end=date(2024, 1, 24)))
    assert amounts(book.bill(date(2024, 1, 10))) == ["50.00"]
    assert [line.kind for line in book.bill(date(2024, 1, 24)).lines] == ["recurring"]


def test_a_year_of_monthly_bills_sums_to_twelve_times_the_price() -> None:
    book = Book.of(subscription(tariff(flat("24.95")), date(2024, 1, 1)))
    for month in range(1, 13):
        book.bill(date(2024, month, 1))
    assert book.bill(date(2024, 12, 31)).is_empty
    billed = total((result.totals.total for result in book.invoices), "USD")
    assert billed == usd("299.40")
    assert sum(len(result.lines) for result in book.invoices) == 12


def test_a_late_bill_run_catches_up_every_period_started_since() -> None:
    book = Book.of(subscription(tariff(flat("24.95")), date(2021, 9, 16), anchor_day=25))
    result = book.bill(date(2021, 11, 30))
    assert amounts(result) == ["7.24", "24.95", "24.95", "24.95"]
    assert str(result.period) == "2021-09-16 → 2021-12-25"
