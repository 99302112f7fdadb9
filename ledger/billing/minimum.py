"""The tariff's minimum charge: once per billing period, never once per part of it.

Why per period: a tariff's ``minimum`` is what a period must cost at least. A plan change
inside the period (even a seat change) cuts it into slices, but the customer still owes
one minimum for the period, compared with everything the period charged. So the minimum
is checked when the period's last served day has been billed: its *floor* is the sum,
over the period's days whose plan has a minimum (and not in a trial), of that minimum
prorated like a fee (``minimum × days / days of the period``), rounded once half-up; what
the period *charged* is the flat and seat fees of those days plus their usage (priced on
the period's ladder, ``ladder``). A shortfall is one "minimum" line for the period:
``50.00 = minimum 100.00 − 50.00 charged``, or, where the minimum changed at a cut,
``minimum 100.00 × 15/31 + 150.00 × 16/31``.

Usage that comes after the period's minimum was charged raises what the period cost only
above the minimum: each correction is ``max(minimum, charged after) − max(minimum,
charged before)``, taken one after another (:func:`floored`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING

from ledger.billing.fees import fee_lines
from ledger.billing.line_texts import MINIMUM_LINE
from ledger.billing.model import InvoiceLine
from ledger.billing.schedule import Plan, Slice, money
from ledger.money import Money, total
from ledger.periods import Interval
from ledger.proration import MINUS, signed

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date
    from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Floor:
    """A period's minimum over some of its days.

    Attributes:
        part: from the first to the last day it counts (after the trial).
        due: the minimum prorated over those days, rounded once.
        fees: the flat and seat fees of those days.
        said: the minimum as a formula writes it (``"100.00"``, ``"31.00 × 15/31"``).
        plan: the plan in force on its last days, which names the line.
    """

    part: Interval
    due: Money
    fees: Money
    said: str
    plan: Plan


def floor_of(subscription_id: str, pieces: Sequence[Slice], billing_start: date) -> Floor | None:
    """The minimum of a period's ``pieces`` (slices of one period), or ``None`` without one.

    Only days whose plan has a minimum count, from ``billing_start`` (the trial's end) on.
    """
    exact = Fraction(0)
    days: dict[Decimal, int] = {}
    fees: list[Money] = []
    counted: list[Slice] = []
    for piece in pieces:
        minimum = piece.plan.definition.minimum
        start = max(piece.part.start, billing_start)
        if minimum is None or start >= piece.part.end:
            continue
        part = Interval(start, piece.part.end)
        exact += Fraction(minimum) * part.days / piece.full.days
        days[minimum] = days.get(minimum, 0) + part.days
        fees += [line.amount for line in fee_lines(
            subscription_id, Slice(part, piece.full, piece.plan), "recurring")]
        counted.append(Slice(part, piece.full, piece.plan))
    if not counted:
        return None
    first, last = counted[0], counted[-1]
    currency = last.plan.definition.currency
    said = " + ".join(
        signed(money(minimum, currency))
        + ("" if count == last.full.days else f" × {count}/{last.full.days}")
        for minimum, count in days.items()
    )
    return Floor(Interval(first.part.start, last.part.end), Money.of(exact, currency),
                 total(fees, currency), said, last.plan)


def minimum_line(subscription_id: str, floor: Floor, usage: Money) -> InvoiceLine | None:
    """The top-up to the period's minimum when its fees and ``usage`` fall short of it."""
    charged = floor.fees + usage
    if charged >= floor.due:
        return None
    shortfall = floor.due - charged
    definition = floor.plan.definition
    return InvoiceLine(
        line_id=f"{subscription_id}:minimum:{floor.part.start}:minimum",
        subscription_id=subscription_id,
        component=None,
        kind="minimum",
        description=MINIMUM_LINE.write(plan=definition.name, start=floor.part.start.isoformat(),
                                       end=floor.part.end.isoformat()),
        period=floor.part,
        quantity=1,
        amount=shortfall,
        formula=f"{signed(shortfall)} = minimum {floor.said} {MINUS} {signed(charged)} charged",
        vat_rate=definition.vat_rate,
        tariff_code=floor.plan.tariff_code,
    )


def floored(lines: Sequence[InvoiceLine], floor: Floor, usage_before: Money) -> list[InvoiceLine]:
    """Late corrections of a period whose minimum was charged: each only above the minimum.

    Args:
        lines: the corrections, in order; each one's amount is what its usage adds.
        floor: the period's minimum.
        usage_before: what the period's usage cost before them.
    """
    charged = floor.fees + usage_before
    result = []
    for line in lines:
        after = charged + line.amount
        amount = max(floor.due, after) - max(floor.due, charged)
        formula = (
            f"{signed(amount)} = max({signed(floor.due)} minimum, {signed(after)} charged)"
            f" {MINUS} max({signed(floor.due)} minimum, {signed(charged)} charged);"
            f" usage {line.formula}"
        )
        result.append(line if amount == line.amount
                      else replace(line, amount=amount, formula=formula))
        charged = after
    return result
