"""What a customer's history adds up to: the state the Customer aggregate decides from.

All of it is one pydantic model so that a snapshot is plain JSON and comes back typed.
Amounts are ``Money``; signs are named: ``receivable`` is what the customer owes us,
``credit`` is what we owe the customer (an overpayment), never a bare "balance".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger.customers.payment_book import PaymentBook
from ledger.money import Money
from ledger.periods import PeriodUnit
from ledger.vat import VatMode


class ServiceStatus(StrEnum):
    """Whether the customer may use the service, as other systems need to know."""

    ACTIVE = "active"
    PAST_DUE = "past_due"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Profile(_State):
    """Who the customer is and how they are billed.

    ``external_ids`` holds the customer's key in each source system that knows it (``{"amocrm":
    "contact:12345"}``), so a CRM's later deliveries find it; ``tags`` are the CRM's deal tags,
    kept sorted and unique so that the same tags in another order are no change.
    """

    external_key: str
    name: str
    currency: str
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    manager: str | None = None
    tags: list[str] = Field(default_factory=list)
    external_ids: dict[str, str] = Field(default_factory=dict)
    vat_mode: VatMode | None = None
    vat_rate: Decimal | None = None
    payment_terms_days: int = 10


def normalised_tags(tags: list[str] | tuple[str, ...]) -> list[str]:
    """Tags as the profile keeps them: trimmed, without blanks or repeats, sorted."""
    return sorted({tag.strip() for tag in tags if tag.strip()})


class PriceOverrideState(_State):
    """An individual condition on one component: a special price or tiers, from and until a date.

    ``effective_from``: its first day; ``None`` for conditions recorded before they had a
    start, which price every day before ``until`` (so past invoices replay unchanged).
    ``earlier``: the condition it followed, cut to end on ``effective_from``: the days
    before this one starts keep the price agreed for them, billed or not yet billed.
    """

    price: Decimal | None = None
    pricing: dict[str, Any] | None = None
    until: date | None = None
    note: str = ""
    agreed_by: str = ""
    agreed_on: date | None = None
    effective_from: date | None = None
    earlier: PriceOverrideState | None = None

    def before(self, day: date | None) -> PriceOverrideState | None:
        """This condition and those it followed, for the days before ``day`` only.

        ``None`` when none of them prices a day before ``day`` (a ``day`` of ``None``
        starts on no day, so it follows nothing).
        """
        if day is None:
            return None
        if self.effective_from is not None and self.effective_from >= day:
            return self.earlier.before(day) if self.earlier is not None else None
        if self.until is not None and self.until <= day:
            return self
        return self.model_copy(update={"until": day})


class PendingChangeState(_State):
    """A tariff or quantity change that takes effect at a later period boundary.

    ``lapsed_overrides``: the components whose individual prices it ends; ``None`` for
    changes recorded before that was decided, which end them all on another tariff.
    """

    effective_on: date
    tariff_code: str
    tariff_version: int
    quantity: int
    lapsed_overrides: list[str] | None = None


class PastPlanState(_State):
    """A plan a subscription had before its current one, in force on ``[since, until)``.

    Kept because days billed under it may be re-priced later (credited on a cancellation
    or pause, swapped by a backdated change, charged for late usage) at their own price.
    """

    since: date
    until: date
    tariff_code: str
    tariff_version: int
    quantity: int
    overrides: dict[str, PriceOverrideState] = Field(default_factory=dict)


class BilledChargeState(_State):
    """A flat or seat fee an invoice charged for ``[period_start, period_end)``, and its discount.

    Kept because a later credit for some of those days gives back what was charged for
    them: the same share of discount, not the discounts in force on the day of the credit.
    ``withdrawn``: its invoice was voided, or a credit note credited its line (a line is
    credited whole), so nothing of it stands and a later credit of its days gives nothing
    back. ``invoice_id`` and ``line_id`` say which line it is, for the void or the note.
    ``given_back``: the net that credit lines on later invoices (a cancellation, a pause, a
    plan change) already gave back for some of its days, the last of them on invoice
    ``given_back_on`` (a number); such a fee can no longer be voided or credited whole.
    ``vat_rate``: the rate its line carried (``None``: «без НДС»), which a credit of its
    days carries too, whatever the customer's rate is by then. Derived on replay from the
    invoices' lines.
    """

    component: str
    period_start: date
    period_end: date
    amount: Money
    discount: Money
    vat_rate: Decimal | None = None
    invoice_id: str = ""
    line_id: str = ""
    withdrawn: bool = False
    given_back: Money | None = None
    given_back_on: str = ""


class Subscription(_State):
    """One subscription of the customer to a tariff version, and how far it is billed.

    ``tariff_code``, ``tariff_version``, ``quantity`` and ``overrides`` are the current
    plan, in force from the end of the last of ``history`` (the plans before it, oldest
    first), or from ``started_on``. ``billed`` lists the fees invoices charged, oldest first.
    ``last_pause`` is the latest pause that ended (its first day and the resumption): nothing
    may be dated before that resumption.
    """

    subscription_id: str
    tariff_code: str
    tariff_version: int
    started_on: date
    anchor_day: int
    quantity: int
    period_unit: PeriodUnit
    period_count: int
    timing: Literal["in_advance", "in_arrears"]
    trial_end: date | None = None
    first_renewal: date
    term_end: date | None = None
    auto_renew: bool = True
    status: Literal["active", "paused", "cancelled"] = "active"
    paused_from: date | None = None
    last_pause: tuple[date, date] | None = None
    cancel_at: date | None = None
    billed_until: date | None = None
    usage_billed_until: date | None = None
    setup_billed: bool = False
    overrides: dict[str, PriceOverrideState] = Field(default_factory=dict)
    pending: PendingChangeState | None = None
    history: list[PastPlanState] = Field(default_factory=list)
    billed: list[BilledChargeState] = Field(default_factory=list)

    @property
    def plan_since(self) -> date:
        """The first day of the current plan."""
        return self.history[-1].until if self.history else self.started_on

    def take_pending(self, *, usage_billed_until: date | None) -> None:
        """Make the pending change the current plan; the plans before it join ``history``.

        The plans are cut at the change's date (a backdated change replaces the days
        after it); individual prices stay, but for those the change ended
        (``ledger.billing.individual``; all of them on another tariff, for a change recorded
        before that was decided). Called when the change is billed through (an invoice's
        cursor, or a later change that found it so).
        """
        change = self.pending
        if change is None:
            return
        day, since = change.effective_on, self.plan_since
        # Replay takes every change in turn: a change that follows the current plan (the
        # usual case) appends one plan, so a long history replays in linear time; only a
        # backdated one rewrites the list, and it reuses the plans it does not cut.
        if day < since:
            self.history = [past if past.until <= day else past.model_copy(update={"until": day})
                            for past in self.history if past.since < day]
        elif since < day:
            self.history.append(PastPlanState(
                since=since, until=day, tariff_code=self.tariff_code,
                tariff_version=self.tariff_version, quantity=self.quantity,
                overrides=dict(self.overrides)))
        if change.lapsed_overrides is not None:
            self.overrides = {code: kept for code, kept in self.overrides.items()
                              if code not in change.lapsed_overrides}
        elif (change.tariff_code, change.tariff_version) != (
                self.tariff_code, self.tariff_version):
            self.overrides = {}
        self.tariff_code, self.tariff_version = change.tariff_code, change.tariff_version
        self.quantity = change.quantity
        self.usage_billed_until = usage_billed_until
        self.pending = None


class Discount(_State):
    """A discount granted to the customer, applied by bill runs in ``position`` order."""

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


class Balance(_State):
    """Running totals of one currency; ``receivable`` and ``credit`` are derived."""

    currency: str
    charged: int = 0
    credited: int = 0
    paid: int = 0
    adjusted: int = 0
    refunded: int = 0
    written_off: int = 0

    @property
    def net_minor(self) -> int:
        """Positive when the customer owes us, negative when we owe them."""
        return (
            self.charged - self.credited + self.adjusted + self.refunded
            - self.paid - self.written_off
        )

    @property
    def receivable(self) -> Money:
        """What the customer owes (never negative)."""
        return Money(max(self.net_minor, 0), self.currency)

    @property
    def credit(self) -> Money:
        """What we owe the customer, e.g. an overpayment (never negative)."""
        return Money(max(-self.net_minor, 0), self.currency)


class PendingCharge(_State):
    """A one-off charge (or a plan-change correction) waiting for the next invoice."""

    charge_id: str
    kind: str = "one_off"
    description: str
    amount: Money
    vat_rate: Decimal | None = None
    subscription_id: str | None = None
    component: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    formula: str = ""
    tariff_code: str | None = None
    """The tariff whose plan priced a plan change's line (None: one-off, or recorded before
    it was kept, when the invoice names the subscription's tariff of its day)."""


class UsageState(_State):
    """A usage record not yet invoiced."""

    usage_id: str
    subscription_id: str
    component: str
    quantity: Decimal
    occurred_on: date


class InvoiceState(_State):
    """An issued invoice and what has settled it so far (minor units of its currency)."""

    invoice_id: str
    number: str
    currency: str
    issued_on: date
    due_on: date
    total: int
    paid: int = 0
    credited: int = 0
    written_off: int = 0
    void: bool = False
    credit_allocated: int = 0
    """Of a negative invoice's credit, what has settled other invoices (``CreditAllocated``):
    such an invoice can no longer be voided, since the invoices it settled would reopen."""
    credited_lines: dict[str, int] = Field(default_factory=dict)
    """Line id → what credit notes have credited of that line, so that no note credits a
    line twice (``CreditNoteIssued.lines``, replayed from every note)."""
    given_back: int = 0
    """What credit lines of later invoices (a cancellation, a pause, a plan change) gave back
    of the days it charged, with VAT: beyond what it has not written off, that credit is no
    money the customer paid, and is not given back (``BillingDecisions.issue_invoice``)."""

    @property
    def open_minor(self) -> int:
        """What is still to be paid on it."""
        if self.void:
            return 0
        return max(self.total - self.paid - self.credited - self.written_off, 0)

    @property
    def status(self) -> str:
        """How the invoice stands (overdue is a matter of the date, not of the state).

        ``issued`` (nothing settled), ``partially_paid``, ``void``; once nothing is open:
        ``written_off`` when part or all of it was given up as bad debt, ``credited`` when
        credit notes cleared it with nothing paid, else ``paid``. So a filter on ``paid``
        never lists debt that was given up or cancelled.
        """
        if self.void:
            return "void"
        if self.open_minor > 0:
            return "partially_paid" if self.paid or self.credited else "issued"
        if self.written_off:
            return "written_off"
        return "credited" if self.credited and not self.paid else "paid"


class CustomerState(_State):
    """Everything the Customer aggregate needs to decide the next command."""

    profile: Profile
    status: ServiceStatus = ServiceStatus.ACTIVE
    subscriptions: dict[str, Subscription] = Field(default_factory=dict)
    discounts: dict[str, Discount] = Field(default_factory=dict)
    balances: dict[str, Balance] = Field(default_factory=dict)
    payments: PaymentBook = Field(default_factory=PaymentBook)
    bank_links: dict[str, str] = Field(default_factory=dict)
    """Payments typed in by hand that a bank line was linked to: payment id → line id."""
    charge_ids: set[str] = Field(default_factory=set)
    adjustment_ids: set[str] = Field(default_factory=set)
    pending_charges: dict[str, PendingCharge] = Field(default_factory=dict)
    usage: dict[str, UsageState] = Field(default_factory=dict)
    usage_ids: set[str] = Field(default_factory=set)
    billed_usage: dict[str, Decimal] = Field(default_factory=dict)
    invoices: dict[str, InvoiceState] = Field(default_factory=dict)
    dunning: dict[str, int] = Field(default_factory=dict)
    """Invoice id → the day (days after due) of the last dunning step taken for it."""
    dunning_actions: dict[str, set[str]] = Field(default_factory=dict)
    """Invoice id → the service actions (``suspend``, ``cancel``) dunning took for it, so
    that a policy version that moves them neither skips nor repeats one."""
    suspension_days: int | None = None
    """Days overdue at which dunning last suspended the customer: the bar a payment must clear
    (no open invoice this overdue) for automatic reactivation. None: never suspended by dunning."""

    def balance(self, currency: str) -> Balance:
        """The running totals of one currency, created empty on first use."""
        if currency not in self.balances:
            self.balances[currency] = Balance(currency=currency)
        return self.balances[currency]

    def credit_no_payment_holds(self, currency: str) -> int:
        """The part of the credit (minor units) that is no payment's unallocated money.

        Credit a negative invoice, a credit note or an adjustment left, not yet used: the
        rest of the customer's credit is payments' free money, which refunds, re-allocations
        and chargebacks of those payments draw on.
        """
        balance = self.balances.get(currency)
        if balance is None:
            return 0
        held = sum(max(p.unallocated, 0) for p in self.payments.values()
                   if p.currency == currency)
        return max(balance.credit.minor - held, 0)
