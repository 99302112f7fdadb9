"""What a customer's history adds up to: the state the Customer aggregate decides from.

All of it is one pydantic model so that a snapshot is plain JSON and comes back typed.
Amounts are ``Money``; signs are named: ``receivable`` is what the customer owes us,
``credit`` is what we owe the customer (an overpayment), never a bare "balance".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    """Who the customer is and how they are billed."""

    external_key: str
    name: str
    currency: str
    inn: str | None = None
    kpp: str | None = None
    email: str | None = None
    manager: str | None = None
    vat_mode: VatMode = VatMode.EXCLUSIVE
    vat_rate: Decimal | None = None
    payment_terms_days: int = 10


class Subscription(_State):
    """One subscription of the customer to a tariff version."""

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
    billed_until: date | None = None


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
    paid: int = 0
    adjusted: int = 0
    refunded: int = 0
    written_off: int = 0

    @property
    def net_minor(self) -> int:
        """Positive when the customer owes us, negative when we owe them."""
        return self.charged + self.adjusted + self.refunded - self.paid - self.written_off

    @property
    def receivable(self) -> Money:
        """What the customer owes (never negative)."""
        return Money(max(self.net_minor, 0), self.currency)

    @property
    def credit(self) -> Money:
        """What we owe the customer, e.g. an overpayment (never negative)."""
        return Money(max(-self.net_minor, 0), self.currency)


class CustomerState(_State):
    """Everything the Customer aggregate needs to decide the next command."""

    profile: Profile
    status: ServiceStatus = ServiceStatus.ACTIVE
    subscriptions: dict[str, Subscription] = Field(default_factory=dict)
    discounts: dict[str, Discount] = Field(default_factory=dict)
    balances: dict[str, Balance] = Field(default_factory=dict)
    payment_ids: set[str] = Field(default_factory=set)
    charge_ids: set[str] = Field(default_factory=set)
    adjustment_ids: set[str] = Field(default_factory=set)

    def balance(self, currency: str) -> Balance:
        """The running totals of one currency, created empty on first use."""
        if currency not in self.balances:
            self.balances[currency] = Balance(currency=currency)
        return self.balances[currency]
