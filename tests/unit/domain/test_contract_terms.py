"""The end of a subscription's contract term on a day: the first term, then its renewals."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.customers.contract_terms import term_end_after
from ledger.customers.state import Subscription


def sub(start: date, term_end: date | None, *, auto_renew: bool = True) -> Subscription:
    return Subscription(
        subscription_id="s", tariff_code="t", tariff_version=1, started_on=start,
        anchor_day=start.day, quantity=1, period_unit="month", period_count=1,
        timing="in_advance", first_renewal=start, term_end=term_end, auto_renew=auto_renew)


@pytest.mark.parametrize(("start", "term_end", "on", "expected"), [
    # a year from 1 January: the first term, then each renewal
    (date(2026, 1, 1), date(2027, 1, 1), date(2026, 3, 10), date(2027, 1, 1)),
    (date(2026, 1, 1), date(2027, 1, 1), date(2027, 1, 1), date(2028, 1, 1)),
    (date(2026, 1, 1), date(2027, 1, 1), date(2029, 6, 30), date(2030, 1, 1)),
    # six months from 31 August: the end of February, then 31 August again (no drift)
    (date(2026, 8, 31), date(2027, 2, 28), date(2027, 3, 1), date(2027, 8, 31)),
    (date(2026, 8, 31), date(2027, 2, 28), date(2027, 9, 1), date(2028, 2, 29)),
    # 45 days: renewals of 45 days
    (date(2026, 1, 1), date(2026, 2, 15), date(2026, 2, 20), date(2026, 4, 1)),
])
def test_a_term_that_renews_runs_again_for_the_same_length(
    start: date, term_end: date, on: date, expected: date,
) -> None:
    assert term_end_after(sub(start, term_end), on) == expected


def test_a_term_that_does_not_renew_runs_once() -> None:
    fixed = sub(date(2026, 1, 1), date(2027, 1, 1), auto_renew=False)
    assert term_end_after(fixed, date(2026, 12, 31)) == date(2027, 1, 1)
    assert term_end_after(fixed, date(2027, 1, 1)) is None


def test_without_a_fixed_term_there_is_no_term_end() -> None:
    assert term_end_after(sub(date(2026, 1, 1), None), date(2026, 3, 10)) is None
