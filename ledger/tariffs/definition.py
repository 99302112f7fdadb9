"""What a tariff version says: period, timing, trial, VAT, and its price components.

A definition is a value: once published in a version it never changes, and existing
subscribers keep the version they started on until they are migrated. Definitions are
JSON-ready (decimals as strings), so a catalog can be kept as YAML or JSON files and
reviewed like code.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from ledger.money import Money, minor_digits
from ledger.periods import BillingPeriod, PeriodUnit
from ledger.pricing import PricingModel, from_dict, to_dict
from ledger.vat import VatMode, VatRate

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")]
Price = Annotated[Decimal, Field(ge=0, max_digits=18)]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Component(_Value):
    """One priced part of a tariff.

    - ``flat``: a fixed recurring fee per period (``price``);
    - ``seat``: ``price`` per unit of the subscription's quantity, per period;
    - ``metered``: usage in the period priced by ``pricing`` (always in arrears);
    - ``setup``: a one-time fee (``price``) on the first invoice.
    """

    code: Code
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    kind: Literal["flat", "seat", "metered", "setup"]
    price: Price | None = None
    pricing: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _priced(self) -> Component:
        if self.kind == "metered":
            if self.pricing is None:
                raise ValueError(f"metered component {self.code!r} needs a pricing model")
            from_dict(self.pricing)  # validates tiers etc.; raises a Rejected naming the field
        elif self.price is None:
            raise ValueError(f"{self.kind} component {self.code!r} needs a price")
        return self

    def model(self) -> PricingModel:
        """The pricing model of a metered component."""
        assert self.pricing is not None  # noqa: S101  (validated above)
        return from_dict(self.pricing)


class TariffDefinition(_Value):
    """Everything one tariff version says about price and billing."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    period_unit: PeriodUnit = PeriodUnit.MONTH
    period_count: Annotated[int, Field(ge=1, le=36)] = 1
    timing: Literal["in_advance", "in_arrears"] = "in_advance"
    trial_days: Annotated[int, Field(ge=0, le=366)] = 0
    vat_mode: VatMode = VatMode.EXCLUSIVE
    vat_rate: Annotated[Decimal, Field(ge=0, le=100)] | None = None
    minimum: Price | None = None
    components: Annotated[list[Component], Field(min_length=1, max_length=50)]

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        minor_digits(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TariffDefinition:
        codes = [c.code for c in self.components]
        if len(codes) != len(set(codes)):
            raise ValueError("component codes must be unique within a tariff")
        prices = [c.price for c in self.components if c.price is not None]
        for price in [*prices, *([self.minimum] if self.minimum is not None else [])]:
            Money.parse(format(price, "f"), self.currency)  # refuses sub-kopeck prices
        return self

    @property
    def period(self) -> BillingPeriod:
        """The billing period (e.g. every 1 month)."""
        return BillingPeriod(self.period_unit, self.period_count)

    @property
    def vat(self) -> VatRate:
        """The VAT rate ("без НДС" when none is set)."""
        return VatRate(self.vat_rate)

    def component(self, code: str) -> Component | None:
        """The component with this code, if the tariff has it."""
        return next((c for c in self.components if c.code == code), None)

    def recurring_price(self, quantity: int) -> Money:
        """The full-period price of the flat and seat components for ``quantity`` seats."""
        total = Decimal(0)
        for component in self.components:
            if component.kind == "flat" and component.price is not None:
                total += component.price
            elif component.kind == "seat" and component.price is not None:
                total += component.price * quantity
        return Money.of(total, self.currency)


def pricing_to_dict(model: PricingModel) -> dict[str, Any]:
    """Store a pricing model in a component (re-exported for catalog files)."""
    return to_dict(model)
