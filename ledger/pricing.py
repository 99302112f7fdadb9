"""Pricing models: how a quantity of usage (or a transacted amount) becomes a charge.

Why exact arithmetic: a tier boundary or a package edge moves a charge by a whole
unit price, and a 0.0006 rate times 65,000 units must be exactly 39, so prices are
``Decimal`` (never ``float``), every product and sum is an exact ``Fraction``,
and the result is rounded once, ROUND_HALF_UP, when it becomes ``Money``.

The models follow Lago and Stripe:

- ``PerUnit``: quantity × unit price;
- ``Graduated``: each unit is priced by the tier it falls in; a tier's flat fee is
  charged once when the quantity reaches that tier;
- ``Volume``: every unit is priced by the one tier the whole quantity falls in,
  plus that tier's flat fee;
- ``Package``: after the free units, each started package of ``package_size``
  units costs ``package_price``;
- ``Percentage``: a percent of a transacted amount, plus a fixed fee per transaction.

Tier ``up_to`` is the last unit of the tier (inclusive); tiers follow each other
with no gap, and the last has no bound. A quantity of 0 lies in the first tier,
so a first-tier flat fee is charged even at zero usage (Stripe's rule).

Models are frozen dataclasses (values stored in events and catalog files);
``to_dict``/``from_dict`` give JSON-ready dicts (decimals as strings, a ``kind``
tag) and read them back through the same validation as the constructors.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    with_config,
)

from ledger.decimal_text import AS_RECORDED, plain, price_text
from ledger.money import Money
from ledger.pricing_errors import InvalidPrice, InvalidPricingModel, InvalidQuantity, InvalidTiers

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

Quantity: TypeAlias = int | Decimal
"""Units consumed (or, for ``Percentage``, the transacted amount in major units)."""

_STRICT = ConfigDict(extra="forbid")

PriceDecimal: TypeAlias = Annotated[
    Decimal, BeforeValidator(price_text), PlainSerializer(plain, return_type=str, when_used="json"),
]
"""A price, fee or rate of a model: read from plain decimal text (``ledger.decimal_text``) and
written back as plain text, so ``to_dict`` never writes ``"1E-7"`` where ``"0.0000001"`` was
meant (its own rule would refuse it)."""


def _checked_price(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidPrice(field=field, value=repr(value), why="prices are Decimal, never float")
    price = Decimal(value)
    if not price.is_finite() or price < 0:
        raise InvalidPrice(field=field, value=str(value), why="must be a finite amount ≥ 0")
    return price


def _is_whole(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _checked_count(value: object, field: str, least: int) -> None:
    if not _is_whole(value, least):
        raise InvalidQuantity(
            field=field, value=repr(value), why="must be a whole number ≥ {least}", least=least
        )


def _exact_quantity(quantity: object) -> Fraction:
    if isinstance(quantity, bool) or not isinstance(quantity, Decimal | int):
        raise InvalidQuantity(
            value=repr(quantity), why="quantities are int or Decimal, never float"
        )
    if not Decimal(quantity).is_finite() or quantity < 0:
        raise InvalidQuantity(value=str(quantity), why="must be a finite quantity ≥ 0")
    return Fraction(quantity)


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


@with_config(_STRICT)
@dataclass(frozen=True, slots=True)
class Tier:
    """A price band: units up to and including ``up_to`` (``None``: no bound)."""

    up_to: int | None
    unit_price: PriceDecimal
    flat_fee: PriceDecimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.up_to is not None and not _is_whole(self.up_to, least=1):
            raise InvalidTiers(why="a tier bound is a whole number ≥ 1, got {up_to!r}",
                               up_to=self.up_to)
        _set(self, "unit_price", _checked_price(self.unit_price, "unit_price"))
        _set(self, "flat_fee", _checked_price(self.flat_fee, "flat_fee"))

    def describe_price(self) -> str:
        """The tier's price as text: ``"6.50"`` or ``"10 + 2 flat"``."""
        flat = f" + {self.flat_fee} flat" if self.flat_fee else ""
        return f"{self.unit_price}{flat}"


def _checked_tiers(tiers: Sequence[Tier]) -> tuple[Tier, ...]:
    checked = tuple(tiers)
    if not checked:
        raise InvalidTiers(why="at least one tier is needed")
    if checked[-1].up_to is not None:
        raise InvalidTiers(why="the last tier must have no upper bound (up_to: null)")
    bounds = [tier.up_to for tier in checked[:-1] if tier.up_to is not None]
    if len(bounds) != len(checked) - 1:
        raise InvalidTiers(why="only the last tier may be unbounded")
    if any(b <= a for a, b in itertools.pairwise(bounds)):
        raise InvalidTiers(why="tier bounds must strictly increase: {bounds}", bounds=bounds)
    return checked


def _describe_tiers(name: str, tiers: Sequence[Tier]) -> str:
    parts: list[str] = []
    lower = 0
    for tier in tiers:
        if tier.up_to is None:
            band = f"above {lower}" if lower else "any quantity"
        else:
            band = f"up to {tier.up_to}" if not lower else f"{lower + 1}–{tier.up_to}"
        parts.append(f"{band} at {tier.describe_price()}")
        lower = tier.up_to or lower
    return f"{name}: " + "; ".join(parts)


@with_config(_STRICT)
@dataclass(frozen=True, slots=True)
class PerUnit:
    """Standard pricing: every unit costs ``unit_price``."""

    unit_price: PriceDecimal
    kind: Literal["per_unit"] = "per_unit"

    def __post_init__(self) -> None:
        _set(self, "unit_price", _checked_price(self.unit_price, "unit_price"))

    def price(self, quantity: Quantity, currency: str) -> Money:
        """Charge ``quantity`` units: 1,000 units at 0.05 → 50.00."""
        return Money.of(_exact_quantity(quantity) * Fraction(self.unit_price), currency)

    def describe(self) -> str:
        """A short text for the invoice line."""
        return f"{self.unit_price} per unit"


@with_config(_STRICT)
@dataclass(frozen=True, slots=True)
class Graduated:
    """Tiered pricing where each unit pays the price of the tier it falls in."""

    tiers: tuple[Tier, ...]
    kind: Literal["graduated"] = "graduated"

    def __post_init__(self) -> None:
        _set(self, "tiers", _checked_tiers(self.tiers))

    def price(self, quantity: Quantity, currency: str) -> Money:
        """Charge each unit at its tier's price, plus the flat fee of every tier reached.

        The first tier counts as reached even at 0 units.
        """
        units = _exact_quantity(quantity)
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
        return _describe_tiers("graduated", self.tiers)


@with_config(_STRICT)
@dataclass(frozen=True, slots=True)
class Volume:
    """Tiered pricing where all units pay the price of the tier the total falls in."""

    tiers: tuple[Tier, ...]
    kind: Literal["volume"] = "volume"

    def __post_init__(self) -> None:
        _set(self, "tiers", _checked_tiers(self.tiers))

    def tier_for(self, quantity: Quantity) -> Tier:
        """The tier a total quantity falls in (0 falls in the first)."""
        units = _exact_quantity(quantity)
        return next(t for t in self.tiers if t.up_to is None or units <= t.up_to)

    def price(self, quantity: Quantity, currency: str) -> Money:
        """Charge every unit at the price of the tier reached, plus that tier's flat fee."""
        tier = self.tier_for(quantity)
        exact = _exact_quantity(quantity) * Fraction(tier.unit_price) + Fraction(tier.flat_fee)
        return Money.of(exact, currency)

    def describe(self) -> str:
        """A short text for the invoice line."""
        return _describe_tiers("volume", self.tiers)


@with_config(_STRICT)
@dataclass(frozen=True, slots=True)
class Package:
    """Units sold in packages: each started package costs ``package_price``."""

    package_price: PriceDecimal
    package_size: int
    free_units: int = 0
    kind: Literal["package"] = "package"

    def __post_init__(self) -> None:
        _set(self, "package_price", _checked_price(self.package_price, "package_price"))
        _checked_count(self.package_size, "package_size", least=1)
        _checked_count(self.free_units, "free_units", least=0)

    def price(self, quantity: Quantity, currency: str) -> Money:
        """Charge ``ceil(max(0, quantity − free_units) / package_size)`` packages."""
        billable = max(Fraction(0), _exact_quantity(quantity) - self.free_units)
        packages = math.ceil(billable / self.package_size)
        return Money.of(packages * Fraction(self.package_price), currency)

    def describe(self) -> str:
        """A short text for the invoice line."""
        free = f", first {self.free_units} free" if self.free_units else ""
        return f"{self.package_price} per {self.package_size} units{free}"


@with_config(_STRICT)
@dataclass(frozen=True, slots=True)
class Percentage:
    """A percent of a transacted amount, plus an optional fixed fee per transaction."""

    rate: PriceDecimal
    fixed_fee_per_transaction: PriceDecimal = Decimal(0)
    kind: Literal["percentage"] = "percentage"

    def __post_init__(self) -> None:
        _set(self, "rate", _checked_price(self.rate, "rate"))
        fee = _checked_price(self.fixed_fee_per_transaction, "fixed_fee_per_transaction")
        _set(self, "fixed_fee_per_transaction", fee)

    def price(self, quantity: Quantity, currency: str, *, transactions: int = 0) -> Money:
        """Charge ``rate`` % of the transacted amount plus the fixed fee per transaction.

        Args:
            quantity: the transacted amount, in major units of ``currency``.
            currency: the currency of the amount and of the charge.
            transactions: how many transactions make up the amount.
        """
        _checked_count(transactions, "transactions", least=0)
        exact = _exact_quantity(quantity) * Fraction(self.rate) / 100
        exact += transactions * Fraction(self.fixed_fee_per_transaction)
        return Money.of(exact, currency)

    def describe(self) -> str:
        """A short text for the invoice line."""
        fee = self.fixed_fee_per_transaction
        return f"{self.rate} %" + (f" + {fee} per transaction" if fee else "")


PricingModel: TypeAlias = PerUnit | Graduated | Volume | Package | Percentage
"""Any pricing model; ``kind`` tells them apart in stored form."""


@cache
def _adapter() -> TypeAdapter[PricingModel]:
    return TypeAdapter(Annotated[PricingModel, Field(discriminator="kind")])


def to_dict(model: PricingModel) -> dict[str, Any]:
    """Return a JSON-ready dict of a pricing model: decimals as strings, tagged by ``kind``."""
    result: dict[str, Any] = _adapter().dump_python(model, mode="json")
    return result


def from_dict(data: Mapping[str, object]) -> PricingModel:
    """Read back a pricing model the ledger recorded (the dict ``to_dict`` made, or one typed).

    Read as it was recorded: a model stored before prices had to be plain decimal text
    (``"1e3"``) still reads back and bills. To read a model a person or a file gives now,
    use :func:`parse_pricing`.

    Raises:
        InvalidPricingModel: unknown ``kind``, a missing or extra field, or a float
            (write decimals as strings: ``"0.05"``).
        InvalidPrice, InvalidTiers, InvalidQuantity: a rule of the model is broken.
    """
    return _validated(data, AS_RECORDED)


def parse_pricing(data: Mapping[str, object]) -> PricingModel:
    """Read a pricing model given now (the API, a catalog file): its prices as decimal text.

    Every price, fee and rate is plain decimal text (``"0.05"``) or a whole number: an
    exponent, ``_``, spaces or a sign are refused naming the field (``ledger.decimal_text``).

    Raises:
        InvalidPricingModel: as :func:`from_dict`, and a price that is not decimal text.
        InvalidPrice, InvalidTiers, InvalidQuantity: a rule of the model is broken.
    """
    return _validated(data, None)


def _validated(data: Mapping[str, object], context: Mapping[str, object] | None) -> PricingModel:
    _refuse_floats(data, "pricing")
    try:
        return _adapter().validate_python(data, context=context)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(["pricing", *(str(part) for part in _without_kind(first["loc"], data))])
        problem = first["msg"].removeprefix("Value error, ")
        raise InvalidPricingModel(field=where, why="{where}: {problem}", where=where,
                                  problem=problem) from None


def _without_kind(loc: Sequence[int | str], data: Mapping[str, object]) -> Sequence[int | str]:
    """The path within the model: pydantic puts the ``kind`` it chose in front of it."""
    return loc[1:] if loc and loc[0] == data.get("kind") else loc


def _refuse_floats(value: object, where: str) -> None:
    if isinstance(value, float):
        raise InvalidPricingModel(field=where, why="{where}: {value!r} is a float; quote it",
                                  where=where, value=value)
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_floats(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{where}.{index}")
