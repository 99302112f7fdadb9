"""A subscription's plan history as replay builds it: one plan added per change taken.

``Subscription.take_pending`` runs for every change billed through, on every replay: a
change that follows the current plan adds that plan to the history and keeps every plan
before it as it was; a backdated one cuts the history at its date.
"""

from __future__ import annotations

from datetime import date, timedelta

from ledger.customers.state import PastPlanState, PendingChangeState, Subscription

START = date(2026, 1, 1)


def subscription() -> Subscription:
    return Subscription(
        subscription_id="s", tariff_code="t", tariff_version=1, started_on=START, anchor_day=1,
        quantity=1, period_unit="month", period_count=1, timing="in_advance",
        first_renewal=date(2026, 2, 1))


def take(sub: Subscription, on: date, quantity: int) -> None:
    sub.pending = PendingChangeState(effective_on=on, tariff_code="t", tariff_version=1,
                                     quantity=quantity)
    sub.take_pending(usage_billed_until=None)


def test_a_long_run_of_forward_changes_keeps_every_plan() -> None:
    sub = subscription()
    days = [START + timedelta(days=7 * n) for n in range(1, 301)]
    for n, day in enumerate(days, start=2):
        take(sub, day, quantity=n)

    assert sub.history == [
        PastPlanState(since=since, until=until, tariff_code="t", tariff_version=1, quantity=n)
        for n, (since, until) in enumerate(zip([START, *days], days, strict=False), start=1)]
    assert (sub.plan_since, sub.quantity, sub.pending) == (days[-1], len(days) + 1, None)


def test_a_change_on_the_day_the_plan_began_adds_no_plan() -> None:
    sub = subscription()
    take(sub, date(2026, 2, 1), quantity=2)
    take(sub, date(2026, 2, 1), quantity=3)

    assert [(p.since, p.until, p.quantity) for p in sub.history] == [
        (START, date(2026, 2, 1), 1)]
    assert sub.quantity == 3


def test_a_backdated_change_cuts_the_history_and_keeps_the_plans_before_it() -> None:
    sub = subscription()
    for n, day in enumerate((date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)), start=2):
        take(sub, day, quantity=n)
    first = sub.history[0]

    take(sub, date(2026, 2, 15), quantity=9)

    assert [(p.since, p.until, p.quantity) for p in sub.history] == [
        (START, date(2026, 2, 1), 1), (date(2026, 2, 1), date(2026, 2, 15), 2)]
    assert sub.history[0] is first  # untouched: reused, not copied
    assert (sub.plan_since, sub.quantity) == (date(2026, 2, 15), 9)
