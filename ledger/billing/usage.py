"""Usage and minimums: what each billing period owes for its usage once its days have ended.

Why per period: a metered component's tiers, packages and free units, and the tariff's
minimum, are per billing period, so a period is priced as one whatever cuts it (a plan
change, an individual price that starts or ends). Its usage climbs one ladder
(``ladder``): each stretch of one pricing model pays the part of the ladder its units
climb, so the period's charges add up to the model's price of its total where the model
is the same throughout. Its minimum is checked once, when its last served day is billed
(``minimum``).

Usage is billed in arrears, slice by slice (``schedule``), so a period can be billed in
two invoices (up to a plan change, then the rest); each charge is final, the second
invoice bills what the rest adds on the same ladder. One line per run of stretches that
would print alike (same model, note, tariff, names and VAT): a seat change or a new
version with the same meter gives one line for the period.

Usage that arrives after its days were billed is a correction naming its period, priced
as the difference it makes on the ladder: ``price(billed + late) − price(billed)``, so
tiers and free units count the units already invoiced, under the plan in force on the
usage's day. "Already billed" is recomputed from the usage records billed for the period.
With a minimum already charged for the period, a correction is what the period's charges
grow by above it.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING

from ledger.billing.ladder import Climb, climb, joined, stretches, total_quantity
from ledger.billing.line_texts import FEE_LINE, LATE_USAGE_LINE
from ledger.billing.minimum import floor_of, floored, minimum_line
from ledger.billing.model import InvoiceLine
from ledger.billing.schedule import Slice, cycle_of, plan_cuts, slice_at, slices
from ledger.errors import InvalidField
from ledger.money import Money
from ledger.periods import Interval
from ledger.proration import MINUS, signed

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from ledger.billing.model import SubscriptionTerms, UsageRecord
    from ledger.billing.schedule import Plan
    from ledger.tariffs.definition import Component


def metered_component(plan: Plan, record: UsageRecord) -> Component:
    """The metered component a usage record counts for.

    Raises:
        InvalidField: the plan in force on the record's day has no such metered component.
    """
    found = plan.definition.component(record.component)
    if found is None or found.kind != "metered":
        why = "usage {usage_id}: {tariff} has no metered {component!r}"
        raise InvalidField(field="component", why=why, usage_id=record.usage_id,
                           tariff=plan.definition.name, component=record.component)
    return found


def arrears_lines(
    terms: SubscriptionTerms,
    due: Sequence[Slice],
    fresh: Sequence[UsageRecord],
    late: Sequence[UsageRecord],
    billed: Sequence[UsageRecord],
) -> list[InvoiceLine]:
    """The usage, minimum and late-usage lines of the periods this invoice touches.

    Args:
        terms: the subscription; ``usage_billed_until`` is where this invoice starts.
        due: the slices from there that have ended by the invoice date, in order.
        fresh: the unbilled records dated in ``due``.
        late: the unbilled records dated before ``usage_billed_until``.
        billed: records already invoiced, the ladder's lower rungs.

    Returns:
        Each period's usage lines then its minimum, in period order; then the late
        corrections, by component.
    """
    since = max(terms.started_on, terms.usage_billed_until or terms.started_on)
    horizon = due[-1].part.end if due else since
    cycle = cycle_of(terms)
    periods: dict[Interval, list[UsageRecord]] = {piece.full: [] for piece in due}
    for record in [*fresh, *late]:
        periods.setdefault(cycle.period_at(cycle.index_of(record.occurred_on)), []).append(record)
    regular: list[InvoiceLine] = []
    corrections: list[InvoiceLine] = []
    for full in sorted(periods, key=lambda period: period.start):
        period = _Period(terms, full, since, horizon)
        charged, late_lines = period.lines(periods[full], billed)
        regular += charged
        corrections += late_lines
    return [*regular, *sorted(corrections, key=lambda line: (line.component or "", line.line_id))]


class _Period:
    """One billing period's served days up to ``horizon``, cut where the cursor ``since`` is."""

    def __init__(self, terms: SubscriptionTerms, full: Interval, since: date,
                 horizon: date) -> None:
        self.terms, self.full, self.since = terms, full, since
        self.start = max(full.start, terms.started_on)
        end = terms.service_end
        self.end = full.end if end is None else min(full.end, end)
        self.pieces: list[Slice] = []
        for piece in slices(terms, self.start) if self.start < self.end else ():
            if piece.full != full or piece.part.start >= horizon:
                break
            self.pieces += [Slice(part, full, piece.plan) for part in _cut(piece.part, since)
                            if part.start < horizon]
        self.horizon = horizon

    def lines(
        self, new: Sequence[UsageRecord], billed: Sequence[UsageRecord]
    ) -> tuple[list[InvoiceLine], list[InvoiceLine]]:
        """This invoice's usage and minimum lines of the period, and its late corrections."""
        sub = self.terms.subscription_id
        known = [r for r in billed
                 if r.subscription_id == sub and self.start <= r.occurred_on < self.full.end]
        regular: list[InvoiceLine] = []
        late: list[tuple[InvoiceLine, bool]] = []
        priced: list[tuple[Climb, Climb]] = []
        for code in _codes(self.pieces):
            ladder = stretches(self.pieces, code)
            mine = [r for r in new if r.component == code]
            before = climb(ladder, [r for r in known if r.component == code])
            after = climb(ladder, [*[r for r in known if r.component == code], *mine])
            priced += zip(before, after, strict=True)
            for b, a in self._groups(before, after):
                line = _line(sub, b, a, mine, billed=a.stretch.part.end <= self.since)
                if line is None:
                    continue
                if a.stretch.part.end <= self.since:
                    late.append((line, a.stretch.plan.definition.minimum is not None))
                else:
                    regular.append(line)
        regular += self._minimum(priced)
        return regular, self._floored(late, priced)

    def _groups(self, before: list[Climb], after: list[Climb]) -> list[tuple[Climb, Climb]]:
        """Runs of stretches that print alike, on one side of the cursor, each joined."""
        runs: list[list[int]] = []
        for index, item in enumerate(after):
            if runs:
                previous = after[runs[-1][-1]].stretch
                if (item.stretch.looks_like(previous)
                        and previous.part.end == item.stretch.part.start
                        and (previous.part.end <= self.since) == (item.stretch.part.end
                                                                  <= self.since)):
                    runs[-1].append(index)
                    continue
            runs.append([index])
        grouped = []
        for run in runs:
            part = Interval(after[run[0]].stretch.part.start, after[run[-1]].stretch.part.end)
            grouped.append((joined([before[i] for i in run], part),
                            joined([after[i] for i in run], part)))
        return grouped

    def _minimum(self, priced: list[tuple[Climb, Climb]]) -> list[InvoiceLine]:
        """The period's top-up, when this invoice bills its last served day."""
        if not self.since < self.end <= self.horizon:
            return []
        start = self._window_start()
        floor = floor_of(self.terms.subscription_id,
                         [p for p in self.pieces if p.part.start >= start],
                         self.terms.billing_start)
        if floor is None:
            return []
        usage = _usage(priced, start, after=True, currency=floor.due.currency)
        line = minimum_line(self.terms.subscription_id, floor, usage)
        return [] if line is None else [line]

    def _window_start(self) -> date:
        """Where the period's minimum starts counting.

        From the cursor back over plan changes (days billed before, at a change) to the
        period's first served day; a cursor anywhere else (a resumption after a pause,
        whose days before were checked against the minimum then) starts it.
        """
        day = max(self.start, self.since)
        cuts = set(plan_cuts(self.terms))
        while day > self.start and day in cuts:
            piece = slice_at(self.terms, day - timedelta(days=1), since=self.start)
            if piece is None:
                break
            day = piece.part.start
        return day

    def _floored(
        self, late: list[tuple[InvoiceLine, bool]], priced: list[tuple[Climb, Climb]]
    ) -> list[InvoiceLine]:
        """Late corrections; above the minimum when the period's minimum was charged."""
        floor = None
        if late and self.end <= self.since:
            floor = floor_of(self.terms.subscription_id, self.pieces, self.terms.billing_start)
        if floor is None:
            return [line for line, _ in late]
        usage = _usage(priced, self.start, after=False, currency=floor.due.currency)
        lifted = iter(floored([line for line, counts in late if counts], floor, usage))
        return [next(lifted) if counts else line for line, counts in late]


def _cut(part: Interval, day: date) -> tuple[Interval, ...]:
    if part.start < day < part.end:
        return (Interval(part.start, day), Interval(day, part.end))
    return (part,)


def _codes(pieces: Sequence[Slice]) -> list[str]:
    """The metered components of the period's plans, in order of first appearance."""
    codes: list[str] = []
    for piece in pieces:
        for component in piece.plan.definition.components:
            if component.kind == "metered" and component.code not in codes:
                codes.append(component.code)
    return codes


def _usage(priced: list[tuple[Climb, Climb]], start: date, *, after: bool,
           currency: str) -> Money:
    """What the usage of stretches from ``start`` whose plan has a minimum cost."""
    total = Money.zero(currency)
    for before, later in priced:
        item = later if after else before
        if item.stretch.part.start >= start and item.stretch.plan.definition.minimum is not None:
            total += item.amount
    return total


def _line(
    subscription_id: str, before: Climb, after: Climb, new: Sequence[UsageRecord], *,
    billed: bool,
) -> InvoiceLine | None:
    """The line of a run of stretches: what this invoice's records add to it, if anything."""
    ids = {record.usage_id for record in new}
    added = [record for record in after.records if record.usage_id in ids]
    # days not billed yet owe their whole charge; billed ones what the new records add
    amount = after.amount - before.amount if billed else after.amount
    if not added and not amount:
        return None
    stretch, part = after.stretch, after.stretch.part
    code = stretch.component.code
    formula = f"{signed(amount)} = {after.describe()}"
    if billed and (before.records or before.amount):
        already = f"{signed(before.amount)} already billed for {before.units} units"
        priced = f"{signed(after.amount)} ({after.describe()})"
        formula = f"{signed(amount)} = {priced} {MINUS} {already}"
    texts = {"plan": stretch.plan.definition.name, "component": stretch.component.name,
             "start": part.start.isoformat(), "end": part.end.isoformat()}
    if billed:
        named = sorted(record.usage_id for record in (added or new))
        digest = hashlib.sha256(",".join(named).encode()).hexdigest()
        line_id = f"{subscription_id}:{code}:{part.start}:usage-late-{digest[:12]}"
        description = LATE_USAGE_LINE.write(**texts)
    else:
        line_id = f"{subscription_id}:{code}:{part.start}:usage"
        description = FEE_LINE.write(**texts)
    return InvoiceLine(
        line_id=line_id,
        subscription_id=subscription_id,
        component=code,
        kind="usage",
        description=description,
        period=part,
        quantity=total_quantity(added),
        amount=amount,
        formula=formula,
        vat_rate=stretch.plan.definition.vat_rate,
        tariff_code=stretch.plan.tariff_code,
    )
