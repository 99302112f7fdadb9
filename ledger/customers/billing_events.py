"""The billing facts of a customer's history: usage, plan changes, invoices, credit notes.

An invoice is the event that changes what the customer owes: its total (VAT included)
goes to ``charged``. Lines keep the formula that produced them, so an accountant can check
every kopeck without the code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger.aggregate import StateEvent
from ledger.billing.model import FEE_KINDS
from ledger.customers.collections_events import move_allocations
from ledger.customers.state import (
    BilledChargeState,
    CustomerState,
    InvoiceState,
    PendingChangeState,
    PendingCharge,
    PriceOverrideState,
    UsageState,
)
from ledger.money import Money
from ledger.vat import VatMode


class LineRecord(BaseModel):
    """One invoice line as recorded: amounts before and after discount, VAT, formula."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line_id: str
    kind: str
    description: str
    subscription_id: str | None = None
    tariff_code: str | None = None
    component: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    quantity: Decimal = Decimal(1)
    amount: Money
    discount: Money
    net: Money
    vat_rate: Decimal | None = None
    vat: Money
    total: Money
    formula: str = ""


class SubscriptionCursor(BaseModel):
    """How far a subscription is billed after an invoice, and the plan now in force."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subscription_id: str
    billed_until: date | None
    usage_billed_until: date | None
    setup_billed: bool
    tariff_code: str
    tariff_version: int
    quantity: int
    change_settled: bool = False


class UsageRecorded(StateEvent):
    """Units of a metered component were used (recorded once per client usage id)."""

    usage_id: str
    subscription_id: str
    component: str
    quantity: Decimal
    occurred_on: date

    def change(self, state: CustomerState) -> None:
        """Keep the usage for the invoice of its period."""
        state.usage_ids.add(self.usage_id)
        state.usage[self.usage_id] = UsageState(
            usage_id=self.usage_id, subscription_id=self.subscription_id,
            component=self.component, quantity=self.quantity, occurred_on=self.occurred_on,
        )


class SettledChange(BaseModel):
    """An earlier pending change that a new change found billed through, and took first.

    Its plan becomes the current one from ``effective_on`` (the plans before it join the
    subscription's history) and the usage cursor is where folding it left it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    effective_on: date
    tariff_code: str
    tariff_version: int
    quantity: int
    usage_billed_until: date | None = None
    lapsed_overrides: list[str] | None = None


class SubscriptionChanged(StateEvent):
    """A tariff or quantity change was requested, effective ``effective_on``.

    Immediate changes inside an already billed period carry correction lines (credit for
    the unused part of the old plan, charge for the rest of the period on the new one);
    they are billed on the next invoice. ``settled``: the earlier pending change this one
    found billed through, made the current plan before this change is remembered. Changes
    recorded before ``settled`` existed replace the earlier pending change, as they did:
    the days after it were billed without it. ``lapsed_overrides``: the components whose
    individual prices the change ends (decided when it was made, since replay has no
    catalog); the others carry over. Changes recorded before it was kept end them all
    when the tariff or version differs, as they did.
    """

    subscription_id: str
    when: Literal["immediate", "end_of_term"]
    effective_on: date
    tariff_code: str
    tariff_version: int
    quantity: int
    lines: list[PendingCharge] = Field(default_factory=list)
    settled: SettledChange | None = None
    lapsed_overrides: list[str] | None = None

    def change(self, state: CustomerState) -> None:
        """Remember the change until it is billed through, and its correction lines."""
        sub = state.subscriptions[self.subscription_id]
        if self.settled is not None:
            earlier = self.settled
            sub.pending = PendingChangeState(
                effective_on=earlier.effective_on, tariff_code=earlier.tariff_code,
                tariff_version=earlier.tariff_version, quantity=earlier.quantity,
                lapsed_overrides=earlier.lapsed_overrides,
            )
            sub.take_pending(usage_billed_until=earlier.usage_billed_until)
        sub.pending = PendingChangeState(
            effective_on=self.effective_on, tariff_code=self.tariff_code,
            tariff_version=self.tariff_version, quantity=self.quantity,
            lapsed_overrides=self.lapsed_overrides,
        )
        for line in self.lines:
            state.pending_charges[line.charge_id] = line


class SubscriptionPaused(StateEvent):
    """Billing of a subscription stops from ``paused_from`` until it is resumed.

    Days already billed after ``paused_from`` are credited by the next invoice.
    """

    subscription_id: str
    paused_from: date

    def change(self, state: CustomerState) -> None:
        """Stop billing from the pause date."""
        sub = state.subscriptions[self.subscription_id]
        sub.status, sub.paused_from = "paused", self.paused_from


class SubscriptionResumed(StateEvent):
    """Billing of a paused subscription starts again on ``resumed_on``."""

    subscription_id: str
    resumed_on: date

    def change(self, state: CustomerState) -> None:
        """Bill again from the resume date (the paused days are never billed).

        The pause is kept as the last one: nothing may be dated before its resumption.
        """
        sub = state.subscriptions[self.subscription_id]
        if sub.paused_from is not None:
            sub.last_pause = (sub.paused_from, self.resumed_on)
        sub.status, sub.paused_from = "active", None
        sub.billed_until = max(sub.billed_until or self.resumed_on, self.resumed_on)
        if sub.usage_billed_until is not None:
            sub.usage_billed_until = max(sub.usage_billed_until, self.resumed_on)


class SubscriptionCancelled(StateEvent):
    """The subscription ends on ``cancel_at`` (exclusive).

    Days already billed beyond it are credited by the next invoice.
    """

    subscription_id: str
    when: Literal["immediate", "end_of_term"]
    cancel_at: date

    def change(self, state: CustomerState) -> None:
        """Set the end of service."""
        sub = state.subscriptions[self.subscription_id]
        sub.status, sub.cancel_at = "cancelled", self.cancel_at


class IndividualPriceSet(StateEvent):
    """An individual condition was agreed: a special price or tiers for one component.

    It prices the days from ``effective_from`` (never days already billed) until ``until``.
    Conditions recorded before it was kept carry none and price every day before ``until``,
    as they did, so the invoices they priced replay unchanged.
    """

    subscription_id: str
    component: str
    price: Decimal | None = None
    pricing: dict[str, object] | None = None
    until: date | None = None
    note: str = ""
    agreed_by: str = ""
    agreed_on: date | None = None
    effective_from: date | None = None

    def change(self, state: CustomerState) -> None:
        """Apply the condition to the subscription's component, from its first day.

        The condition it follows keeps the days before that (``PriceOverrideState.earlier``).
        """
        overrides = state.subscriptions[self.subscription_id].overrides
        followed = overrides.get(self.component)
        overrides[self.component] = PriceOverrideState(
            price=self.price, pricing=dict(self.pricing) if self.pricing else None,
            until=self.until, note=self.note, agreed_by=self.agreed_by,
            agreed_on=self.agreed_on, effective_from=self.effective_from,
            earlier=followed.before(self.effective_from) if followed is not None else None,
        )


class InvoiceIssued(StateEvent):
    """An invoice was issued: it bills its lines, and what the customer owes grows by its total.

    ``credit_applied`` is the customer's earlier credit used on it, taken from the listed
    payments (``credit_sources``: payment id → minor units). An invoice whose credits exceed
    its charges (``amount_due`` below zero) is itself credit: when invoices are open, the
    ``CreditAllocated`` recorded right after it says which of them it settled.

    ``vat_mode`` is the mode its lines were read in: ``none`` means no line carries VAT,
    though each keeps the rate its tariff names. Documents and exports read it instead of
    guessing from amounts (a 22 % line of 0.02 has VAT 0.00 too). Invoices recorded before
    it was kept carry None.
    """

    invoice_id: str
    number: str
    issued_on: date
    due_on: date
    period_start: date | None = None
    period_end: date | None = None
    lines: list[LineRecord]
    subtotal: Money
    discount_total: Money
    vat_total: Money
    total: Money
    credit_applied: Money
    credit_sources: dict[str, int] = Field(default_factory=dict)
    amount_due: Money
    cursors: list[SubscriptionCursor] = Field(default_factory=list)
    discounts_used: dict[str, int] = Field(default_factory=dict)
    usage_billed: list[str] = Field(default_factory=list)
    charges_billed: list[str] = Field(default_factory=list)
    vat_mode: VatMode | None = None

    def change(self, state: CustomerState) -> None:
        """Charge the total, settle it from credit, move every billing cursor."""
        state.balance(self.total.currency).charged += self.total.minor
        state.invoices[self.invoice_id] = InvoiceState(
            invoice_id=self.invoice_id, number=self.number, currency=self.total.currency,
            issued_on=self.issued_on, due_on=self.due_on, total=self.total.minor,
            paid=self.credit_applied.minor,
        )
        for payment_id, minor in self.credit_sources.items():
            if payment_id not in state.payments:
                continue  # credit from a credit note or an adjustment, not from a payment
            allocations = state.payments[payment_id].allocations
            allocations[self.invoice_id] = allocations.get(self.invoice_id, 0) + minor
        for line in self.lines:
            _remember_fee(state, self.invoice_id, line)
        for cursor in self.cursors:
            _move(state, cursor)
        for discount_id, used in self.discounts_used.items():
            state.discounts[discount_id].periods_used = used
        for usage_id in self.usage_billed:
            record = state.usage.pop(usage_id)
            key = f"{record.subscription_id}|{record.component}|{record.occurred_on}"
            state.billed_usage[key] = state.billed_usage.get(key, Decimal(0)) + record.quantity
        for charge_id in self.charges_billed:
            state.pending_charges.pop(charge_id, None)


def _remember_fee(state: CustomerState, invoice_id: str, line: LineRecord) -> None:
    """Keep a flat or seat fee the invoice charged, with the discount it took and its VAT rate.

    A later credit of its days gives back its net (``ledger.billing.credits``) at its rate
    (``ledger.billing.line_rates``); invoices recorded before this was kept are read the
    same way on replay.
    """
    sub = state.subscriptions.get(line.subscription_id or "")
    if (sub is None or line.component is None or line.period_start is None
            or line.period_end is None):
        return
    if line.amount.minor < 0:
        _remember_given_back(sub.billed, state.invoices, state.invoices[invoice_id], line)
    if line.kind not in FEE_KINDS or line.amount.minor <= 0:
        return
    sub.billed.append(BilledChargeState(
        component=line.component, period_start=line.period_start, period_end=line.period_end,
        amount=line.amount, discount=line.discount, vat_rate=line.vat_rate,
        invoice_id=invoice_id, line_id=line.line_id))


def _remember_given_back(
    billed: list[BilledChargeState], invoices: dict[str, InvoiceState], invoice: InvoiceState,
    credit: LineRecord,
) -> None:
    """Add a credit line's net to the fee that charged its first day on an earlier invoice.

    The fee is the one the credit gives back from (``ledger.billing.credits``): the last of
    the same component charging that day. A credit of days its own invoice charged leaves
    earlier fees alone. The fee's invoice counts the line's total (with VAT) as given back
    of it (``InvoiceState.given_back``).
    """
    day = credit.period_start
    fee = next((fee for fee in reversed(billed) if fee.component == credit.component
                and day is not None and fee.period_start <= day < fee.period_end), None)
    if fee is None or fee.invoice_id == invoice.invoice_id or credit.net.minor == 0:
        return
    back = -credit.net
    fee.given_back = back if fee.given_back is None else fee.given_back + back
    fee.given_back_on = invoice.number
    if (charged := invoices.get(fee.invoice_id)) is not None:
        charged.given_back -= credit.total.minor


def _withdraw(state: CustomerState, invoice_id: str, line_ids: set[str] | None = None) -> None:
    """Mark the fees an invoice charged (all, or the lines ``line_ids``) as no longer standing.

    A voided invoice, or a credited line, charged nothing in the end: a later credit of
    those days gives nothing back (``ledger.billing.credits``). Derived on replay from the
    void or the note, so histories recorded before this was kept are read the same way.
    """
    for sub in state.subscriptions.values():
        for fee in sub.billed:
            if fee.invoice_id == invoice_id and (line_ids is None or fee.line_id in line_ids):
                fee.withdrawn = True


def _move(state: CustomerState, cursor: SubscriptionCursor) -> None:
    """Move a subscription's cursors; a change billed through becomes its current plan.

    The plan it replaces joins the subscription's history up to the change's date (from
    the pending change in the state, for histories recorded before there was a history).
    """
    sub = state.subscriptions[cursor.subscription_id]
    if cursor.change_settled and sub.pending is not None:
        sub.take_pending(usage_billed_until=cursor.usage_billed_until)
    tariff_changed = (cursor.tariff_code, cursor.tariff_version) != (
        sub.tariff_code, sub.tariff_version)
    sub.billed_until = cursor.billed_until
    sub.usage_billed_until = cursor.usage_billed_until
    sub.setup_billed = cursor.setup_billed
    sub.tariff_code, sub.tariff_version = cursor.tariff_code, cursor.tariff_version
    sub.quantity = cursor.quantity
    if cursor.change_settled:
        sub.pending = None
        if tariff_changed:
            sub.overrides = {}


class InvoiceVoided(StateEvent):
    """An unpaid invoice was voided: it no longer counts, and its number is not reused."""

    invoice_id: str
    number: str
    total: Money

    def change(self, state: CustomerState) -> None:
        """Take the invoice's total off what the customer owes; its fees no longer stand."""
        state.balance(self.total.currency).charged -= self.total.minor
        state.invoices[self.invoice_id].void = True
        _withdraw(state, self.invoice_id)


class CreditNoteIssued(StateEvent):
    """A credit note corrected an issued invoice (in full or by lines); the amount is credit.

    It lowers what its invoice asks for; what goes beyond what that invoice had open was
    paid on it, and is released: ``released`` takes that much off the payments that had
    settled the invoice (payment id → minor units, the most recent payment first), whose
    money is free again, and ``released_credit`` off the credit no payment holds that had
    settled it (credit used at its issue, or allocated to it). The invoice then counts
    as paid only what it still needs, so the same money never settles it and something
    else. The freed money settles other open invoices through the ``CreditAllocated``
    recorded right after it; what none needs stays credit. Notes recorded before the
    release existed carry neither field, and replay as they were.
    """

    credit_note_id: str
    number: str
    invoice_id: str
    invoice_number: str
    lines: list[LineRecord]
    vat_total: Money
    total: Money
    released: dict[str, int] = Field(default_factory=dict)
    released_credit: int = 0

    def change(self, state: CustomerState) -> None:
        """Lower what the customer owes and what the invoice asks for; free what it paid."""
        state.balance(self.total.currency).credited += self.total.minor
        invoice = state.invoices[self.invoice_id]
        invoice.credited += self.total.minor
        for line in self.lines:
            credited = invoice.credited_lines.get(line.line_id, 0)
            invoice.credited_lines[line.line_id] = credited + line.total.minor
        _withdraw(state, self.invoice_id, {line.line_id for line in self.lines})
        for payment_id, minor in self.released.items():
            move_allocations(state, state.payments[payment_id], {self.invoice_id: minor}, -1)
        invoice.paid -= self.released_credit
