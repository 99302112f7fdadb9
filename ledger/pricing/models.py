"""The pricing models and their maths: how a quantity (or an amount) becomes a charge.

Why a module of its own: this is the arithmetic an invoice line is billed by, kept apart
from how a model is written down (``ledger.pricing.dict_form``). A tier boundary or a
package edge moves a charge by a whole unit price, and a 0.0006 rate times 65,000 units
must be exactly 39, so every product and sum is an exact ``Fraction`` and the result is
rounded once, ROUND_HALF_UP, when it becomes ``Money``.

Models are frozen dataclasses (values stored in events and catalog files); each checks
its fields when built, so a model that exists can always price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, TypeAlias

from pydantic import with_config

from ledger.money import Money
from ledger.pricing.tiers import (
    Tier,
    checked_tiers,
    describe_tiers,
)
from ledger.pricing.values import (
    STRICT,
    PriceDecimal,
    checked_count,
    checked_price,
    exact_quantity,
    set_field,
)

if TYPE_CHECKING:
    from ledger.pricing.values import Quantity


@with_config(STRICT)
@dataclass(frozen=True, slots=True)
class PerUnit:
    """Standard pricing: every unit costs ``unit_price``."""

    unit_price: PriceDecimal
    kind: Literal["per_unit"] = "per_unit"

    def __post_init__(self) -> None:
        set_field(self, "unit_price", checked_price(self.unit_price, "unit_price"))

    def price(self, quantity: Quantity, currency: str) -> Money:
        """Charge ``quantity`` units: 1,000 units at 0.05 → 50.00."""
        return Money.of(exact_quantity(quantity) * Fraction(self.unit_price), currency)

    def describe(self) -> str:
        """A short text for the invoice line."""
        return f"{self.unit_price} per unit"


@with_config(STRICT)
@dataclass(frozen=True, slots=True)
class Graduated:
    """Tiered pricing where each unit pays the price of the tier it falls in."""

    tiers: tuple[Tier, ...]
    kind: Literal["graduated"] = "graduated"

    def __post_init__(self) -> None:
        set_field(self, "tiers", checked_tiers(self.tiers))

    def price(self, quantity: Quantity, currency: str) -> Money:
        """Charge each unit at its tier's price, plus the flat fee of every tier reached.

        The first tier counts as reached even at 0 units.
        """
        units = exact_quantity(quantity)
        exact = Fraction(0)
        lower = 0
        for index, tier in enumerate(self.tiers):
            if index and units <= lower:
                break
            upper = units if tier.up_to is None else min(units, Fraction(tier.up_to))
            exact += Fraction(tier.flat_fee) + (upper - lower) * Fraction(tier.unit_price)
            lower = tier.up_to or lower
        return Money.of(exact, currency)

    def describe(self) -> str:
        """A short text for the invoice line."""
        return describe_tiers("graduated", self.tiers)


@with_config(STRICT)
@dataclass(frozen=True, slots=True)
class Volume:
    """Tiered pricing where all units pay the price of the tier the total falls in."""

    tiers: tuple[Tier, ...]
    kind: Literal["volume"] = "volume"

    def __post_init__(self) -> None:
        set_field(self, "tiers", checked_tiers(self.tiers))

    def tier_for(self, quantity: Quantity) -> Tier:
        """The tier a total quantity falls in (0 falls in the first)."""
        units = exact_quantity(quantity)
        return next(t for t in self.tiers if t.up_to is None or units <= t.up_to)

    def price(self, quantity: Quantity, currency: str) -> Money:
        """Charge every unit at the price of the tier reached, plus that tier's flat fee."""
        tier = self.tier_for(quantity)
        exact = exact_quantity(quantity) * Fraction(tier.unit_price) + Fraction(tier.flat_fee)
        return Money.of(exact, currency)

    def describe(self) -> str:
        """A short text for the invoice line."""
        return describe_tiers("volume", self.tiers)


@with_config(STRICT)
@dataclass(frozen=True, slots=True)
class Package:
    """Units sold in packages: each started package costs ``package_price``."""

    package_price: PriceDecimal
    package_size: int
    free_units: int = 0
    kind: Literal["package"] = "package"

    def __post_init__(self) -> None:
        set_field(self, "package_price", checked_price(self.package_price, "package_price"))
        checked_count(self.package_size, "package_size", least=1)
        checked_count(self.free_units, "free_units", least=0)

    def price(self, quantity: Quantity, currency: str) -> Money:
        """Charge ``ceil(max(0, quantity − free_units) / package_size)`` packages."""
        billable = max(Fraction(0), exact_quantity(quantity) - self.free_units)
        packages = math.ceil(billable / self.package_size)
        return Money.of(packages * Fraction(self.package_price), currency)

    def describe(self) -> str:
        """A short text for the invoice line."""
        free = f", first {self.free_units} free" if self.free_units else ""
        return f"{self.package_price} per {self.package_size} units{free}"


@with_config(STRICT)
@dataclass(frozen=True, slots=True)
class Percentage:
    """A percent of a transacted amount, plus an optional fixed fee per transaction."""

    rate: PriceDecimal
    fixed_fee_per_transaction: PriceDecimal = Decimal(0)
    kind: Literal["percentage"] = "percentage"

    def __post_init__(self) -> None:
        set_field(self, "rate", checked_price(self.rate, "rate"))
        fee = checked_price(self.fixed_fee_per_transaction, "fixed_fee_per_transaction")
        set_field(self, "fixed_fee_per_transaction", fee)

    def price(self, quantity: Quantity, currency: str, *, transactions: int = 0) -> Money:
        """Charge ``rate`` % of the transacted amount plus the fixed fee per transaction.

        Args:
            quantity: the transacted amount, in major units of ``currency``.
            currency: the currency of the amount and of the charge.
            transactions: how many transactions make up the amount.
        """
        checked_count(transactions, "transactions", least=0)
        exact = exact_quantity(quantity) * Fraction(self.rate) / 100
        exact += transactions * Fraction(self.fixed_fee_per_transaction)
        return Money.of(exact, currency)

    def describe(self) -> str:
        """A short text for the invoice line."""
        fee = self.fixed_fee_per_transaction
        return f"{self.rate} %" + (f" + {fee} per transaction" if fee else "")


PricingModel: TypeAlias = PerUnit | Graduated | Volume | Package | Percentage
"""Any pricing model; ``kind`` tells them apart in stored form."""
