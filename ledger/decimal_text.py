"""Decimal text: the one way a price is written where a person or a file hands it to the ledger.

Why a rule of its own: ``Decimal()`` reads far more than an accountant writes. ``"1e3"``
becomes ``1E+3`` (and is stored so), ``"1_000"`` and ``" 1000 "`` are read as 1000, and
Arabic-Indic or full-width digits are read as digits. None of that is a price as
docs/money-policy.md states one: digits, then optionally a ``.`` and more digits
(``"1500.00"``). No sign either: a price is never negative. So tariff prices, minimums and
every price of a pricing model are read through :func:`price_text`; commands keep their
own ``AmountText`` (``commands.base``), which the ledger may not import.

A JSON whole number (``1000``) or a ``Decimal`` from Python code is exact and stays
accepted; a float never is (``10.5`` holds no exact kopeck).

What the ledger recorded is read back as it was recorded (:data:`AS_RECORDED`): a version
published before this rule may hold ``"1E+3"`` and must still replay.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from ledger.errors import invalid_value

if TYPE_CHECKING:
    from pydantic import ValidationInfo

AS_RECORDED: Final[dict[str, Any]] = {"as_recorded": True}
"""The validation context for reading back what the ledger recorded (events, snapshots,
read-model rows): rules on how a value is typed are not applied to it again."""

_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")

NOT_DECIMAL_TEXT = ("{value} is not a decimal string such as '1500.00': digits and a '.'"
                    " only, no sign, exponent, '_' or spaces")
A_FLOAT = "{value} is a float; quote it"


def first_float(value: object, where: str) -> tuple[str, float] | None:
    """The path (``where`` and the keys and indexes below it) and value of the first float.

    Why walk before validating: a parsed JSON or YAML number with a fraction is already a
    binary float, rounded before any model sees it, so it is refused where it was written.
    """
    if isinstance(value, float):
        return where, value
    if isinstance(value, Mapping):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if (found := first_float(item, f"{where}.{key}")) is not None:
            return found
    return None


def is_decimal_text(text: str) -> bool:
    """True for plain decimal text: ASCII digits, optionally a ``.`` and more digits."""
    return _PLAIN.fullmatch(text) is not None


def as_recorded(info: ValidationInfo) -> bool:
    """True when the value being validated is read back from what the ledger recorded."""
    context = info.context
    return isinstance(context, Mapping) and context.get("as_recorded") is True


def price_text(value: object, info: ValidationInfo) -> object:
    """A pydantic ``BeforeValidator`` for a price: refuse a float and text that is not plain.

    A ``Decimal`` from Python code with a positive exponent (``Decimal("1E+3")``) is given
    its plain form (``1000``), so that it is written back as decimal text too.

    Raises:
        PydanticCustomError: a float, or text that is not plain decimal text (not when
            reading what was recorded); pydantic names the field.
    """
    if isinstance(value, float):
        raise invalid_value(A_FLOAT, value=repr(value))
    if as_recorded(info):
        return value
    if isinstance(value, str) and not is_decimal_text(value):
        raise invalid_value(NOT_DECIMAL_TEXT, value=repr(value))
    if isinstance(value, Decimal) and value.is_finite():
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent > 0:
            return Decimal(plain(value))  # exact, whatever its length
    return value


def plain(value: Decimal) -> str:
    """A decimal as plain text, never in exponent form: ``"0.0000001"``, not ``"1E-7"``."""
    return format(value, "f")
