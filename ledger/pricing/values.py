"""What a pricing model takes as a price, a count and a quantity, and what it refuses.

Why a module of its own: every model and every tier checks its prices and counts by the
same rules, with the same refusals naming the field at fault, and prices the same exact
quantity. Prices are ``Decimal`` (never ``float``) and a quantity becomes an exact
``Fraction``, so that no product or sum is rounded before the charge becomes ``Money``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Annotated, TypeAlias

from pydantic import BeforeValidator, ConfigDict, PlainSerializer

from ledger.decimal_text import plain, price_text
from ledger.pricing_errors import InvalidPrice, InvalidQuantity

Quantity: TypeAlias = int | Decimal
"""Units consumed (or, for ``Percentage``, the transacted amount in major units)."""

STRICT = ConfigDict(extra="forbid")
"""The pydantic config of every model and tier: a field it does not know is refused."""

PriceDecimal: TypeAlias = Annotated[
    Decimal, BeforeValidator(price_text), PlainSerializer(plain, return_type=str, when_used="json"),
]
"""A price, fee or rate of a model: read from plain decimal text (``ledger.decimal_text``) and
written back as plain text, so ``to_dict`` never writes ``"1E-7"`` where ``"0.0000001"`` was
meant (its own rule would refuse it)."""


def checked_price(value: object, field: str) -> Decimal:
    """The price ``value`` as a ``Decimal``, refused naming ``field`` unless finite and ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidPrice(field=field, value=repr(value), why="prices are Decimal, never float")
    price = Decimal(value)
    if not price.is_finite() or price < 0:
        raise InvalidPrice(field=field, value=str(value), why="must be a finite amount ≥ 0")
    return price


def is_whole(value: object, least: int) -> bool:
    """Whether ``value`` is a whole number (an ``int``, not a ``bool``) of at least ``least``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def checked_count(value: object, field: str, least: int) -> None:
    """Refuse ``value``, naming ``field``, unless it is a whole number ≥ ``least``."""
    if not is_whole(value, least):
        raise InvalidQuantity(
            field=field, value=repr(value), why="must be a whole number ≥ {least}", least=least
        )


def exact_quantity(quantity: object) -> Fraction:
    """The quantity to price as an exact ``Fraction``: an int or Decimal, finite and ≥ 0."""
    if isinstance(quantity, bool) or not isinstance(quantity, Decimal | int):
        raise InvalidQuantity(
            value=repr(quantity), why="quantities are int or Decimal, never float"
        )
    if not Decimal(quantity).is_finite() or quantity < 0:
        raise InvalidQuantity(value=str(quantity), why="must be a finite quantity ≥ 0")
    return Fraction(quantity)


def set_field(obj: object, name: str, value: object) -> None:
    """Store a checked value on a frozen model while it is being built."""
    object.__setattr__(obj, name, value)
