"""The facts of a customer's history, named as a billing accountant says them.

Each event carries every business value that views and audits need (amounts with their
currency, the business date in ``meta.effective_date``, the reason), and its ``change``
only assigns state: it re-runs on every replay, so it decides nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field

from ledger.aggregate import StateEvent
from ledger.customers.payment_book import PaymentState
from ledger.customers.state import (
    CustomerState,
    Discount,
    PendingCharge,
    Profile,
    ServiceStatus,
    Subscription,
)
from ledger.events import LedgerCreated
from ledger.money import Money
from ledger.periods import PeriodUnit
from ledger.vat import VatMode


class CustomerRegistered(LedgerCreated):
    """A customer was registered under its external key.

    Version 2 added what a CRM knows: ОГРН, phone, address, deal tags and the customer's
    key in each source system; version-1 customers had none of them.
    """

    class_version: ClassVar[int] = 2

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

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version-1 registrations carried no CRM fields."""
        for name in ("ogrn", "phone", "address"):
            state.setdefault(name, None)
        state.setdefault("tags", [])
        state.setdefault("external_ids", {})

    def apply(self, aggregate: Any) -> None:
        """Open the customer's book with its profile."""
        profile = Profile(
            **self.model_dump(
                include=set(Profile.model_fields),
            )
        )
        aggregate.begin(CustomerState(profile=profile))
        aggregate.chain(self)


class CustomerProfileUpdated(StateEvent):
    """Some profile fields changed (``changes`` holds only those, with new values).

    ``tags`` and ``external_ids`` appear whole (the new list, the new mapping), so a reader
    of one event sees the profile's value without replaying the ones before.
    """

    changes: dict[str, Any]

    def change(self, state: CustomerState) -> None:
        """Overwrite the changed fields."""
        state.profile = state.profile.model_copy(
            update=Profile.model_validate(
                {**state.profile.model_dump(), **self.changes}
            ).model_dump(include=set(self.changes))
        )


class SubscriptionStarted(StateEvent):
    """The customer subscribed to a tariff version."""

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

    def change(self, state: CustomerState) -> None:
        """Add the subscription."""
        state.subscriptions[self.subscription_id] = Subscription(
            **self.model_dump(include=set(Subscription.model_fields))
        )


class ChargeRecorded(StateEvent):
    """A one-off charge was recorded; the next invoice bills it (VAT is worked out there).

    ``amount`` is the price as agreed: before VAT for a customer billed VAT-exclusive,
    VAT included for one billed VAT-inclusive.
    """

    charge_id: str
    amount: Money
    vat_rate: Decimal | None = None
    description: str

    def change(self, state: CustomerState) -> None:
        """Keep the charge for the next invoice."""
        state.charge_ids.add(self.charge_id)
        state.pending_charges[self.charge_id] = PendingCharge(
            charge_id=self.charge_id, description=self.description, amount=self.amount,
            vat_rate=self.vat_rate,
        )


class DiscountGranted(StateEvent):
    """A discount was granted; bill runs apply it to later charges."""

    discount_id: str
    kind: Literal["percent", "fixed"]
    percent: Decimal | None = None
    amount: Money | None = None
    component: str | None = None
    periods: int | None = None
    until: date | None = None
    position: int = 0
    description: str = ""

    def change(self, state: CustomerState) -> None:
        """Keep the discount for the next bill runs."""
        state.discounts[self.discount_id] = Discount(
            **self.model_dump(include=set(Discount.model_fields))
        )


class PaymentReceived(StateEvent):
    """Money arrived from the customer, and the invoices it settles.

    ``allocations`` maps invoice ids to the minor units applied to each; what is left
    over is the customer's credit, used by the next invoices.

    Version 2 added the payer's ИНН and the payment method; version-1 payments were all
    typed in from bank statements, so they upcast as bank transfers with no ИНН.
    Version 3 added ``allocations``; earlier payments were not allocated.
    """

    class_version: ClassVar[int] = 3

    payment_id: str
    amount: Money
    received_on: date
    payer_name: str | None = None
    payer_inn: str | None = None
    reference: str = ""
    method: str = "bank_transfer"
    allocations: dict[str, int] = Field(default_factory=dict)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Fill the fields version 1 did not have."""
        state.setdefault("payer_inn", None)
        state.setdefault("method", "bank_transfer")

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """Version-2 payments were not allocated to invoices."""
        state.setdefault("allocations", {})

    def change(self, state: CustomerState) -> None:
        """Reduce what the customer owes (or add to their credit), settle the invoices."""
        state.balance(self.amount.currency).paid += self.amount.minor
        state.payments[self.payment_id] = PaymentState(
            payment_id=self.payment_id, amount=self.amount.minor,
            currency=self.amount.currency, received_on=self.received_on,
            allocations=dict(self.allocations),
        )
        for invoice_id, minor in self.allocations.items():
            state.invoices[invoice_id].paid += minor


class AdjustmentRecorded(StateEvent):
    """A manual correction: positive ``amount`` raises what the customer owes, negative lowers it.

    The reason is mandatory and lives in ``meta.reason``.
    """

    adjustment_id: str
    amount: Money

    def change(self, state: CustomerState) -> None:
        """Apply the signed correction."""
        state.balance(self.amount.currency).adjusted += self.amount.minor
        state.adjustment_ids.add(self.adjustment_id)


class ServiceStatusChanged(StateEvent):
    """The customer's service status changed (e.g. suspended for debt, reactivated)."""

    status: ServiceStatus
    previous: ServiceStatus

    def change(self, state: CustomerState) -> None:
        """Set the new status."""
        state.status = self.status


class CustomerClosed(StateEvent):
    """The customer relationship ended; nothing more is billed."""

    def change(self, state: CustomerState) -> None:
        """Close the book."""
        state.status = ServiceStatus.CLOSED
