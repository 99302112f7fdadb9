"""The dict form of a pricing model: how it is written down, read back and refused.

Why a module of its own: models live in events, catalog files and API bodies as
JSON-ready dicts (decimals as strings, a ``kind`` tag), and reading one is a question of
its own: a model the ledger recorded long ago must still read back as it was recorded
(:func:`from_dict`), while one a person or a file gives now is held to today's rules
(:func:`parse_pricing`). Both go through the same validation as the constructors, and a
refusal names the field at fault as a path (``pricing.tiers.0.unit_price``).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from ledger.decimal_text import AS_RECORDED, first_float
from ledger.pricing.models import PricingModel
from ledger.pricing_errors import InvalidPricingModel

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


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
    if (found := first_float(value, where)) is not None:
        path, number = found
        raise InvalidPricingModel(field=path, why="{where}: {value!r} is a float; quote it",
                                  where=path, value=number)
