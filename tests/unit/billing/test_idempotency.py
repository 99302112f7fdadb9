"""Given a bill run recorded, when run again for the same date, then nothing is billed twice."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.billing import DiscountTerms, bill
from ledger.money import Money, total
from ledger.periods import BillingPeriod, PeriodUnit, iter_periods
from ledger.proration import prorate

from .builders import Book, flat, metered, per_unit, subscription, tariff, usd, used

MONTHLY = BillingPeriod(PeriodUnit.MONTH)


def test_billing_twice_for_the_same_date_gives_an_empty_second_invoice() -> None:
    definition = tariff(flat("24.95"), metered(per_unit("0.10")), minimum="50.00")
    discount = DiscountTerms(discount_id="d1", kind="percent", percent=Decimal(10), periods=3)
    book = Book.of(subscription(definition, date(2021, 9, 16), 25), discounts=(discount,))
    book.record_usage(used("u1", date(2021, 9, 20), 40))

    first = book.bill(date(2021, 10, 1))
    assert not first.is_empty
    assert first.advances
    again = book.bill(date(2021, 10, 1))
    assert again.is_empty
    assert (again.advances, again.usage_billed, again.discount_periods_used) == ((), (), {})
    assert again.totals.total == usd("0")
    assert again.period is None


def test_a_re_run_without_recording_yields_the_same_line_ids() -> None:
    terms = subscription(tariff(flat("24.95")), date(2021, 9, 16), 25)

    def ids() -> list[str]:
        result = bill(
            date(2021, 10, 24), [terms], [], [], credit_available=usd("0"), currency="USD"
        )
        return [line.line_id for line in result.lines]

    assert ids() == ids() == ["sub-1:base:2021-09-16:recurring", "sub-1:base:2021-09-25:recurring"]


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    anchor_day=st.integers(1, 31),
    price_minor=st.integers(1, 1_000_000),
    steps=st.lists(st.integers(0, 100), min_size=1, max_size=8),
    in_advance=st.booleans(),
)
def test_any_sequence_of_bill_runs_bills_every_period_exactly_once(
    start: date, anchor_day: int, price_minor: int, steps: list[int], in_advance: bool
) -> None:
    price = Money(price_minor, "USD")
    timing: Literal["in_advance", "in_arrears"] = "in_advance" if in_advance else "in_arrears"
    definition = tariff(flat(price.to_decimal_string()), timing=timing)
    book = Book.of(subscription(definition, start, anchor_day))
    as_of = start
    for step in steps:
        as_of += timedelta(days=step)
        book.bill(as_of)
        assert book.bill(as_of).is_empty

    due = [
        period
        for period in iter_periods(start, anchor_day, MONTHLY, until=as_of + timedelta(days=1))
        if (period.covers.start if in_advance else period.covers.end) <= as_of
    ]
    full = [period for period in due if not period.is_leading]
    leading = [prorate(price, p.covers, p.full).amount for p in due if p.is_leading]
    billed = total((result.totals.total for result in book.invoices), "USD")
    assert billed == total(leading, "USD") + price.times(len(full))
