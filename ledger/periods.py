"""Billing periods: which days a recurring fee pays for.

Why this is its own module: every amount on a subscription invoice is a price
times a number of days over a number of days, so the days must be right first.
The rules (pinned in the money policy):

- a period is the half-open interval ``[start, end)``; ``Interval.days`` counts
  ``start`` and not ``end``, so consecutive periods never share a day;
- periods start on the bill cycle day (the *anchor*) each month; in a shorter
  month the boundary is its last day (anchor 31 → Feb 28/29, Mar 31, Apr 30).
  Every boundary is computed from the anchor, never from the previous boundary,
  so a cycle that passes through February does not drift to the 28th;
- a subscription that starts off the anchor gets a *leading* part up to the
  first boundary; it is prorated over the full period that contains it;
- month-based units step whole months (quarter = 3, half-year = 6, year = 12);
  day and week units step days from an anchor *date*.

An anchor is either a day of the month (``int`` 1–31; month-based units only), in
which case the cycle's months are fixed by the first boundary on or after the
start, or a ``date`` that is itself a boundary (fixes day and phase; required for
day and week units, and the way to ask for calendar quarters).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias

from ledger.errors import Term
from ledger.pricing_errors import InvalidPeriod

if TYPE_CHECKING:
    from collections.abc import Iterator

Anchor: TypeAlias = int | date
"""A bill cycle day (1–31) or a date on which a period starts."""


class PeriodUnit(StrEnum):
    """The unit a billing period is counted in."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"


_MONTHS_PER_UNIT = {
    PeriodUnit.MONTH: 1,
    PeriodUnit.QUARTER: 3,
    PeriodUnit.HALF_YEAR: 6,
    PeriodUnit.YEAR: 12,
}
_DAYS_PER_UNIT = {PeriodUnit.DAY: 1, PeriodUnit.WEEK: 7}


@dataclass(frozen=True, slots=True)
class BillingPeriod:
    """How often a recurring fee repeats: ``count`` units (every 2 months, every week)."""

    unit: PeriodUnit
    count: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise InvalidPeriod(why="count must be a whole number ≥ 1, got {count!r}",
                                count=self.count)
        if self.unit not in _MONTHS_PER_UNIT and self.unit not in _DAYS_PER_UNIT:
            raise InvalidPeriod(field="unit", why="unknown period unit {unit!r}", unit=self.unit)
        object.__setattr__(self, "unit", PeriodUnit(self.unit))

    @property
    def months(self) -> int:
        """Whole months per period; 0 for day and week units."""
        return _MONTHS_PER_UNIT.get(self.unit, 0) * self.count

    @property
    def days(self) -> int:
        """Days per period for day and week units; 0 for month-based units."""
        return _DAYS_PER_UNIT.get(self.unit, 0) * self.count


@dataclass(frozen=True, slots=True)
class Interval:
    """The half-open span of days ``[start, end)``; never empty."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise InvalidPeriod(
                field="end", why="interval must end after it starts: {start} → {end}",
                start=self.start, end=self.end,
            )

    @property
    def days(self) -> int:
        """Number of days covered: ``start`` counts, ``end`` does not."""
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def includes(self, other: Interval) -> bool:
        """True when every day of ``other`` lies in this interval."""
        return self.start <= other.start and other.end <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()} → {self.end.isoformat()}"


@dataclass(frozen=True, slots=True)
class ScheduledPeriod:
    """One step of a subscription's schedule: the days billed and the full period around them.

    For a full period ``covers == full``; for the leading part of an off-anchor
    start, ``covers`` is the part and ``full`` is the proration denominator.
    """

    covers: Interval
    full: Interval

    @property
    def is_leading(self) -> bool:
        """True for a prorated part shorter than its billing period."""
        return self.covers != self.full


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _clamped(month_index: int, anchor_day: int) -> date:
    year, month0 = divmod(month_index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(anchor_day, last))


@dataclass(frozen=True, slots=True)
class BillingCycle:
    """Every period boundary of one subscription, numbered from a known boundary ``origin``.

    ``boundary(k)`` is the start of the k-th period (k may be negative). For
    month-based units it is ``anchor_day`` clamped to the month ``k × months``
    after the origin's month, so the anchor never drifts.
    """

    period: BillingPeriod
    origin: date
    anchor_day: int

    @classmethod
    def of(cls, anchor_day: Anchor, period: BillingPeriod, start_of_cycle: date) -> BillingCycle:
        """Build the cycle of a subscription that starts on ``start_of_cycle``.

        Args:
            anchor_day: bill cycle day 1–31, or a date on which a period starts.
            period: how long each period is.
            start_of_cycle: the subscription's start; fixes the months of a
                multi-month cycle when the anchor is a day number.

        Raises:
            InvalidPeriod: the anchor day is outside 1–31, or a day/week period has
                no anchor date.
        """
        if isinstance(anchor_day, date):
            return cls(period, anchor_day, anchor_day.day)
        if isinstance(anchor_day, bool) or not 1 <= anchor_day <= 31:  # noqa: PLR2004
            raise InvalidPeriod(field="anchor_day", why="anchor day must be 1–31: {day!r}",
                                day=anchor_day)
        if not period.months:
            why = "a {unit} period needs an anchor date"
            raise InvalidPeriod(field="anchor_day", why=why, unit=Term(period.unit))
        first = _clamped(_month_index(start_of_cycle), anchor_day)
        if first < start_of_cycle:
            first = _clamped(_month_index(start_of_cycle) + 1, anchor_day)
        return cls(period, first, anchor_day)

    def boundary(self, k: int) -> date:
        """The start of the k-th period after (k < 0: before) the origin."""
        if self.period.months:
            return _clamped(_month_index(self.origin) + k * self.period.months, self.anchor_day)
        return self.origin + timedelta(days=k * self.period.days)

    def index_of(self, on: date) -> int:
        """The k of the period containing ``on``: ``boundary(k) <= on < boundary(k + 1)``."""
        if not self.period.months:
            return (on - self.origin).days // self.period.days
        k = (_month_index(on) - _month_index(self.origin)) // self.period.months
        return k - 1 if self.boundary(k) > on else k

    def period_at(self, k: int) -> Interval:
        """The k-th full period."""
        return Interval(self.boundary(k), self.boundary(k + 1))


def period_containing(
    anchor_day: Anchor, period: BillingPeriod, on: date, start_of_cycle: date
) -> Interval:
    """Return the full billing period of the cycle that contains the day ``on``.

    Args:
        anchor_day: bill cycle day 1–31, or a date on which a period starts.
        period: how long each period is.
        on: any day, before or after the cycle's start.
        start_of_cycle: the subscription's start (fixes a multi-month cycle's months).
    """
    cycle = BillingCycle.of(anchor_day, period, start_of_cycle)
    return cycle.period_at(cycle.index_of(on))


def next_boundary(
    anchor_day: Anchor, period: BillingPeriod, on: date, start_of_cycle: date
) -> date:
    """Return the first period start strictly after the day ``on``.

    Args:
        anchor_day: bill cycle day 1–31, or a date on which a period starts.
        period: how long each period is.
        on: the day to look from.
        start_of_cycle: the subscription's start (fixes a multi-month cycle's months).
    """
    return period_containing(anchor_day, period, on, start_of_cycle).end


def full_period_around(interval_start: date, anchor_day: Anchor, period: BillingPeriod) -> Interval:
    """Return the full billing period that contains a leading part starting on ``interval_start``.

    This is the proration denominator: for bill cycle day 25 and a start on
    2021-09-16 it is 2021-08-25 → 2021-09-25 (31 days).
    """
    return period_containing(anchor_day, period, interval_start, interval_start)


def iter_periods(
    start: date, anchor_day: Anchor, period: BillingPeriod, until: date | None = None
) -> Iterator[ScheduledPeriod]:
    """Yield a subscription's schedule: a leading part if it starts off-anchor, then full periods.

    Args:
        start: the subscription's first billed day.
        anchor_day: bill cycle day 1–31, or a date on which a period starts.
        period: how long each period is.
        until: stop before the first period that starts on or after this day;
            ``None`` yields for ever.
    """
    cycle = BillingCycle.of(anchor_day, period, start)
    k = cycle.index_of(start)
    if cycle.boundary(k) < start:
        if until is not None and start >= until:
            return
        full = cycle.period_at(k)
        yield ScheduledPeriod(Interval(start, full.end), full)
        k += 1
    while until is None or cycle.boundary(k) < until:
        full = cycle.period_at(k)
        yield ScheduledPeriod(full, full)
        k += 1
