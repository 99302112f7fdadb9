"""Builders for billing specifications: tariffs, subscriptions and a customer's book of bills."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from ledger.billing import (
    BillingResult,
    DiscountTerms,
    SubscriptionTerms,
    UsageRecord,
    advance_subscriptions,
    bill,
    unbilled_usage,
    use_discounts,
)
from ledger.money import Money
from ledger.periods import PeriodUnit
from ledger.tariffs.definition import Component, TariffDefinition
from ledger.vat import VatMode, VatRate

if TYPE_CHECKING:
    from datetime import date

    from ledger.billing.model import InvoiceLine


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


def rub(text: str) -> Money:
    return Money.parse(text, "RUB")


def flat(price: str, code: str = "base", name: str = "subscription fee") -> Component:
    return Component(code=code, name=name, kind="flat", price=Decimal(price))


def seat(price: str, code: str = "seats", name: str = "seats") -> Component:
    return Component(code=code, name=name, kind="seat", price=Decimal(price))


def setup(price: str, code: str = "setup", name: str = "setup fee") -> Component:
    return Component(code=code, name=name, kind="setup", price=Decimal(price))


def metered(pricing: dict[str, Any], code: str = "api", name: str = "API calls") -> Component:
    return Component(code=code, name=name, kind="metered", pricing=pricing)


def per_unit(price: str) -> dict[str, Any]:
    return {"kind": "per_unit", "unit_price": price}


def tariff(
    *components: Component,
    name: str = "Basic",
    currency: str = "USD",
    timing: Literal["in_advance", "in_arrears"] = "in_advance",
    unit: PeriodUnit = PeriodUnit.MONTH,
    minimum: str | None = None,
    vat_mode: VatMode = VatMode.EXCLUSIVE,
    vat_rate: str | None = None,
) -> TariffDefinition:
    return TariffDefinition(
        name=name,
        currency=currency,
        period_unit=unit,
        timing=timing,
        minimum=None if minimum is None else Decimal(minimum),
        vat_mode=vat_mode,
        vat_rate=None if vat_rate is None else Decimal(vat_rate),
        components=list(components),
    )


def subscription(
    definition: TariffDefinition,
    started_on: date,
    anchor_day: int | None = None,
    **terms: Any,
) -> SubscriptionTerms:
    return SubscriptionTerms(
        subscription_id=terms.pop("subscription_id", "sub-1"),
        tariff_code=terms.pop("tariff_code", "basic"),
        tariff_version=terms.pop("tariff_version", 1),
        definition=definition,
        started_on=started_on,
        anchor_day=started_on.day if anchor_day is None else anchor_day,
        **terms,
    )


def used(usage_id: str, on: date, quantity: int | Decimal, component: str = "api") -> UsageRecord:
    return UsageRecord(usage_id, "sub-1", component, quantity, on)


def amounts(result: BillingResult) -> list[str]:
    return [line.amount.to_decimal_string() for line in result.lines]


def spans(result: BillingResult) -> list[str]:
    return [str(line.period) for line in result.lines]


@dataclass
class Book:
    """One customer's bills over time: each invoice is recorded, then the next one is made."""

    subscriptions: tuple[SubscriptionTerms, ...]
    usage: tuple[UsageRecord, ...] = ()
    discounts: tuple[DiscountTerms, ...] = ()
    currency: str = "USD"
    vat_mode: VatMode | None = None
    vat_rate: VatRate | None = None
    billed_usage: tuple[UsageRecord, ...] = ()
    invoices: list[BillingResult] = field(default_factory=list)

    @classmethod
    def of(cls, *subscriptions: SubscriptionTerms, **options: Any) -> Book:
        return cls(subscriptions=subscriptions, **options)

    def bill(self, as_of: date, pending_lines: tuple[InvoiceLine, ...] = ()) -> BillingResult:
        result = bill(
            as_of,
            self.subscriptions,
            self.usage,
            self.discounts,
            credit_available=Money.zero(self.currency),
            currency=self.currency,
            vat_mode=self.vat_mode,
            vat_rate=self.vat_rate,
            pending_lines=pending_lines,
            billed_usage=self.billed_usage,
        )
        self.subscriptions = advance_subscriptions(self.subscriptions, result)
        self.discounts = use_discounts(self.discounts, result)
        invoiced = set(result.usage_billed)
        self.billed_usage += tuple(r for r in self.usage if r.usage_id in invoiced)
        self.usage = unbilled_usage(self.usage, result)
        self.invoices.append(result)
        return result

    def record_usage(self, *records: UsageRecord) -> None:
        self.usage += records

    @property
    def terms(self) -> SubscriptionTerms:
        return self.subscriptions[0]

    def amend(self, **changes: Any) -> None:
        self.subscriptions = (replace(self.terms, **changes), *self.subscriptions[1:])

    def replace_terms(self, terms: SubscriptionTerms) -> None:
        self.subscriptions = (terms, *self.subscriptions[1:])
