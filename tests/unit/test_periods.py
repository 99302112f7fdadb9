"""Billing periods: half-open intervals on a bill cycle day that never drifts."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from itertools import islice, pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.periods import (
    BillingPeriod,
    Interval,
    PeriodUnit,
    ScheduledPeriod,
    full_period_around,
    iter_periods,
    next_boundary,
    period_containing,
)
from ledger.pricing_errors import InvalidPeriod

MONTHLY = BillingPeriod(PeriodUnit.MONTH)


def starts(schedule: list[ScheduledPeriod]) -> list[date]:
    return [p.covers.start for p in schedule]


def first(n: int, start: date, anchor: int | date, period: BillingPeriod) -> list[ScheduledPeriod]:
    return list(islice(iter_periods(start, anchor, period), n))


def test_p1_an_off_anchor_start_gets_a_leading_part_within_the_previous_full_period() -> None:
    leading, second = first(2, date(2021, 9, 16), 25, MONTHLY)
    assert leading.is_leading
    assert leading.covers == Interval(date(2021, 9, 16), date(2021, 9, 25))
    assert leading.full == Interval(date(2021, 8, 25), date(2021, 9, 25))
    assert (leading.covers.days, leading.full.days) == (9, 31)
    assert not second.is_leading
    assert second.covers == Interval(date(2021, 9, 25), date(2021, 10, 25))


def test_p3_a_start_after_the_anchor_day_runs_to_next_months_anchor() -> None:
    leading = first(1, date(2021, 9, 30), 25, MONTHLY)[0]
    assert leading.covers == Interval(date(2021, 9, 30), date(2021, 10, 25))
    assert leading.full == Interval(date(2021, 9, 25), date(2021, 10, 25))
    assert (leading.covers.days, leading.full.days) == (25, 30)


def test_p4_a_start_on_the_anchor_day_has_no_leading_part() -> None:
    period = first(1, date(2021, 9, 17), 17, MONTHLY)[0]
    assert not period.is_leading
    assert period.covers == Interval(date(2021, 9, 17), date(2021, 10, 17))


def test_full_period_around_a_leading_part_is_the_proration_denominator() -> None:
    assert full_period_around(date(2021, 9, 16), 25, MONTHLY).days == 31
    assert full_period_around(date(2021, 9, 25), 25, MONTHLY) == Interval(
        date(2021, 9, 25), date(2021, 10, 25)
    )


def test_anchor_31_falls_on_the_last_day_of_short_months_and_comes_back() -> None:
    schedule = first(6, date(2024, 1, 31), 31, MONTHLY)
    assert starts(schedule) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
        date(2024, 6, 30),
    ]
    assert [p.covers.days for p in schedule] == [29, 31, 30, 31, 30, 31]


def test_anchor_31_in_a_common_year_uses_february_28() -> None:
    assert starts(first(3, date(2023, 1, 31), 31, MONTHLY)) == [
        date(2023, 1, 31),
        date(2023, 2, 28),
        date(2023, 3, 31),
    ]


def test_anchor_30_starting_in_february_runs_to_its_last_day() -> None:
    leading = first(1, date(2024, 2, 10), 30, MONTHLY)[0]
    assert leading.covers == Interval(date(2024, 2, 10), date(2024, 2, 29))
    assert leading.full == Interval(date(2024, 1, 30), date(2024, 2, 29))


def test_a_leap_year_has_366_days_and_a_29_day_february() -> None:
    assert Interval(date(2024, 1, 1), date(2025, 1, 1)).days == 366
    assert period_containing(1, MONTHLY, date(2024, 2, 15), date(2024, 1, 1)).days == 29


def test_yearly_on_february_29_falls_back_to_the_28th_and_returns_in_leap_years() -> None:
    yearly = BillingPeriod(PeriodUnit.YEAR)
    assert starts(first(5, date(2024, 2, 29), date(2024, 2, 29), yearly)) == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_quarterly_with_a_day_anchor_steps_three_months_from_the_first_boundary() -> None:
    quarterly = BillingPeriod(PeriodUnit.QUARTER)
    leading, *full = first(3, date(2024, 1, 10), 15, quarterly)
    assert leading.covers == Interval(date(2024, 1, 10), date(2024, 1, 15))
    assert leading.full == Interval(date(2023, 10, 15), date(2024, 1, 15))
    assert starts(full) == [date(2024, 1, 15), date(2024, 4, 15)]


def test_calendar_quarters_come_from_a_date_anchor() -> None:
    quarterly = BillingPeriod(PeriodUnit.QUARTER)
    leading, *full = first(3, date(2024, 2, 10), date(2024, 1, 1), quarterly)
    assert leading.full == Interval(date(2024, 1, 1), date(2024, 4, 1))
    assert leading.full.days == 91
    assert starts(full) == [date(2024, 4, 1), date(2024, 7, 1)]


def test_half_year_and_every_two_months() -> None:
    half = BillingPeriod(PeriodUnit.HALF_YEAR)
    assert starts(first(3, date(2024, 8, 31), 31, half)) == [
        date(2024, 8, 31),
        date(2025, 2, 28),
        date(2025, 8, 31),
    ]
    bimonthly = BillingPeriod(PeriodUnit.MONTH, count=2)
    assert starts(first(3, date(2024, 1, 31), 31, bimonthly)) == [
        date(2024, 1, 31),
        date(2024, 3, 31),
        date(2024, 5, 31),
    ]


def test_weekly_periods_step_seven_days_from_the_anchor_date() -> None:
    weekly = BillingPeriod(PeriodUnit.WEEK)
    monday = date(2024, 1, 1)
    leading, full = first(2, date(2024, 1, 3), monday, weekly)
    assert leading.covers == Interval(date(2024, 1, 3), date(2024, 1, 8))
    assert leading.full == Interval(monday, date(2024, 1, 8))
    assert full.covers.days == 7


def test_an_anchor_date_after_the_start_still_numbers_the_cycle() -> None:
    fortnightly = BillingPeriod(PeriodUnit.WEEK, count=2)
    leading = first(1, date(2024, 1, 3), date(2024, 3, 4), fortnightly)[0]
    assert leading.full == Interval(date(2023, 12, 25), date(2024, 1, 8))


def test_daily_periods_are_one_day_each() -> None:
    daily = BillingPeriod(PeriodUnit.DAY)
    schedule = first(3, date(2024, 2, 28), date(2024, 2, 28), daily)
    assert starts(schedule) == [date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)]
    assert all(p.covers.days == 1 for p in schedule)


def test_until_stops_before_a_period_that_starts_on_it() -> None:
    schedule = list(iter_periods(date(2021, 9, 16), 25, MONTHLY, until=date(2021, 10, 25)))
    assert starts(schedule) == [date(2021, 9, 16), date(2021, 9, 25)]
    assert list(iter_periods(date(2021, 9, 16), 25, MONTHLY, until=date(2021, 9, 16))) == []


def test_next_boundary_is_strictly_after_the_day() -> None:
    start = date(2021, 9, 16)
    assert next_boundary(25, MONTHLY, date(2021, 9, 24), start) == date(2021, 9, 25)
    assert next_boundary(25, MONTHLY, date(2021, 9, 25), start) == date(2021, 10, 25)


def test_an_interval_counts_its_start_and_not_its_end() -> None:
    week = Interval(date(2024, 1, 1), date(2024, 1, 8))
    assert week.days == 7
    assert date(2024, 1, 1) in week
    assert date(2024, 1, 8) not in week


@pytest.mark.parametrize(
    ("anchor", "period"),
    [
        (0, MONTHLY),
        (32, MONTHLY),
        (1, BillingPeriod(PeriodUnit.WEEK)),
        (1, BillingPeriod(PeriodUnit.DAY)),
    ],
)
def test_an_anchor_that_cannot_place_periods_is_rejected(
    anchor: int, period: BillingPeriod
) -> None:
    with pytest.raises(InvalidPeriod) as raised:
        list(islice(iter_periods(date(2024, 1, 1), anchor, period), 1))
    assert raised.value.field == "anchor_day"


def test_a_stored_unit_name_reads_back_and_an_unknown_one_is_rejected() -> None:
    assert BillingPeriod("quarter", 1) == BillingPeriod(PeriodUnit.QUARTER)  # type: ignore[arg-type]
    assert BillingPeriod(PeriodUnit.HALF_YEAR, 2).months == 12
    with pytest.raises(InvalidPeriod) as raised:
        BillingPeriod("fortnight")  # type: ignore[arg-type]
    assert raised.value.field == "unit"


def test_empty_intervals_and_zero_counts_are_rejected() -> None:
    with pytest.raises(InvalidPeriod):
        Interval(date(2024, 1, 1), date(2024, 1, 1))
    with pytest.raises(InvalidPeriod):
        BillingPeriod(PeriodUnit.MONTH, count=0)


@given(
    start=st.dates(min_value=date(1999, 1, 1), max_value=date(2101, 1, 1)),
    anchor=st.integers(1, 31),
    months=st.sampled_from([1, 2, 3, 6, 12]),
)
def test_periods_are_contiguous_and_every_boundary_is_the_clamped_anchor_day(
    start: date, anchor: int, months: int
) -> None:
    schedule = first(14, start, anchor, BillingPeriod(PeriodUnit.MONTH, count=months))
    assert schedule[0].covers.start == start
    assert schedule[0].full.includes(schedule[0].covers)
    for earlier, later in pairwise(schedule):
        assert earlier.covers.end == later.covers.start
    for scheduled in schedule[1:]:
        boundary = scheduled.covers.start
        last_day = calendar.monthrange(boundary.year, boundary.month)[1]
        assert boundary.day == min(anchor, last_day)
        assert not scheduled.is_leading


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    anchor=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    weeks=st.integers(1, 4),
)
def test_week_periods_always_last_a_whole_number_of_weeks(
    start: date, anchor: date, weeks: int
) -> None:
    leading, full = first(2, start, anchor, BillingPeriod(PeriodUnit.WEEK, count=weeks))
    assert leading.full.days == full.covers.days == 7 * weeks
    assert (full.covers.start - anchor) % timedelta(days=7 * weeks) == timedelta(0)
