"""`POST /v1/tariffs`: a price is exact or refused, as problem+json naming its path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ledger.access import Role
from ledger.tariffs import tariff_id_for
from tests.api.conftest import auth

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services


def tariff(price: Any, kind: str = "flat", **extra: Any) -> dict[str, Any]:
    return {"code": "plan", "definition": {
        "name": "Plan", "currency": "RUB", **extra,
        "components": [{"code": "base", "name": "Base", "kind": "seat", "price": "1.00"},
                       {"code": "fee", "name": "Fee", "kind": kind, "price": price}]}}


@pytest.mark.parametrize(("body", "field", "detail"), [
    (tariff(10.5), "definition.components.1.price", "10.5 is a float; quote it"),
    (tariff(0.1, kind="seat"), "definition.components.1.price", "0.1 is a float"),
    (tariff(99.9, kind="setup"), "definition.components.1.price", "99.9 is a float"),
    (tariff("10.00", minimum=5.5), "definition.minimum", "5.5 is a float"),
    (tariff("10.005"), "definition.components.1.price",
     "10.005: RUB has at most 2 decimal places"),
    (tariff("10.00", minimum="0.001"), "definition.minimum",
     "0.001: RUB has at most 2 decimal places"),
])
def test_a_float_or_a_price_finer_than_a_kopeck_is_refused_at_its_path(
    client: TestClient, keys: dict[Role, str], services: Services,
    body: dict[str, Any], field: str, detail: str,
) -> None:
    response = client.post("/v1/tariffs", json=body,
                           headers=auth(keys[Role.ADMIN], "price-check"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["field"] == field
    assert detail in problem["errors"][0]["message"]
    assert not services.ledger.exists(tariff_id_for("plan"))


def test_decimal_strings_and_whole_numbers_are_exact(
    client: TestClient, keys: dict[Role, str],
) -> None:
    response = client.post("/v1/tariffs", json=tariff(1000, minimum="10.50"),
                           headers=auth(keys[Role.ADMIN], "whole"))
    assert response.status_code == 201
