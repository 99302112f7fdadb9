"""Tariff catalog files: the catalog as YAML or JSON, so it can be reviewed and versioned.

The file is a mapping ``{"tariffs": [{"code": ..., "definition": {...}}, ...]}``. Prices are
decimal strings; a bare YAML number (which would become a float) is refused with the path
of the offending value, so a catalog file can never carry a binary fraction into a price.
"""

from __future__ import annotations

from typing import Any

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ledger.errors import InvalidField
from ledger.tariffs.definition import Code, TariffDefinition, unused_price_refusal


class CatalogEntry(BaseModel):
    """One tariff of a catalog file: its code and the definition to publish."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    definition: TariffDefinition


def _refuse_floats(value: Any, where: str) -> None:
    if isinstance(value, float):
        raise InvalidField(field=where, why="{where}: {value!r} is a float; quote decimals",
                           where=where, value=value)
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_floats(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{where}.{index}")


def read_catalog(text: str, fmt: str) -> list[CatalogEntry]:
    """Parse a catalog file (``yaml`` or ``json``).

    Raises:
        InvalidField: not YAML/JSON, not the catalog's shape, a float price, a price its
            component never reads, a broken tariff rule, or a code named twice — naming
            the path of the value at fault (the second occurrence of a code).
    """
    try:
        data = yaml.safe_load(text) if fmt == "yaml" else orjson.loads(text)
    except (yaml.YAMLError, orjson.JSONDecodeError) as error:
        raise InvalidField(field="file", why="not valid {format}: {error}",
                           format=fmt.upper(), error=str(error)) from None
    if not isinstance(data, dict) or not isinstance(data.get("tariffs"), list):
        raise InvalidField(field="tariffs", why="a catalog file holds a list under 'tariffs'")
    _refuse_floats(data["tariffs"], "tariffs")
    entries: list[CatalogEntry] = []
    first_at: dict[str, int] = {}
    for index, item in enumerate(data["tariffs"]):
        try:
            entry = CatalogEntry.model_validate(item)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in ("tariffs", index, *first["loc"]))
            raise InvalidField(field=where, why="{where}: {problem}", where=where,
                               problem=first["msg"]) from None
        unused = unused_price_refusal(entry.definition, f"tariffs.{index}.definition.")
        if unused is not None:
            raise unused
        if entry.code in first_at:
            raise _repeated(entry.code, first_at[entry.code], index)
        first_at[entry.code] = index
        entries.append(entry)
    return entries


def _repeated(code: str, first: int, again: int) -> InvalidField:
    """A code named twice: refused, because importing the file could never be idempotent.

    Its entries would be published one after the other, each a new version (the second
    differs from the first), on every import of the same file.
    """
    where = f"tariffs.{again}.code"
    why = ("{where}: tariff {code!r} is already defined at tariffs.{first}; a catalog file"
           " names each tariff once")
    return InvalidField(field=where, why=why, where=where, code=code, first=first)


def write_catalog(entries: list[CatalogEntry], fmt: str) -> str:
    """Write a catalog file (decimals as strings, keys in a stable order)."""
    data = {"tariffs": [entry.model_dump(mode="json", exclude_none=True) for entry in entries]}
    if fmt == "json":
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    return str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
