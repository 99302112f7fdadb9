"""The Customer's billing decisions: what is due, what an invoice says, plan changes.

The arithmetic is the pure engine's (``ledger.billing``); this mixin translates between
the aggregate's state and the engine's values, and records what the engine decided. Tariff
definitions come from the catalog through a lookup the command layer passes in (read-only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledger.billing.changes import change_plan
from ledger.billing.engine import bill
from ledger.billing.feedback import advance_subscriptions
from ledger.billing.model import (
    BilledCharge,
    DiscountTerms,
    InvoiceLine,
    PastPlan,
    PendingChange,
    PriceOverride,
    SubscriptionTerms,
    UsageRecord,
)
from ledger.billing.schedule import plan_on
from ledger.customers import billing_events as ev
from ledger.customers import events, unpaid_credit
from ledger.customers.lifecycle import ensure_after_resumption
from ledger.customers.payment_book import NO_PAYMENT
from ledger.customers.state import (
    CustomerState,
    PendingCharge,
    PriceOverrideState,
    Subscription,
)
from ledger.errors import InvalidField, NotFound, Term
from ledger.money import Money
from ledger.periods import Interval
from ledger.vat import VatRate

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from ledger.billing.model import BillingResult
    from ledger.events import Provenance
    from ledger.tariffs.definition import TariffDefinition

    Catalog = Callable[[str, int], TariffDefinition]


@dataclass(frozen=True)
class ChangeMade:
    """A recorded plan change: its correction lines, and the individual prices it ends.

    ``lapsed``: one sentence per price that lapses (``Lapse.sentence``), for the person
    who made the change; nothing agreed with the customer ends without being said.
    """

    lines: list[PendingCharge]
    lapsed: list[str]


@dataclass(frozen=True)
class DraftInvoice:
    """What the next invoice of a customer would say, before it has a number."""

    as_of: date
    result: BillingResult
    cursors: tuple[ev.SubscriptionCursor, ...]
    charges_billed: tuple[str, ...]
    credit_sources: dict[str, int]


class BillingDecisions:
    """Billing methods of the Customer aggregate (mixed into ``Customer``)."""

    state: CustomerState
    id: Any
    record: Callable[..., None]
    settle_with_credit: Callable[..., dict[str, int]]

    # -- reading the state as the engine's values --------------------------------------------

    def subscription(self, subscription_id: str) -> Subscription:
        """One subscription, or NotFound naming the field."""
        found = self.state.subscriptions.get(subscription_id)
        if found is None:
            raise NotFound("no subscription {subscription_id}", field="subscription_id",
                           subscription_id=subscription_id)
        return found

    def terms_of(self, sub: Subscription, catalog: Catalog) -> SubscriptionTerms:
        """The engine's view of one subscription."""
        pending = None
        if sub.pending is not None:
            pending = PendingChange(
                effective_on=sub.pending.effective_on, tariff_code=sub.pending.tariff_code,
                tariff_version=sub.pending.tariff_version,
                definition=catalog(sub.pending.tariff_code, sub.pending.tariff_version),
                quantity=sub.pending.quantity, lapsed=_lapsed(sub.pending.lapsed_overrides),
            )
        history = tuple(
            PastPlan(
                since=past.since, until=past.until, tariff_code=past.tariff_code,
                tariff_version=past.tariff_version,
                definition=catalog(past.tariff_code, past.tariff_version),
                quantity=past.quantity, overrides=_overrides(past.overrides),
            )
            for past in sub.history
        )
        return SubscriptionTerms(
            subscription_id=sub.subscription_id, tariff_code=sub.tariff_code,
            tariff_version=sub.tariff_version,
            definition=catalog(sub.tariff_code, sub.tariff_version),
            started_on=sub.started_on, anchor_day=sub.anchor_day, quantity=sub.quantity,
            trial_end=sub.trial_end, term_end=sub.term_end, auto_renew=sub.auto_renew,
            status=sub.status, paused_from=sub.paused_from, cancel_at=sub.cancel_at,
            billed_until=sub.billed_until, usage_billed_until=sub.usage_billed_until,
            setup_billed=sub.setup_billed,
            overrides=_overrides(sub.overrides), pending=pending, history=history,
            billed=tuple(
                BilledCharge(fee.component, Interval(fee.period_start, fee.period_end),
                             fee.amount, fee.discount, fee.vat_rate, withdrawn=fee.withdrawn)
                for fee in sub.billed
            ),
        )

    def _pending_lines(self) -> list[InvoiceLine]:
        """The lines waiting for an invoice: one-off charges and plan changes' corrections.

        A one-off charge carries the rate it was recorded with (``charge_vat``); one recorded
        without a rate takes the customer's rate of this bill run, as it always did.
        """
        profile_rate = self.state.profile.vat_rate
        return [
            InvoiceLine(
                line_id=charge.charge_id, subscription_id=charge.subscription_id or "",
                component=charge.component, kind=charge.kind,  # type: ignore[arg-type]
                description=charge.description,
                period=(Interval(charge.period_start, charge.period_end)
                        if charge.period_start and charge.period_end else None),
                quantity=1, amount=charge.amount, formula=charge.formula,
                vat_rate=charge.vat_rate if charge.vat_rate is not None else profile_rate,
                tariff_code=charge.tariff_code,
            )
            for charge in self.state.pending_charges.values()
        ]

    def _usage(self) -> list[UsageRecord]:
        return [
            UsageRecord(u.usage_id, u.subscription_id, u.component, u.quantity, u.occurred_on)
            for u in self.state.usage.values()
        ]

    def _billed_usage(self) -> list[UsageRecord]:
        records = []
        for key, quantity in self.state.billed_usage.items():
            subscription_id, component, day = key.split("|")
            records.append(UsageRecord(f"billed:{key}", subscription_id, component, quantity,
                                       date_of(day)))
        return records

    def _discounts(self) -> list[DiscountTerms]:
        return [
            DiscountTerms(
                discount_id=d.discount_id, kind=d.kind, percent=d.percent, amount=d.amount,
                component=d.component, periods=d.periods, until=d.until, position=d.position,
                description=d.description, periods_used=d.periods_used,
            )
            for d in sorted(self.state.discounts.values(), key=lambda d: d.position)
        ]

    # -- the next invoice ---------------------------------------------------------------------

    def draft_invoice(self, as_of: date, catalog: Catalog) -> DraftInvoice | None:
        """What is due by ``as_of``; None when nothing is (pure: records nothing)."""
        profile = self.state.profile
        terms = [self.terms_of(s, catalog) for s in self.state.subscriptions.values()]
        credit = self.state.balance(profile.currency).credit
        result = bill(
            as_of, terms, self._usage(), self._discounts(), credit_available=credit,
            currency=profile.currency, vat_mode=profile.vat_mode,
            vat_rate=VatRate(profile.vat_rate) if profile.vat_rate is not None else None,
            pending_lines=self._pending_lines(), billed_usage=self._billed_usage(),
        )
        if result.is_empty:
            return None
        moved = {t.subscription_id: t for t in advance_subscriptions(terms, result)}
        cursors = tuple(
            ev.SubscriptionCursor(
                subscription_id=t.subscription_id, billed_until=t.billed_until,
                usage_billed_until=t.usage_billed_until, setup_billed=t.setup_billed,
                tariff_code=t.tariff_code, tariff_version=t.tariff_version,
                quantity=t.quantity,
                change_settled=self.state.subscriptions[t.subscription_id].pending is not None
                and t.pending is None,
            )
            for t in moved.values()
        )
        return DraftInvoice(as_of, result, cursors, tuple(self.state.pending_charges),
                            self._credit_sources(result.totals.credit_applied))

    def _credit_sources(self, applied: Money) -> dict[str, int]:
        """Take the credit used from the oldest payments with money left unallocated.

        The rest is credit no payment holds (``NO_PAYMENT``), added to, never written over,
        an entry of that name (a payment recorded under it before the name was reserved).
        """
        left, sources = applied.minor, {}
        for payment in sorted(self.state.payments.values(), key=lambda p: p.received_on):
            if left <= 0:
                break
            take = min(payment.unallocated, left)
            if take > 0:
                sources[payment.payment_id] = take
                left -= take
        if left > 0:
            sources[NO_PAYMENT] = sources.get(NO_PAYMENT, 0) + left
        return sources

    def issue_invoice(
        self, provenance: Provenance, draft: DraftInvoice, *, invoice_id: str, number: str,
        today: date | None = None, issued_on: date | None = None,
    ) -> None:
        """Record the drafted invoice under its allocated number, dated ``issued_on``.

        ``issued_on`` defaults to the day drafted; a later one is given when the numbering
        series already numbered a later day (``NumberSeries.dated``). The due date counts
        from it.

        An invoice that comes out negative leaves credit; it settles the customer's open
        invoices at once (``CreditAllocated``), and only the rest waits for the next ones.
        Credit for days of an invoice that was written off and never paid is not given
        back: that part is taken back at once (:mod:`ledger.customers.unpaid_credit`).
        ``today`` is the business day of recording (see :meth:`settle_with_credit`).
        """
        result, totals = draft.result, draft.result.totals
        before = unpaid_credit.written_off(self.state.invoices.values())
        dated = issued_on or draft.as_of
        due_on = dated + timedelta(days=self.state.profile.payment_terms_days)
        lines = [
            ev.LineRecord(
                line_id=line.line_id, kind=line.kind, description=line.description,
                subscription_id=line.subscription_id or None,
                tariff_code=line.tariff_code or self._tariff_of(line.subscription_id),
                component=line.component,
                period_start=line.period.start if line.period else None,
                period_end=line.period.end if line.period else None,
                quantity=Decimal(line.quantity), amount=money.before_discount,
                discount=money.discount, net=money.net, vat_rate=money.vat_rate.percent,
                vat=money.vat, total=money.total, formula=line.formula,
            )
            for line, money in zip(result.lines, totals.lines, strict=True)
        ]
        self.record(
            ev.InvoiceIssued, provenance, dated,
            invoice_id=invoice_id, number=number, issued_on=dated, due_on=due_on,
            period_start=result.period.start if result.period else None,
            period_end=result.period.end if result.period else None,
            lines=lines, subtotal=totals.subtotal, discount_total=totals.discount_total,
            vat_total=totals.vat_total, total=totals.total,
            credit_applied=totals.credit_applied, credit_sources=draft.credit_sources,
            amount_due=totals.amount_due, cursors=list(draft.cursors),
            discounts_used=dict(result.discount_periods_used),
            usage_billed=list(result.usage_billed), charges_billed=list(draft.charges_billed),
            vat_mode=result.vat_mode,
        )
        credit = -totals.amount_due  # credits beyond the period's charges, if positive
        credit -= self._take_back_unpaid(provenance, dated, before, credit,
                                         invoice_id=invoice_id, number=number)
        if credit.minor > 0:
            self.settle_with_credit(provenance, dated, credit, source="invoice",
                                    source_id=invoice_id, source_number=number, today=today)

    def _take_back_unpaid(
        self, provenance: Provenance, on: date, before: dict[str, int], credit: Money, *,
        invoice_id: str, number: str,
    ) -> Money:
        """Take back the invoice's credit for written-off days; return how much.

        At most the credit the invoice leaves: days given back within its own charges
        only lowered what it asks for.
        """
        grown = unpaid_credit.newly_unpaid(before, self.state.invoices)
        taken = Money(min(sum(grown.values()), max(credit.minor, 0)), credit.currency)
        if taken.minor > 0:
            self.record(events.AdjustmentRecorded, provenance, on,
                        unpaid_credit.REASON.format(number=number, charged=", ".join(grown)),
                        adjustment_id=f"{invoice_id}/unpaid-credit", amount=taken)
        return taken

    def _tariff_of(self, subscription_id: str | None) -> str | None:
        sub = self.state.subscriptions.get(subscription_id or "")
        return sub.tariff_code if sub else None

    # -- usage and plan changes --------------------------------------------------------------

    def record_usage(
        self, provenance: Provenance, *, usage_id: str, subscription_id: str, component: str,
        quantity: Decimal, occurred_on: date, catalog: Catalog,
    ) -> bool:
        """Record usage once per client usage id; return False for a duplicate.

        Usage is refused on a day the subscription does not serve — before it began, from
        the day it ends (a cancellation, or a fixed term that does not renew), or in a
        pause — since no invoice would ever bill it: it would be accepted and lost.
        """
        if usage_id in self.state.usage_ids:
            return False
        sub = self.subscription(subscription_id)
        if occurred_on < sub.started_on:
            raise InvalidField(field="occurred_on", why="usage before the subscription began")
        _ensure_served(sub, occurred_on)
        plan = plan_on(self.terms_of(sub, catalog), occurred_on)  # the plan of that day
        found = plan.definition.component(component)
        if found is None or found.kind != "metered":
            raise InvalidField(field="component", why=(
                "{component!r} is not a metered component of {tariff_code} (the tariff on"
                " {occurred_on})"), component=component, tariff_code=plan.tariff_code,
                occurred_on=occurred_on)
        if quantity < 0:
            raise InvalidField(field="quantity", why="usage cannot be negative")
        self.record(ev.UsageRecorded, provenance, occurred_on, usage_id=usage_id,
                    subscription_id=subscription_id, component=component, quantity=quantity,
                    occurred_on=occurred_on)
        return True

    def change_subscription(
        self, provenance: Provenance, *, subscription_id: str, tariff_code: str,
        tariff_version: int, quantity: int, change_on: date, when: str, catalog: Catalog,
    ) -> ChangeMade:
        """Change tariff or quantity now (prorated) or at the end of the term.

        Individual prices the new plan still reads carry over; the change records which
        ones lapse (``ledger.billing.individual``) and says so.
        """
        sub = self.subscription(subscription_id)
        if sub.status != "active":
            raise InvalidField(field="subscription_id", why="the subscription is {status}",
                               status=Term(sub.status))
        ensure_after_resumption(sub, change_on, "plan change")
        result = change_plan(
            self.terms_of(sub, catalog), catalog(tariff_code, tariff_version), quantity,
            change_on, when,  # type: ignore[arg-type]
            tariff_code=tariff_code, tariff_version=tariff_version,
        )
        lines = [_pending(line, f"change/{provenance.correlation_id}") for line in result.lines]
        self.record(
            ev.SubscriptionChanged, provenance, change_on, subscription_id=subscription_id,
            when=when, effective_on=result.effective_on, tariff_code=tariff_code,
            tariff_version=tariff_version, quantity=quantity, lines=lines,
            settled=_settled(sub, result.settled),
            lapsed_overrides=[lapse.code for lapse in result.lapsed],
        )
        return ChangeMade(lines, [lapse.sentence() for lapse in result.lapsed])



def _ensure_served(sub: Subscription, day: date) -> None:
    """Refuse usage on ``day`` when the subscription does not serve it (see record_usage)."""
    term_end = None if sub.auto_renew else sub.term_end
    ends = [end for end in (sub.cancel_at, term_end) if end is not None]
    if ends and day >= min(ends):
        raise InvalidField(field="occurred_on", why=(
            "usage on {day} is after the subscription's service ended on {end}: no invoice"
            " would bill it"), day=day.isoformat(), end=min(ends).isoformat())
    pauses: list[tuple[date, date | None]] = [sub.last_pause] if sub.last_pause else []
    if sub.paused_from is not None:  # paused, and not resumed (perhaps cancelled since)
        pauses.append((sub.paused_from, None))
    for start, resumed in pauses:
        if start <= day and (resumed is None or day < resumed):
            raise InvalidField(field="occurred_on", why=(
                "usage on {day} falls in a pause of the subscription (from {start}): a paused"
                " subscription serves nothing"), day=day.isoformat(), start=start.isoformat())


def _overrides(overrides: dict[str, PriceOverrideState]) -> dict[str, PriceOverride]:
    return {code: _override(o) for code, o in overrides.items()}


def _override(o: PriceOverrideState) -> PriceOverride:
    return PriceOverride(price=o.price, pricing=o.pricing, until=o.until, note=o.note,
                         since=o.effective_from,
                         earlier=_override(o.earlier) if o.earlier is not None else None)


def _lapsed(codes: list[str] | None) -> frozenset[str] | None:
    return None if codes is None else frozenset(codes)


def _settled(sub: Subscription, settled: SubscriptionTerms | None) -> ev.SettledChange | None:
    """The earlier pending change a change folded first (see ``ChangeResult.settled``)."""
    if settled is None or sub.pending is None:
        return None
    earlier = sub.pending
    return ev.SettledChange(
        effective_on=earlier.effective_on, tariff_code=earlier.tariff_code,
        tariff_version=earlier.tariff_version, quantity=earlier.quantity,
        usage_billed_until=settled.usage_billed_until,
        lapsed_overrides=earlier.lapsed_overrides,
    )


def date_of(text: str) -> date:
    """Parse an ISO date kept in a state key."""
    from datetime import date as _date  # noqa: PLC0415

    return _date.fromisoformat(text)


def _pending(line: InvoiceLine, prefix: str) -> PendingCharge:
    """A change's correction line, waiting for the next invoice as the tariff priced it.

    It keeps the tariff's VAT rate and no VAT mode, as stored events always have: the bill
    run reads it like the tariff's own lines (the customer's rate replaces the tariff's,
    and the mode is that of the subscription's tariff), so nothing is resolved twice. It
    keeps the code of the tariff that priced it: the new plan's charge is that plan's
    revenue, not the old one's (changes recorded before it was kept name neither, and the
    invoice names the subscription's tariff of its day, as it did).
    """
    return PendingCharge(
        charge_id=f"{prefix}/{line.line_id}", kind=line.kind, description=line.description,
        amount=line.amount, vat_rate=line.vat_rate, subscription_id=line.subscription_id,
        component=line.component,
        period_start=line.period.start if line.period else None,
        period_end=line.period.end if line.period else None, formula=line.formula,
        tariff_code=line.tariff_code,
    )

