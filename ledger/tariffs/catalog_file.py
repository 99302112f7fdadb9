"""Tariff catalog files: the catalog as YAML or JSON, so it can be reviewed and versioned.

The file is a mapping ``{"tariffs": [{"code": ..., "definition": {...}}, ...]}``. Prices are
plain decimal strings (``"1500.00"``: no exponent, ``_`` or spaces, ``ledger.decimal_text``);
a bare YAML number with a fraction (which would become a float) is refused with the path
of the offending value, so a catalog file can never carry a binary fraction into a price.

YAML aliases (``*name``) are refused: each one repeats a whole subtree, so a few hundred
bytes of nested aliases unfold into billions of values and hold a worker for seconds (the
"billion laughs"). A catalog spells every value out, as ``write_catalog`` writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ledger.decimal_text import first_float
from ledger.errors import InvalidField
from ledger.tariffs.definition import Code, TariffDefinition, unused_price_refusal

if TYPE_CHECKING:
    from yaml.nodes import Node

MAX_DEPTH = 32
"""How deeply a catalog file may nest: a tiered price sits ten levels down; deeper is no catalog."""


class _CatalogLoader(yaml.SafeLoader):
    """YAML's safe loader, less aliases and runaway nesting: a catalog spells its values out.

    Both are refused while the document is composed, before any alias is unfolded.
    """

    _depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Refuse an alias where it stands, and a value nested deeper than :data:`MAX_DEPTH`."""
        if self.check_event(yaml.AliasEvent):
            line = self.current_event.start_mark.line + 1
            raise InvalidField(field="file", why=(
                "line {line}: YAML aliases (*name) are not allowed in a catalog file; write"
                " each value out"), line=line)
        if self._depth >= MAX_DEPTH:
            line = self.current_event.start_mark.line + 1
            raise InvalidField(field="file", why=(
                "line {line}: nested deeper than {most} levels; a catalog file is not that"
                " deep"), line=line, most=MAX_DEPTH)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _CatalogDumper(yaml.SafeDumper):
    """YAML's safe dumper that never writes an alias, so what it writes reads back."""

    def ignore_aliases(self, data: object) -> bool:  # noqa: ARG002  (every value, always)
        """Spell every value out, even one that appears twice."""
        return True


class CatalogEntry(BaseModel):
    """One tariff of a catalog file: its code and the definition to publish."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    definition: TariffDefinition


def _refuse_floats(value: Any, where: str) -> None:
    if (found := first_float(value, where)) is not None:
        path, number = found
        raise InvalidField(field=path, why="{where}: {value!r} is a float; quote decimals",
                           where=path, value=number)


def read_catalog(text: str, fmt: str) -> list[CatalogEntry]:
    """Parse a catalog file (``yaml`` or ``json``).

    Raises:
        InvalidField: not YAML/JSON, not the catalog's shape, a float price, a price its
            component never reads, a broken tariff rule, or a code named twice — naming
            the path of the value at fault (the second occurrence of a code).
    """
    try:
        data = _load_yaml(text) if fmt == "yaml" else orjson.loads(text)
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
            problem = first["msg"].removeprefix("Value error, ")  # pydantic's, not ours
            raise InvalidField(field=where, why="{where}: {problem}", where=where,
                               problem=problem) from None
        unused = unused_price_refusal(entry.definition, f"tariffs.{index}.definition.")
        if unused is not None:
            raise unused
        if entry.code in first_at:
            raise _repeated(entry.code, first_at[entry.code], index)
        first_at[entry.code] = index
        entries.append(entry)
    return entries


def _load_yaml(text: str) -> Any:
    """The YAML document in ``text``, read by :class:`_CatalogLoader` (a safe loader)."""
    return yaml.load(text, Loader=_CatalogLoader)  # noqa: S506  (a SafeLoader: no Python objects)


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
    return str(yaml.dump(data, Dumper=_CatalogDumper, allow_unicode=True, sort_keys=False))
