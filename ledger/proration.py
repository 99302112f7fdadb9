"""Proration: the share of a recurring price that pays for part of a billing period.

Why it is spelled out: a prorated amount is the figure customers dispute most, so
each one carries its exact fraction and a formula a person can check with a
calculator ("7.24 = 24.95 × 9/31, 2021-09-16 → 2021-09-25"). The rule is the money
policy's: price × (days in the part) / (days in the billing period that contains
it), rounded once, ROUND_HALF_UP, to the minor unit.

An immediate plan change on day D of a paid period credits the unused part of the
old price (D … end) and charges the same part of the new price; each side is
prorated and rounded on its own, so each line can be read alone. An end-of-term
change produces no lines: the new price simply applies from the next period.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from ledger.errors import CurrencyMismatch
from ledger.periods import Interval
from ledger.pricing_errors import InvalidPeriod
from ledger.system_texts import REMAINING_PART, UNUSED_PART

if TYPE_CHECKING:
    from datetime import date

    from ledger.money import Money

MINUS = "−"
"""The typographic minus sign used in formulas shown to people."""


@dataclass(frozen=True, slots=True)
class ProratedAmount:
    """A price prorated over part of a period, with how it was computed."""

    amount: Money
    fraction: Fraction
    part: Interval
    containing: Interval
    explanation: str


@dataclass(frozen=True, slots=True)
class ProrationLine:
    """One invoice line of an immediate plan change."""

    amount: Money
    covers: Interval
    formula: str
    kind: Literal["credit_unused", "charge_remaining"]


def signed(amount: Money) -> str:
    """Write an amount as people read it on a document: ``−500.00`` with a real minus."""
    text = abs(amount).to_decimal_string()
    return f"{MINUS}{text}" if amount.is_negative else text


def prorate(price: Money, part: Interval, containing: Interval) -> ProratedAmount:
    """Prorate a recurring price to the days of ``part`` within its billing period.

    Args:
        price: the full price of the billing period ``containing``.
        part: the days being billed; must lie within ``containing``.
        containing: the full billing period that contains ``part``.

    Returns:
        The exact fraction, the amount rounded once half-up, and an explanation
        such as ``"7.24 = 24.95 × 9/31, 2021-09-16 → 2021-09-25"``.

    Raises:
        InvalidPeriod: ``part`` is not inside ``containing``.
    """
    if not containing.includes(part):
        raise InvalidPeriod(why="{part} is not inside the billing period {containing}",
                            part=part, containing=containing)
    fraction = Fraction(part.days, containing.days)
    amount = price.times(fraction)
    explanation = f"{signed(amount)} = {signed(price)} × {part.days}/{containing.days}, {part}"
    return ProratedAmount(amount, fraction, part, containing, explanation)


def plan_change_lines(
    old_price: Money,
    new_price: Money,
    change_on: date,
    period: Interval,
    *,
    old_label: str,
    new_label: str,
) -> list[ProrationLine]:
    """Return the credit and the charge of an immediate plan change within a paid period.

    The unused part ``[change_on, period.end)`` of the old price is credited
    (a negative line) and the same part of the new price is charged. A change on
    the period's first day credits the whole old price and charges the whole new one.

    Args:
        old_price: the recurring price already invoiced for ``period``.
        new_price: the recurring price of the new plan for a full period.
        change_on: the first day on the new plan; must lie in ``period``.
        period: the paid billing period in which the change happens.
        old_label: the old plan's name, as shown on the credit line.
        new_label: the new plan's name, as shown on the charge line.

    Raises:
        InvalidPeriod: ``change_on`` is outside ``period``.
        CurrencyMismatch: the two prices are in different currencies.
    """
    if change_on not in period:
        raise InvalidPeriod(field="change_on", why="{change_on} is not in the period {period}",
                            change_on=change_on, period=period)
    if old_price.currency != new_price.currency:
        raise CurrencyMismatch(expected=old_price.currency, got=new_price.currency)
    remaining = Interval(change_on, period.end)
    unused = prorate(old_price, remaining, period).amount
    charge = prorate(new_price, remaining, period).amount
    return [
        ProrationLine(
            amount=-unused,
            covers=remaining,
            formula=UNUSED_PART.write(amount=signed(-unused), price=signed(old_price),
                                      days=remaining.days, period_days=period.days,
                                      plan=old_label),
            kind="credit_unused",
        ),
        ProrationLine(
            amount=charge,
            covers=remaining,
            formula=REMAINING_PART.write(amount=signed(charge), price=signed(new_price),
                                         days=remaining.days, period_days=period.days,
                                         plan=new_label),
            kind="charge_remaining",
        ),
    ]
