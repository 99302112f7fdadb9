"""The values the billing engine reads and writes: frozen, plain and JSON-friendly.

Why a module of data only: the engine is a pure function from these values to
others. The command layer builds them from the Customer aggregate's state, records
what comes back as events, and tests write them down as literals. Every field is a
``Money``, ``date``, ``Decimal``, ``str``, ``int`` or ``bool`` (or a tuple or
mapping of them), apart from the tariff's own ``TariffDefinition``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ledger.errors import InvalidField

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date
    from decimal import Decimal

    from ledger.invoice_math import InvoiceTotals
    from ledger.money import Money
    from ledger.periods import Interval
    from ledger.tariffs.definition import TariffDefinition
    from ledger.vat import VatMode

Status: TypeAlias = Literal["active", "paused", "cancelled"]
LineKind: TypeAlias = Literal[
    "recurring", "usage", "setup", "minimum", "proration_credit", "proration_charge", "one_off"
]
FEE_KINDS: frozenset[str] = frozenset({"recurring", "proration_charge"})
"""The kinds of line that charge a flat or seat fee for days, which a credit may give back."""
_LAST_ANCHOR_DAY = 31


@dataclass(frozen=True, slots=True)
class PriceOverride:
    """An individual condition: a special price (or tiers) for one component, from and until a date.

    Attributes:
        price: replaces the price of a flat, seat or setup component.
        pricing: replaces a metered component's pricing model (``pricing.to_dict`` form).
        since: the first day it prices; ``None``: every day before ``until`` (conditions
            recorded before they had a start, which priced every day, and still do on
            replay so past invoices come out the same).
        until: the first day the tariff's own price applies again; ``None``: for ever.
        note: why the customer has it; shown in the formula of every line it prices.
        earlier: the condition agreed before this one, ending on or before ``since``: the
            days before ``since`` keep it (a price agreed for February stays February's
            when a March price is agreed in January).
    """

    price: Decimal | None = None
    pricing: Mapping[str, Any] | None = None
    until: date | None = None
    note: str = ""
    since: date | None = None
    earlier: PriceOverride | None = None

    def on(self, day: date) -> PriceOverride | None:
        """The condition of this line of agreements in force on ``day``, if any."""
        if self.applies_on(day):
            return self
        if self.since is not None and day < self.since and self.earlier is not None:
            return self.earlier.on(day)
        return None

    def bounds(self) -> set[date]:
        """Every day on which a condition of this line of agreements starts or ends."""
        days = {day for day in (self.since, self.until) if day is not None}
        return days | self.earlier.bounds() if self.earlier is not None else days

    def applies_on(self, day: date) -> bool:
        """True when the condition is in force on ``day``: on or after ``since``, before ``until``.

        Why a start: days billed before a price was agreed were charged at the price of
        their day, and whatever re-prices them later (a credit, late usage) must use it.
        """
        return (self.since is None or self.since <= day) and (
            self.until is None or day < self.until)


@dataclass(frozen=True, slots=True)
class PendingChange:
    """A plan change that takes effect on ``effective_on`` (made by ``change_plan``).

    ``lapsed``: the components whose individual prices the change ends (decided when it
    was made, ``ledger.billing.individual``); the others carry over to the new plan.
    ``None`` for changes recorded before that was decided: they keep the prices only on
    the same definition, as they always did.
    """

    effective_on: date
    tariff_code: str
    tariff_version: int
    definition: TariffDefinition
    quantity: int
    lapsed: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class PastPlan:
    """A plan the subscription had before its current one, in force on ``[since, until)``.

    Why kept: days billed under it may be re-priced later (a cancellation or pause
    credits them, a backdated change swaps them, late usage is charged for them), and
    each day must be re-priced at the price it was billed at, not at today's.
    """

    since: date
    until: date
    tariff_code: str
    tariff_version: int
    definition: TariffDefinition
    quantity: int
    overrides: Mapping[str, PriceOverride] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BilledCharge:
    """A flat or seat fee an issued invoice charged, the discount it took off, and its VAT rate.

    Why kept: a credit for some of its days (a cancellation, a pause, a plan change)
    gives back what was charged for them, so it takes off the same share of discount
    (``discount / amount``), not whatever discounts are in force on the day of the credit,
    and carries the VAT rate those days were charged at (``vat_rate``; ``None``: «без
    НДС»), not the customer's rate of today: days of 2025 charged at 20 % are given back
    at 20 % in 2026. ``withdrawn``: its invoice was voided or its line credited by a credit
    note, so it charged nothing in the end and a credit of its days gives nothing back.
    """

    component: str
    period: Interval
    amount: Money
    discount: Money
    vat_rate: Decimal | None
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class SubscriptionTerms:
    """Everything the engine needs to know about one subscription, and how far it is billed.

    Attributes:
        anchor_day: the bill cycle day (1–31) of month-based periods; day and week
            periods count from ``started_on``.
        trial_end: no recurring fee is charged for days before it.
        term_end: with ``auto_renew`` False, the service ends on this day (exclusive).
        paused_from: nothing is billed from this day on (required when paused).
        cancel_at: the service ends on this day, exclusive (required when cancelled).
        billed_until: recurring fees are billed for the days before it (``None``: none yet).
        usage_billed_until: usage and minimums are billed for the days before it.
        setup_billed: the first invoice (with any one-time fees) has been made.
        overrides: individual conditions by component code.
        pending: a plan change not yet in force for every day billed after it.
        history: the plans in force before the current one, oldest first and
            contiguous; the current plan runs from the last one's ``until`` (or
            from ``started_on``).
        billed: the fees issued invoices charged, oldest first; a later one
            charged for a day supersedes an earlier one.
    """

    subscription_id: str
    tariff_code: str
    tariff_version: int
    definition: TariffDefinition
    started_on: date
    anchor_day: int
    quantity: int = 1
    trial_end: date | None = None
    term_end: date | None = None
    auto_renew: bool = True
    status: Status = "active"
    paused_from: date | None = None
    cancel_at: date | None = None
    billed_until: date | None = None
    usage_billed_until: date | None = None
    setup_billed: bool = False
    overrides: Mapping[str, PriceOverride] = field(default_factory=dict)
    pending: PendingChange | None = None
    history: tuple[PastPlan, ...] = ()
    billed: tuple[BilledCharge, ...] = ()

    def __post_init__(self) -> None:
        day = self.anchor_day
        if isinstance(day, bool) or not 1 <= day <= _LAST_ANCHOR_DAY:
            raise InvalidField(field="anchor_day", why="anchor day must be 1–31: {day!r}", day=day)
        if self.quantity < 1:
            raise InvalidField(field="quantity", why="quantity must be at least 1")
        if self.status == "paused" and self.paused_from is None:
            raise InvalidField(field="paused_from", why="a paused subscription needs paused_from")
        if self.status == "cancelled" and self.cancel_at is None:
            raise InvalidField(field="cancel_at", why="a cancelled subscription needs cancel_at")

    @property
    def billing_start(self) -> date:
        """The first day a recurring fee is charged for: the start, or the trial's end."""
        if self.trial_end is None:
            return self.started_on
        return max(self.started_on, self.trial_end)

    @property
    def plan_since(self) -> date:
        """The first day of the current plan: the end of the last past plan, or the start."""
        return self.history[-1].until if self.history else self.started_on

    @property
    def service_end(self) -> date | None:
        """The first day without service (the end, exclusive), or ``None`` while it runs on."""
        term_end = None if self.auto_renew else self.term_end
        ends = [day for day in (self.cancel_at, self.paused_from, term_end) if day is not None]
        return min(ends, default=None)


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """Units of one metered component used on one day."""

    usage_id: str
    subscription_id: str
    component: str
    quantity: Decimal | int
    occurred_on: date


@dataclass(frozen=True, slots=True)
class DiscountTerms:
    """A discount granted to the customer, as ``CustomerState.discounts`` holds it.

    Attributes:
        periods: applies to this many invoices, then stops (``None``: no limit).
        until: the last invoice date it applies on (``None``: no limit).
        periods_used: how many invoices it has already applied to.
    """

    discount_id: str
    kind: Literal["percent", "fixed"]
    percent: Decimal | None = None
    amount: Money | None = None
    component: str | None = None
    periods: int | None = None
    until: date | None = None
    position: int = 0
    description: str = ""
    periods_used: int = 0


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One line of an invoice, before discounts and VAT, with a formula a person can check.

    Attributes:
        line_id: deterministic (subscription, component, first day, kind), so a
            re-run yields the same ids.
        component: the tariff component billed; ``None`` for tariff-wide lines
            (minimum, plan change).
        period: the days paid for; ``None`` for one-time fees.
        amount: before discount and VAT; negative for a credit.
        formula: how ``amount`` was computed, e.g. ``"7.24 = 24.95 × 9/31"``.
        vat_rate: the VAT percent; ``None`` means "без НДС".
        tariff_code: the tariff whose plan priced the line (for revenue by tariff).
    """

    line_id: str
    subscription_id: str
    component: str | None
    kind: LineKind
    description: str
    period: Interval | None
    quantity: Decimal | int
    amount: Money
    formula: str
    vat_rate: Decimal | None
    tariff_code: str | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionAdvance:
    """How far one subscription is billed once the invoice is recorded."""

    subscription_id: str
    billed_until: date | None
    usage_billed_until: date | None
    setup_billed: bool


@dataclass(frozen=True, slots=True)
class BillingResult:
    """An invoice's lines and totals, and what recording it moves forward.

    Attributes:
        totals: ``compute_invoice`` of the lines, the customer's discounts and VAT.
        advances: the subscriptions whose billing cursors moved (even on an empty invoice).
        discounts_applied: the ids of the discounts offered, in the order of
            ``totals.discounts_applied``.
        discount_periods_used: for discounts limited in periods that applied, the
            new ``periods_used``.
        usage_billed: the ids of the usage records now invoiced.
        period: the span of days the lines pay for (``None`` without dated lines).
        vat_mode: the one VAT mode every line was read in (``none``: no line carries VAT,
            whatever rate its tariff names).
    """

    as_of: date
    currency: str
    lines: tuple[InvoiceLine, ...]
    totals: InvoiceTotals
    advances: tuple[SubscriptionAdvance, ...]
    discounts_applied: tuple[str, ...]
    discount_periods_used: Mapping[str, int]
    usage_billed: tuple[str, ...]
    period: Interval | None
    vat_mode: VatMode | None = None

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to invoice."""
        return not self.lines
