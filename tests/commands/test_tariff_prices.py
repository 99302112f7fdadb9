"""Given a tariff to publish, when a component carries a price its kind never reads, then
the publication is refused at that field and nothing is written (docs/billing.md, Tariffs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ledger.errors import InvalidField
from tests.support.dsl import publish

if TYPE_CHECKING:
    from api.bootstrap import Services

PER_UNIT = {"kind": "per_unit", "unit_price": "1.00"}


def tariff(component: dict[str, Any]) -> dict[str, Any]:
    return {"name": "API", "currency": "RUB", "components": [component]}


def test_a_metered_component_with_a_price_is_refused_at_the_price(services: Services) -> None:
    before = services.ledger.max_position()
    with pytest.raises(InvalidField) as refused:
        publish(services, "api", tariff({"code": "api", "name": "API calls", "kind": "metered",
                                         "price": "500.00", "pricing": PER_UNIT}))
    assert refused.value.field == "definition.components.0.price"
    assert services.ledger.max_position() == before


def test_a_new_version_with_a_pricing_model_on_a_flat_fee_is_refused(services: Services) -> None:
    flat = {"code": "base", "name": "Fee", "kind": "flat", "price": "100.00"}
    assert publish(services, "start", tariff(flat)) == 1
    with pytest.raises(InvalidField) as refused:
        publish(services, "start", tariff({**flat, "pricing": PER_UNIT}))
    assert refused.value.field == "definition.components.0.pricing"
    assert publish(services, "start", tariff({**flat, "price": "120.00"})) == 2
