"""The Customer aggregate: one per customer, the unit of consistency and of sharding.

Its id is derived from the customer's external key (``uuid5``), so registering the same
customer twice is detected by the event store's unique key, not duplicated. Public methods
validate and decide; the events they record only assign state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.aggregate import LedgerAggregate
from ledger.customers import billing_events, events
from ledger.customers.billing import BillingDecisions
from ledger.customers.charge_vat import charge_rate
from ledger.customers.collections import CollectionsDecisions
from ledger.customers.credit import CreditSettlement
from ledger.customers.lifecycle import LifecycleDecisions
from ledger.customers.payment_book import RESERVED_PAYMENT_IDS
from ledger.customers.state import CustomerState, InvoiceState, ServiceStatus, normalised_tags
from ledger.errors import (
    CustomerClosedError,
    DuplicateId,
    InvalidField,
    NotFound,
    ReasonRequired,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date
    from decimal import Decimal

    from ledger.customers.vat_modes import Catalog
    from ledger.events import Provenance
    from ledger.money import Money

CUSTOMER_NAMESPACE = uuid5(NAMESPACE_URL, "https://lbx.dev/customers/")


def customer_id_for(external_key: str) -> UUID:
    """The customer's aggregate id, derived from its external key."""
    return uuid5(CUSTOMER_NAMESPACE, external_key)


class Customer(
    LifecycleDecisions, BillingDecisions, CollectionsDecisions, CreditSettlement,
    LedgerAggregate[CustomerState],
):
    """A customer's book: profile, subscriptions, charges, payments, balances, status."""

    state_class: ClassVar[type[CustomerState]] = CustomerState
    state_version: ClassVar[int] = 11
    """2: subscriptions keep the plans they had (``Subscription.history``), which a
    snapshot of version 1 had already forgotten; 3: and the fees invoices charged them
    (``Subscription.billed``), which a snapshot of version 2 lacks; 4: and their last pause
    (``Subscription.last_pause``), which a snapshot of version 3 lacks; 5: and which of
    those fees a void or a credit note withdrew (``BilledChargeState.withdrawn``), which a
    snapshot of version 4 lacks; 6: and what later credits already gave back of them
    (``BilledChargeState.given_back``), which a snapshot of version 5 lacks; 7: plan-change
    lines waiting for an invoice keep the tariff that priced them
    (``PendingCharge.tariff_code``), which a snapshot of version 6 lacks; 8: invoices keep
    what later credits gave back of their days (``InvoiceState.given_back``) and the
    suspension and cancellation dunning took for them (``CustomerState.dunning_actions``),
    which a snapshot of version 7 lacks; 9: individual prices keep their first day
    (``PriceOverrideState.effective_from``) and a pending change the prices it ends
    (``PendingChangeState.lapsed_overrides``), which a snapshot of version 8 lacks; 10: and
    the conditions they followed (``PriceOverrideState.earlier``), which a snapshot of
    version 9 had already forgotten; 11: billed fees keep the VAT rate they were charged at
    (``BilledChargeState.vat_rate``), which a snapshot of version 10 lacks. Older snapshots
    are ignored."""

    @classmethod
    def register(cls, provenance: Provenance, effective_date: date, **profile: Any) -> Customer:
        """Open a customer's book; the id follows from ``profile['external_key']``."""
        from ledger.events import GENESIS_HASH, EventMeta  # noqa: PLC0415

        profile["tags"] = normalised_tags(profile.get("tags") or [])

        return cls._create(
            events.CustomerRegistered,
            id=customer_id_for(profile["external_key"]),
            timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, effective_date, None),
            prev_hash=GENESIS_HASH,
            **profile,
        )

    # -- guards ----------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self.state.status is ServiceStatus.CLOSED:
            raise CustomerClosedError(customer=self.state.profile.external_key)

    def _ensure_currency(self, amount: Money) -> None:
        if amount.currency != self.state.profile.currency:
            from ledger.errors import CurrencyMismatch  # noqa: PLC0415

            raise CurrencyMismatch(expected=self.state.profile.currency, got=amount.currency)

    # -- decisions -------------------------------------------------------------------------

    def update_profile(
        self, provenance: Provenance, effective_date: date, changes: dict[str, Any]
    ) -> bool:
        """Record the fields that really change; return False when nothing does.

        ``tags`` replace the customer's tags; ``external_ids`` are merged into the keys
        already known (a CRM names its own key, never the other systems').
        """
        self._ensure_open()
        real = self.profile_changes(changes)
        if "currency" in real:
            raise InvalidField(field="currency", why="a customer's currency cannot change")
        if not real:
            return False
        self.record(events.CustomerProfileUpdated, provenance, effective_date, changes=real)
        return True

    def profile_changes(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The part of ``changes`` (JSON values) that differs from the profile, normalised.

        A caller may ask before deciding to write at all: an empty answer means the
        delivery or file row would change nothing.
        """
        current = self.state.profile.model_dump(mode="json")
        wanted = dict(changes)
        if "tags" in wanted:
            wanted["tags"] = normalised_tags(wanted["tags"] or [])
        if "external_ids" in wanted:
            wanted["external_ids"] = {**current["external_ids"], **wanted["external_ids"]}
        return {k: v for k, v in wanted.items() if current.get(k) != v}

    def start_subscription(
        self, provenance: Provenance, effective_date: date, **terms: Any
    ) -> None:
        """Subscribe the customer to a tariff version."""
        self._ensure_open()
        if terms["subscription_id"] in self.state.subscriptions:
            raise DuplicateId(
                field="subscription_id", kind="subscription", value=terms["subscription_id"]
            )
        if terms["quantity"] <= 0:
            raise InvalidField(field="quantity", why="quantity must be at least 1")
        self.record(events.SubscriptionStarted, provenance, effective_date, **terms)

    def record_charge(
        self,
        provenance: Provenance,
        effective_date: date,
        *,
        charge_id: str,
        amount: Money,
        vat_rate: Decimal | None,
        description: str,
        catalog: Catalog | None = None,
    ) -> None:
        """Record a one-off charge for the next invoice (``amount`` as priced).

        The charge is recorded with its VAT rate decided now (:mod:`ledger.customers.charge_vat`):
        its own, else the customer's, else the one its tariffs agree on (read through
        ``catalog``; without one, the tariffs are left out).
        """
        self._ensure_open()
        self._ensure_currency(amount)
        if amount.minor <= 0:
            raise InvalidField(field="amount", why="a charge must be positive; use an adjustment")
        if charge_id in self.state.charge_ids:
            raise DuplicateId(field="charge_id", kind="charge", value=charge_id)
        self.record(
            events.ChargeRecorded, provenance, effective_date,
            charge_id=charge_id, amount=amount, description=description,
            vat_rate=charge_rate(self.state, catalog, vat_rate, effective_date),
        )

    def grant_discount(self, provenance: Provenance, effective_date: date, **spec: Any) -> None:
        """Grant a discount that later bill runs apply."""
        self._ensure_open()
        if spec["discount_id"] in self.state.discounts:
            raise DuplicateId(field="discount_id", kind="discount", value=spec["discount_id"])
        if spec.get("amount") is not None:
            self._ensure_currency(spec["amount"])
        self.record(events.DiscountGranted, provenance, effective_date, **spec)

    def receive_payment(
        self, provenance: Provenance, effective_date: date, *, payment_id: str, amount: Money,
        invoice_ids: Sequence[str] = (), today: date | None = None, reason: str | None = None,
        **details: Any,
    ) -> dict[str, int]:
        """Record money received and allocate it: to the named invoices, else oldest first.

        ``today`` is the business day the payment is recorded on (the company's, not UTC's),
        on which a suspended customer's debt is judged; commands always give it (without
        it, the UTC date of recording stands in). ``reason`` is kept in the event's meta:
        why a payment the ledger would have questioned was recorded all the same.

        Returns:
            The allocation (invoice id → minor units); what is left is the customer's credit.
        """
        self._ensure_currency(amount)
        if amount.minor <= 0:
            raise InvalidField(field="amount", why="a payment must be positive")
        if payment_id in RESERVED_PAYMENT_IDS:
            raise InvalidField(field="payment_id", why=(
                "{payment_id!r} is reserved: the ledger's name for credit no payment holds"),
                payment_id=payment_id)
        if payment_id in self.state.payments:
            raise DuplicateId(field="payment_id", kind="payment", value=payment_id)
        allocations = self._allocation(amount.minor, invoice_ids)
        self.record(
            events.PaymentReceived, provenance, effective_date, reason,
            payment_id=payment_id, amount=amount, received_on=effective_date,
            allocations=allocations, **details,
        )
        # judged as of the day it is recorded: a back-dated payment must not hide what is
        # overdue today
        self.reactivate_if_settled(provenance, max(effective_date,
                                                    today or provenance.recorded_at.date()))
        return allocations

    def open_invoices(self) -> list[InvoiceState]:
        """Invoices with something left to pay, oldest due first."""
        return sorted(
            (i for i in self.state.invoices.values() if i.open_minor > 0),
            key=lambda i: (i.due_on, i.number),
        )

    def _allocation(self, minor: int, invoice_ids: Sequence[str]) -> dict[str, int]:
        invoice_ids = list(dict.fromkeys(invoice_ids))  # an invoice named twice counts once
        if invoice_ids:
            chosen = []
            for invoice_id in invoice_ids:
                invoice = self.state.invoices.get(invoice_id)
                if invoice is None or invoice.void:
                    raise NotFound("no open invoice {invoice_id}", field="invoice_ids",
                                   invoice_id=invoice_id)
                chosen.append(invoice)
        else:
            chosen = self.open_invoices()
        allocations: dict[str, int] = {}
        for invoice in chosen:
            take = min(invoice.open_minor, minor)
            if take > 0:
                allocations[invoice.invoice_id] = take
                minor -= take
        return allocations

    def record_adjustment(
        self,
        provenance: Provenance,
        effective_date: date,
        *,
        adjustment_id: str,
        amount: Money,
        reason: str | None,
        today: date | None = None,
    ) -> None:
        """Correct what the customer owes by a signed amount, saying why.

        A credit (negative) adjustment that leaves nothing overdue past the bar reactivates
        a customer suspended by dunning in the same command, as every other settlement
        does: judged on ``today``, the business day of recording (see
        :meth:`receive_payment`), so that a back-dated one does not hide what is overdue now.
        """
        self._ensure_open()
        self._ensure_currency(amount)
        if not reason or not reason.strip():
            raise ReasonRequired
        if amount.minor == 0:
            raise InvalidField(field="amount", why="an adjustment of zero changes nothing")
        if adjustment_id in self.state.adjustment_ids:
            raise DuplicateId(field="adjustment_id", kind="adjustment", value=adjustment_id)
        self.record(
            events.AdjustmentRecorded,
            provenance,
            effective_date,
            reason.strip(),
            adjustment_id=adjustment_id,
            amount=amount,
        )
        if amount.minor < 0:
            self.reactivate_if_settled(provenance, max(effective_date,
                                                        today or provenance.recorded_at.date()))

    def change_status(
        self, provenance: Provenance, effective_date: date, status: ServiceStatus, reason: str
    ) -> bool:
        """Move to a new service status; return False when already there."""
        if status is self.state.status:
            return False
        self._ensure_open()
        self.record(
            events.ServiceStatusChanged,
            provenance,
            effective_date,
            reason,
            status=status,
            previous=self.state.status,
        )
        return True

    def close(self, provenance: Provenance, effective_date: date, reason: str | None) -> None:
        """End the relationship: every live subscription ends today, then the book closes.

        Live means serving after today, whatever the status: a subscription already
        cancelled at the end of its term still serves until then, so it ends today too.
        Days already billed beyond the close are credited by the final invoice (the next bill
        run); nothing else is billed.
        """
        self._ensure_open()
        for sub in list(self.state.subscriptions.values()):
            if sub.cancel_at is None or sub.cancel_at > effective_date:
                self.record(billing_events.SubscriptionCancelled, provenance, effective_date,
                            reason, subscription_id=sub.subscription_id, when="immediate",
                            cancel_at=max(effective_date, sub.started_on))
        self.record(events.CustomerClosed, provenance, effective_date, reason)
