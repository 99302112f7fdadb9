"""Request bodies for commands: the command's fields minus those given in the path."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, create_model

if TYPE_CHECKING:
    from commands.base import Command



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
        **fields,
    )
    return model
