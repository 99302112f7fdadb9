"""The MRR rules: what a subscription is worth per month, and how a customer's MRR moves.

Why apart from the projection: these are pure functions of a customer's dated facts, so
the rules read in one place. The rules (each asserted by ``tests/projections/test_mrr.py``
or ``test_mrr_events.py``):

- A subscription's MRR is its recurring price, flat components plus seat components ×
  quantity, normalised to one month: a period of N months is divided by N, and day or week
  periods count 365.25 / 12 days to the month. Metered usage, setup fees and minimums are
  not recurring and stay out. Figures exclude VAT: an inclusive price is divided by
  (1 + rate). The customer's VAT mode and rate win over the tariff's, as on invoices.
- An individual price replaces its component's price from its effective date up to its
  ``until`` (exclusive). On that date the tariff's price is back, which is a movement.
  A change ends the prices it says it ends (``lapsed_overrides``: all of them on another
  tariff), as billing does; a change recorded before it said so drops them on any other
  version or tariff.
- Percent discounts with no end (no ``periods`` and no ``until``) come off the components
  they apply to, chained as on invoices. Limited discounts and fixed amounts stay out:
  they are promotions, not the run rate, and their expiry is not growth.
- Arithmetic is exact (fractions, never float). Each subscription's figure is rounded
  HALF_UP to the minor unit once, and a customer's MRR is the sum of those figures.
- MRR counts from the first billed day (the trial's end). A pause stops it from
  ``paused_from`` until ``resumed_on``. It ends on ``cancel_at``, on the term end of a
  subscription that does not renew, and on the day the customer is closed. A suspension
  for debt changes nothing, because the customer is still billed.
- Facts are folded in effective-date order (then log order). A customer's movements are
  netted per day and named after the first event that moved the figure that day:
  ``new`` (from 0, never had MRR), ``reactivation`` (from 0, had MRR before), ``churn``
  (to 0), ``expansion`` or ``contraction``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import groupby
from typing import TYPE_CHECKING, Any

import orjson

from ledger.money import Money

if TYPE_CHECKING:
    from collections.abc import Sequence

    from projections.store import Row

Fact = dict[str, Any]
DAYS_PER_MONTH = Fraction(36525, 1200)
"""365.25 / 12: the length of an average month, for day and week periods."""
_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}
_DAYS = {"day": 1, "week": 7}
TICK: Fact = {"op": "tick"}
"""A fact that changes nothing: a date when a dated term (trial end, term end, until) bites."""


def per_month(unit: str, count: int) -> Fraction:
    """The share of one period that falls in a month (1/3 for a quarter, 30.4375/7 for a week)."""
    if unit in _MONTHS:
        return Fraction(1, _MONTHS[unit] * count)
    return DAYS_PER_MONTH / (_DAYS[unit] * count)


@dataclass(frozen=True)
class Tariff:
    """What MRR needs of a tariff version: its recurring components and how to normalise."""

    currency: str
    per_month: Fraction
    vat_mode: str
    vat_rate: Decimal | None
    components: tuple[tuple[str, str, Fraction], ...]  # (code, "flat" | "seat", price)


def tariff_of(row: Row) -> Tariff:
    """A tariff version as ``view_mrr_tariffs`` keeps it."""
    rate = row["vat_rate"]
    return Tariff(
        currency=row["currency"],
        per_month=per_month(row["period_unit"], int(row["period_count"])),
        vat_mode=row["vat_mode"], vat_rate=None if rate is None else Decimal(rate),
        components=tuple(
            (code, kind, Fraction(Decimal(price)))
            for code, kind, price in orjson.loads(row["components"])
        ),
    )


@dataclass
class Sub:
    """A subscription as of one date: its plan, its first billed day, its special prices."""

    tariff: tuple[str, int]
    quantity: int
    billing_from: date
    ends_on: date | None
    status: str = "active"
    prices: dict[str, tuple[Fraction, date | None]] = field(default_factory=dict)


@dataclass
class Book:
    """A customer as the MRR fold sees it on one date."""

    currency: str = ""
    vat_mode: str | None = None
    vat_rate: Decimal | None = None
    closed: bool = False
    subs: dict[str, Sub] = field(default_factory=dict)
    discounts: list[tuple[Fraction, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Movement:
    """One change of a customer's MRR on one date (minor units)."""

    effective_date: date
    kind: str
    delta: int
    mrr_after: int
    cause: str
    position: int


def apply(book: Book, fact: Fact) -> None:
    """Change the book by one fact (a ``tick`` changes nothing: only the date moves)."""
    op, sid = fact["op"], fact.get("sid", "")
    if op == "profile":
        book.currency = fact.get("currency") or book.currency
        book.vat_mode = fact.get("vat_mode", book.vat_mode)
        rate = fact.get("vat_rate", book.vat_rate)
        book.vat_rate = None if rate is None else Decimal(rate)
    elif op == "start":
        ends = fact["ends_on"]
        book.subs[sid] = Sub((fact["code"], fact["version"]), fact["quantity"],
                             date.fromisoformat(fact["billing_from"]),
                             date.fromisoformat(ends) if ends else None)
    elif op == "change":
        sub = book.subs[sid]
        lapsed = fact.get("lapsed")
        if lapsed is not None:  # the change said which individual prices it ends
            sub.prices = {code: p for code, p in sub.prices.items() if code not in lapsed}
        elif sub.tariff != (fact["code"], fact["version"]):  # changes recorded before that
            sub.prices = {}
        sub.tariff, sub.quantity = (fact["code"], fact["version"]), fact["quantity"]
    elif op == "status":
        book.subs[sid].status = fact["status"]
    elif op == "price":
        until = fact["until"]
        book.subs[sid].prices[fact["component"]] = (
            Fraction(Decimal(fact["price"])), date.fromisoformat(until) if until else None)
    elif op == "discount":
        book.discounts.append((1 - Fraction(Decimal(fact["percent"])) / 100, fact["component"]))
    elif op == "close":
        book.closed = True


def figure(book: Book, sub: Sub, tariff: Tariff, day: date) -> int:
    """A subscription's MRR on ``day``, in minor units (rounded once, HALF_UP)."""
    if (book.closed or sub.status != "active" or day < sub.billing_from
            or (sub.ends_on is not None and day >= sub.ends_on)):
        return 0
    total = Fraction(0)
    for code, kind, list_price in tariff.components:
        price, until = sub.prices.get(code, (list_price, None))
        if until is not None and day >= until:
            price = list_price
        amount = price * (sub.quantity if kind == "seat" else 1)
        for factor, component in book.discounts:
            if component in {None, code}:
                amount *= factor
        total += amount
    mode = book.vat_mode or tariff.vat_mode
    rate = book.vat_rate if book.vat_rate is not None else tariff.vat_rate
    if mode == "inclusive" and rate:
        total = total * 100 / (100 + Fraction(rate))
    return Money.of(total * tariff.per_month, book.currency or tariff.currency).minor


def kind_of(before: int, after: int, had_mrr: bool) -> str:
    """Name a movement from ``before`` to ``after`` (``had_mrr``: ever above 0 before)."""
    if before == 0:
        return "reactivation" if had_mrr else "new"
    if after == 0:
        return "churn"
    return "expansion" if after > before else "contraction"


def replay(facts: Sequence[Row], tariffs: dict[tuple[str, int], Tariff]) -> tuple[
        Book, list[Movement], date | None]:
    """Fold a customer's facts in date order; return the final book, movements, last date.

    A fact about a subscription dated before the subscription started counts from its start.
    """
    starts = {r["subscription_id"]: r["effective_date"] for r in facts if r["op"] == "start"}

    def key(row: Row) -> tuple[str, int, int]:
        day = row["effective_date"]
        if row["subscription_id"]:
            day = max(day, starts[row["subscription_id"]])
        return day, int(row["position"]), int(row["seq"])

    book, movements, level, had_mrr = Book(), list[Movement](), 0, False
    day: date | None = None
    for text, group in groupby(sorted(facts, key=key), key=lambda r: key(r)[0]):
        day, running, cause = date.fromisoformat(text), level, None
        for row in group:
            apply(book, orjson.loads(row["fact"]))
            now = sum(figure(book, s, tariffs[s.tariff], day) for s in book.subs.values())
            if now != running and cause is None:
                cause = row
            running = now
        if running != level and cause is not None:
            movements.append(Movement(day, kind_of(level, running, had_mrr), running - level,
                                      running, cause["cause"], int(cause["position"])))
            had_mrr, level = had_mrr or running > 0, running
    return book, movements, day
