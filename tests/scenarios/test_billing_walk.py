"""A property: whatever commands come in whatever order, each day is billed once, at its price.

A seeded random walk (the same walk every run) starts a seat subscription on a random
calendar (unit, count, anchor, timing, trial), then mixes bill runs (some for earlier days
again), immediate changes (backdated, over other changes too), end-of-term changes, pauses
and resumes, and ends with a cancellation and bill runs far ahead. Then the recurring and
correction lines of all its invoices must add up to the exact sum, over the days served, of
the price in force that day × seats / the days of its billing period, within half a kopeck
a line (each line is rounded once). A change's preview must equal what it records. SQLite
only: the property is the engine's and the aggregate's, not the store's.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import pytest

from api.bootstrap import bootstrap
from commands.base import Context
from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import (
    ChangeSubscription,
    PreviewSubscriptionChange,
    preview,
)
from commands.pause_subscription import PauseSubscription, ResumeSubscription
from ledger.clock import SimulatedClock
from ledger.errors import InvalidField
from ledger.periods import BillingCycle, BillingPeriod
from tests.scenarios.support import Story
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from pathlib import Path

PRICES = {"a": "100.00", "b": "250.00", "c": "33.33"}
UNITS = [("month", 1), ("month", 2), ("quarter", 1), ("half_year", 1), ("year", 1),
         ("week", 1), ("week", 2), ("day", 10)]
CORRECTING = {"recurring", "proration_credit", "proration_charge"}


@dataclass
class Walk:
    """One walk: the story, and what the days should have cost (the model)."""

    story: Story
    rnd: random.Random
    start: date
    trial: int
    cycle: BillingCycle
    plans: list[tuple[date, str, int]]  # (from, tariff, seats); the latest for a day wins
    pauses: list[tuple[date, date | None]] = field(default_factory=list)  # [from, resumed)
    floor: date = date.min  # no change or pause before a resumption
    paused: bool = False

    def plan_on(self, day: date) -> tuple[str, int]:
        return [(code, seats) for since, code, seats in self.plans if since <= day][-1]

    def served(self, day: date, end: date) -> bool:
        if day < self.start + timedelta(days=self.trial) or day >= end:
            return False
        return not any(p <= day and (r is None or day < r) for p, r in self.pauses)

    def exact_minor(self, end: date) -> Fraction:
        total, day = Fraction(0), self.start
        while day < end:
            if self.served(day, end):
                code, seats = self.plan_on(day)
                full = self.cycle.period_at(self.cycle.index_of(day))
                total += Fraction(Decimal(PRICES[code])) * 100 * seats / full.days
            day += timedelta(days=1)
        return total


def begin(seed: int, tmp_path: Path) -> Walk:
    rnd = random.Random(seed)  # noqa: S311  (a fixed walk, not a secret)
    unit, count = rnd.choice(UNITS)
    timing = rnd.choice(["in_advance", "in_arrears"])
    start = date(2023, 12, 1) + timedelta(days=rnd.randint(0, 800))
    trial = rnd.choice([0, 0, 7, 14, 45])
    anchor = rnd.choice([1, 15, 28, 29, 30, 31, start.day])
    clock = SimulatedClock(datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    clock.move_to(start)
    services = bootstrap({"LBX_DATA_DIR": str(tmp_path / "var")}, clock=clock)
    tariffs = {code: {"name": code.upper(), "currency": "RUB", "period_unit": unit,
                      "period_count": count, "timing": timing,
                      **({"trial_days": trial} if trial else {}),
                      "components": [{"code": "seats", "name": "Seats", "kind": "seat",
                                      "price": price}]}
               for code, price in PRICES.items()}
    for code in ("b", "c"):
        publish(services, code, tariffs[code])
    seats = rnd.randint(1, 3)
    months = BillingPeriod(unit, count).months  # type: ignore[arg-type]
    story = Story.begin(services, tariffs["a"], start, anchor_day=anchor if months else None,
                        quantity=seats, code="a")
    cycle = BillingCycle.of(anchor if months else start, BillingPeriod(unit, count), start)  # type: ignore[arg-type]
    return Walk(story, rnd, start, trial, cycle, [(start, "a", seats)], floor=start)


def change_now(walk: Walk, today: date, when: str) -> None:
    rnd, story = walk.rnd, walk.story
    code, seats = rnd.choice("abc"), rnd.randint(1, 4)
    effective = max(today - timedelta(days=rnd.randint(0, 12)), walk.floor)
    fields: dict[str, Any] = {"customer_id": story.customer, "subscription_id": story.subscription,
                              "tariff_code": code, "quantity": seats, "when": when,
                              "effective_date": today if when == "end_of_term" else effective}
    context = Context(actor="walk", source="api", idempotency_key=f"preview-{today}")
    try:
        shown = preview(PreviewSubscriptionChange(**fields), context, story.services.runtime)
    except InvalidField:
        shown = None
    lines = send(story.services, ChangeSubscription(**fields)).result["lines"]
    assert shown == lines
    if when == "end_of_term":
        effective = walk.cycle.boundary(walk.cycle.index_of(today) + 1)
    walk.plans.append((effective, code, seats))


def step(walk: Walk, today: date) -> None:
    rnd, story = walk.rnd, walk.story
    sub = {"customer_id": story.customer, "subscription_id": story.subscription}
    roll = rnd.random()
    if roll < 0.35:
        story.bill(today)
        if rnd.random() < 0.2:
            story.bill(today - timedelta(days=rnd.randint(0, 40)))
            story.services.runtime.clock.move_to(today)  # type: ignore[attr-defined]
    elif roll < 0.65 and not walk.paused:
        change_now(walk, today, "immediate" if roll < 0.55 else "end_of_term")
    elif roll < 0.75 and not walk.paused:
        paused_from = max(today - timedelta(days=rnd.randint(0, 8)), walk.floor,
                          walk.plans[-1][0])
        if paused_from <= today:
            send(story.services, PauseSubscription(**sub, effective_date=paused_from))
            walk.pauses.append((paused_from, None))
            walk.paused = True
    elif roll < 0.9 and walk.paused:
        paused_from = walk.pauses[-1][0]
        resumed = max(today - timedelta(days=rnd.randint(0, 5)), paused_from)
        send(story.services, ResumeSubscription(**sub, effective_date=resumed))
        walk.pauses[-1] = (paused_from, resumed)
        walk.paused, walk.floor = False, max(walk.floor, resumed)


@pytest.mark.parametrize("seed", range(60))
def test_every_served_day_is_billed_once_at_the_price_in_force(seed: int, tmp_path: Path) -> None:
    walk = begin(seed, tmp_path)
    story, today = walk.story, walk.start
    try:
        for _ in range(walk.rnd.randint(8, 30)):
            today += timedelta(days=walk.rnd.randint(1, 25))
            story.services.runtime.clock.move_to(today)  # type: ignore[attr-defined]
            with contextlib.suppress(InvalidField):  # refused (say, a change pending): skipped
                step(walk, today)
        send(story.services, CancelSubscription(
            customer_id=story.customer, subscription_id=story.subscription,
            effective_date=today, when="immediate"))
        for years in (1, 2, 3):
            story.bill(today + timedelta(days=400 * years))
        lines = [line for invoice in story.invoices() for line in invoice.lines
                 if line.kind in CORRECTING]
        billed = sum(line.amount.minor for line in lines)
        assert abs(billed - walk.exact_minor(today)) <= Fraction(len(lines), 2)
    finally:
        story.services.close()
