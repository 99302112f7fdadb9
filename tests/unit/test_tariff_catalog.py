"""Given a tariff or a catalog file, when it is read, then a price it would never bill is refused.

A catalog file names each tariff once (importing it again then publishes nothing), and a
component carries only the price its kind reads: a ``price`` on a metered component, or a
``pricing`` on a flat, seat or setup one, would be left out of every invoice.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.errors import InvalidField
from ledger.tariffs.catalog_file import read_catalog
from ledger.tariffs.definition import TariffDefinition, unused_prices

PER_UNIT = {"kind": "per_unit", "unit_price": "1.00"}


def definition(component: dict[str, Any]) -> TariffDefinition:
    return TariffDefinition.model_validate(
        {"name": "x", "currency": "RUB", "components": [component]})


def test_a_price_on_a_metered_component_is_never_read() -> None:
    metered = definition({"code": "api", "name": "API", "kind": "metered",
                          "price": "500.00", "pricing": PER_UNIT})
    assert unused_prices(metered) == (
        "components.0.price",
        "a metered component ('api') is priced by its pricing model, not a price")


@pytest.mark.parametrize("kind", ["flat", "seat", "setup"])
def test_a_pricing_model_on_a_component_with_a_price_is_never_read(kind: str) -> None:
    priced = definition({"code": "fee", "name": "Fee", "kind": kind, "price": "100.00",
                         "pricing": PER_UNIT})
    assert unused_prices(priced) == (
        "components.0.pricing", f"a {kind} component ('fee') takes a price, not a pricing model")


def test_a_stored_version_with_such_a_price_still_reads_back() -> None:
    """Refused where a version is published, not where a stored one is read: it replays."""
    stored = {"code": "api", "name": "API", "kind": "metered", "price": "500.00",
              "pricing": PER_UNIT}
    assert definition(stored).components[0].price is not None


def test_a_catalog_path_names_the_field_too() -> None:
    text = """
tariffs:
  - code: start
    definition: {name: Start, currency: RUB, components: [
      {code: api, name: API, kind: metered, price: '500.00',
       pricing: {kind: per_unit, unit_price: '1.00'}}]}
"""
    with pytest.raises(InvalidField) as refused:
        read_catalog(text, "yaml")
    assert refused.value.field == "tariffs.0.definition.components.0.price"


def test_a_catalog_file_naming_a_tariff_twice_is_refused_at_the_second() -> None:
    text = """
tariffs:
  - code: start
    definition: {name: Start, currency: RUB, components: [{code: base, name: Fee, kind: flat, price: '100.00'}]}
  - code: pro
    definition: {name: Pro, currency: RUB, components: [{code: base, name: Fee, kind: flat, price: '300.00'}]}
  - code: start
    definition: {name: Start, currency: RUB, components: [{code: base, name: Fee, kind: flat, price: '120.00'}]}
"""  # noqa: E501
    with pytest.raises(InvalidField) as refused:
        read_catalog(text, "yaml")
    assert refused.value.field == "tariffs.2.code"
    assert "'start' is already defined at tariffs.0" in str(refused.value)
