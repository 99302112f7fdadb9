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
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from ledger.decimal_text import as_recorded, price_text
from ledger.errors import InvalidAmount, InvalidField, Term, invalid_value
from ledger.money import Money, minor_digits
from ledger.periods import BillingPeriod, PeriodUnit
from ledger.pricing import PricingModel, from_dict, parse_pricing, to_dict
from ledger.vat import VatMode, VatRate

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")]
Price = Annotated[Decimal, BeforeValidator(price_text), Field(ge=0, max_digits=18)]
"""A price as a person writes it: plain decimal text (``"1500.00"``) or a whole number.

A float, an exponent (``"1e3"``), ``_``, spaces or a sign are refused naming the field
(``ledger.decimal_text``); metered prices are held to the same rule (``ledger.pricing``).
"""


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
    def _priced(self, info: ValidationInfo) -> Component:
        if self.kind == "metered":
            if self.pricing is None:
                raise invalid_value("metered component {code} needs a pricing model",
                                    code=repr(self.code))
            # validates tiers etc.; raises a Rejected naming the field. A recorded model is
            # read as recorded; a model given now must write its prices as decimal text.
            read = from_dict if as_recorded(info) else parse_pricing
            read(self.pricing)
        elif self.price is None:
            raise invalid_value("{kind} component {code} needs a price", kind=self.kind,
                                code=repr(self.code))
        return self

    def model(self) -> PricingModel:
        """The pricing model of a metered component."""
        assert self.pricing is not None  # noqa: S101  (validated above)
        return from_dict(self.pricing)


_UNUSED = {
    "price": "a {kind} component ({code!r}) is priced by its pricing model, not a price",
    "pricing": "a {kind} component ({code!r}) takes a price, not a pricing model",
}
_UNUSED_AT = {
    "price": "{where}: a {kind} component ({code!r}) is priced by its pricing model, not a price",
    "pricing": "{where}: a {kind} component ({code!r}) takes a price, not a pricing model",
}
"""Why a price is refused, by the field its component never reads (at its path)."""


def unused_price_field(kind: str, *, price: object, pricing: object) -> str | None:
    """The price field a component of ``kind`` would never read, when it is given.

    Why refused rather than ignored: a ``price`` on a metered component (say a "500.00
    base + usage" an accountant wrote) or a ``pricing`` on a flat, seat or setup one would
    be silently left out of every invoice, so the tariff would bill less than it says. A
    function of the kind and the two fields, so an individual price can be held to the
    same rule.

    Returns:
        ``"price"`` for a metered component given a price, ``"pricing"`` for another kind
        given a pricing model, else ``None``.
    """
    if kind == "metered":
        return "price" if price is not None else None
    return "pricing" if pricing is not None else None


def unused_prices(definition: TariffDefinition) -> tuple[str, str] | None:
    """The first price of ``definition`` its component's kind never reads, and why.

    Checked where a version is published (``Tariff``, catalog files), not when a stored
    definition is read: versions published before the rule must still replay.

    Returns:
        The path within the definition (``"components.0.price"``) and the reason, or
        ``None`` when every price is read.
    """
    found = _first_unused(definition)
    if found is None:
        return None
    index, component, unused = found
    return (f"components.{index}.{unused}",
            _UNUSED[unused].format(kind=component.kind, code=component.code))


def unused_price_refusal(definition: TariffDefinition, at: str) -> InvalidField | None:
    """The refusal of the first price of ``definition`` its component's kind never reads.

    Args:
        definition: the version about to be published.
        at: the path of the definition in what was sent (``"definition."``,
            ``"tariffs.0.definition."``), in front of the price's own path.

    Returns:
        An ``InvalidField`` naming the price's whole path, or ``None`` when every price is
        read.
    """
    found = _first_unused(definition)
    if found is None:
        return None
    index, component, unused = found
    where = f"{at}components.{index}.{unused}"
    return InvalidField(field=where, why=_UNUSED_AT[unused], where=where,
                        kind=Term(component.kind), code=component.code)


def _first_unused(definition: TariffDefinition) -> tuple[int, Component, str] | None:
    """The first component given a price field its kind never reads: index, it, the field."""
    for index, component in enumerate(definition.components):
        unused = unused_price_field(component.kind, price=component.price,
                                    pricing=component.pricing)
        if unused is not None:
            return index, component, unused
    return None


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
        _check_minor_units(self)
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


def _check_minor_units(definition: TariffDefinition) -> None:
    """Refuse a price finer than the currency's minor unit, at the price's own path.

    The currency is known only to the whole definition, so the check runs here; the error
    names ``components.N.price`` (or ``minimum``), and a caller's path in front of it
    (``definition.components.0.price``), as pydantic does for its own checks.
    """
    priced: list[tuple[tuple[str | int, ...], Decimal | None]] = [
        (("components", index, "price"), component.price)
        for index, component in enumerate(definition.components)
    ]
    priced.append((("minimum",), definition.minimum))
    problems: list[InitErrorDetails] = []
    for loc, price in priced:
        if price is None:
            continue
        try:
            Money.parse(format(price, "f"), definition.currency)
        except InvalidAmount as error:
            kind = PydanticCustomError("too_many_decimals", "{why}", {"why": error.detail})
            problems.append(InitErrorDetails(type=kind, loc=loc, input=format(price, "f")))
    if problems:
        raise ValidationError.from_exception_data(type(definition).__name__, problems)


def pricing_to_dict(model: PricingModel) -> dict[str, Any]:
    """Store a pricing model in a component (re-exported for catalog files)."""
    return to_dict(model)
