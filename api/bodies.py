"""Request bodies for commands: the command's fields minus those given in the path.

Bodies also bound every business date to :data:`EARLIEST` … :data:`LATEST`. The commands
accept any ISO date, and the billing calendar then walks from a subscription's start to
the date asked for, one period at a time: a typo such as ``"9999-12-31"`` overflows the
calendar (an answer 500), and ``"4203-07-13"`` bills two thousand years of months in one
request. No real document of this ledger lies outside this century, so the API refuses
such a date with a 422 naming the field before anything runs.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, create_model, field_validator

if TYPE_CHECKING:
    from commands.base import Command

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def business_date(value: date) -> date:
    """``value``, if it lies within this century.

    Raises:
        ValueError: the date is outside :data:`EARLIEST` … :data:`LATEST` (pydantic turns
            it into a 422 naming the field).
    """
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        msg = f"must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}"
        raise ValueError(msg)
    return value


BusinessDate = Annotated[date, AfterValidator(business_date)]
"""A ``date`` field of an API body that refuses dates outside this century."""


def _dates_in_range(value: Any) -> Any:
    return business_date(value) if isinstance(value, date) else value


@cache
def body_of(command: type[Command], path_fields: tuple[str, ...] = ()) -> type[BaseModel]:
    """A strict body model with every field of ``command`` except those in the path."""
    command.model_rebuild()
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in command.model_fields.items()
        if name not in path_fields
    }
    model: type[BaseModel] = create_model(
        command.__name__,
        __config__=ConfigDict(extra="forbid", str_strip_whitespace=True),
        __doc__=command.__doc__,
        __validators__={"dates_in_range": field_validator("*")(_dates_in_range)},
        **fields,
    )
    return model
