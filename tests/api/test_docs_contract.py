"""What the docs promise a client, held to: a docs review found each of these unkept.

- docs/money-policy.md: a price, like an amount, is a decimal string; a JSON number or an
  exponent is refused naming the field, and nothing is written.
- docs/api.md: every 422 names its ``field`` and has ``errors``, a bad list ``cursor`` too;
  malformed JSON is a 422 naming ``body``, and only unreadable bytes are a 400.
- A customer looked up by its external key and not found is named by that key.
- The Python client never sends a float as an amount.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn
from uuid import UUID

import pytest

from api.client import LbxClient
from ledger.access import Role
from ledger.customers.billing_events import IndividualPriceSet
from ledger.customers.events import PaymentReceived
from tests.api.conftest import auth, individual_prices_url
from tests.support.dsl import event_names

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services

NOT_OURS = "not-a-cursor!"


def _agreed(price: Any) -> dict[str, Any]:
    return {"component": "base", "price": price, "note": "Договор № 5 от 10.01",
            "agreed_by": "Директор"}


@pytest.mark.parametrize("price", [850.5, 850, "8.5e2", "8.5E+2", "1_000.00", "NaN"])
def test_an_individual_price_that_is_not_a_decimal_string_is_refused_naming_price(
    client: TestClient, keys: dict[Role, str], services: Services, price: Any
) -> None:
    url = individual_prices_url(client, keys, services)
    customer = UUID(url.split("/")[3])
    before = event_names(services, customer)

    refused = client.post(url, json=_agreed(price), headers=auth(keys[Role.ACCOUNTANT], "p"))

    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["field"] == "price"
    assert [e["field"] for e in problem["errors"]] == ["price"]
    assert "decimal string" in problem["detail"]
    assert event_names(services, customer) == before


def test_an_individual_price_as_a_decimal_string_is_recorded_exactly(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    url = individual_prices_url(client, keys, services)

    done = client.post(url, json=_agreed("850.50"), headers=auth(keys[Role.ACCOUNTANT], "p"))

    assert done.status_code == 201, done.text
    (agreed,) = [e for e in services.ledger.history(UUID(url.split("/")[3]))
                 if isinstance(e, IndividualPriceSet)]
    assert (agreed.price, str(agreed.price)) == (Decimal("850.50"), "850.50")


def test_a_negative_individual_price_is_still_refused(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    url = individual_prices_url(client, keys, services)
    refused = client.post(url, json=_agreed("-1.00"), headers=auth(keys[Role.ACCOUNTANT], "p"))
    assert refused.status_code == 422
    assert refused.json()["field"] == "price"


def test_the_openapi_document_declares_the_price_a_string(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    price = schemas["SetIndividualPrice"]["properties"]["price"]
    types = [option.get("type") for option in price.get("anyOf", [price])]
    assert sorted(types, key=str) == ["null", "string"], price


def _lists(client: TestClient, keys: dict[Role, str]) -> list[tuple[str, dict[str, Any]]]:
    """Every list route that takes a ``cursor``, with the other parameters it needs."""
    customer = client.post("/v1/customers", json={"external_key": "C-9", "name": "ООО Девять"},
                           headers=auth(keys[Role.SERVICE], "c9")).json()["target_id"]
    registered = client.post("/v1/webhooks", headers=auth(keys[Role.ADMIN], "wh"), json={
        "url": "https://crm.example/hooks", "event_types": ["payment.received"]}).json()
    endpoint = registered["result"]["endpoint_id"]
    paths = ["/v1/customers", f"/v1/customers/{customer}/timeline", "/v1/debts", "/v1/renewals",
             "/v1/payments", "/v1/invoice-lines", "/v1/invoices", "/v1/bank-payments"]
    return [(path, {}) for path in paths] + [
        (f"/v1/webhooks/{endpoint}/deliveries", {"wait_for": registered["position"]})]


def test_a_cursor_that_is_not_ours_is_the_standard_problem_naming_cursor(
    client: TestClient, keys: dict[Role, str]
) -> None:
    for path, params in _lists(client, keys):
        response = client.get(path, params={**params, "cursor": NOT_OURS},
                              headers=auth(keys[Role.ADMIN]))

        assert response.status_code == 422, (path, response.text)
        problem = response.json()
        assert problem["type"] == "https://lbx.dev/problems/invalid-value", (path, problem)
        assert problem["field"] == "cursor", path
        assert problem["errors"] == [{"field": "cursor", "message": problem["detail"]}], path


def test_a_customer_not_found_by_key_is_named_by_the_key_sent(
    client: TestClient, keys: dict[Role, str]
) -> None:
    response = client.get("/v1/customers/by-key/NOPE", headers=auth(keys[Role.ACCOUNTANT]))

    assert response.status_code == 404
    problem = response.json()
    assert problem["detail"] == "no customer with external key 'NOPE'"
    assert problem["field"] == "external_key"


def test_malformed_json_is_a_422_naming_body_and_only_unreadable_bytes_a_400(
    client: TestClient, keys: dict[Role, str]
) -> None:
    headers = {**auth(keys[Role.SERVICE], "j"), "Content-Type": "application/json"}

    broken = client.post("/v1/customers", content=b'{"external_key": ', headers=headers)
    unreadable = client.post("/v1/customers", content=b'{"name": "\xe9"}', headers=headers)

    assert (broken.status_code, broken.json()["type"]) == (
        422, "https://lbx.dev/problems/invalid-request")
    assert broken.json()["field"] == "body"
    assert broken.json()["errors"][0]["message"].startswith("not valid JSON")
    assert (unreadable.status_code, unreadable.json()["field"]) == (400, "body")


class _NoNetwork:
    """An ``Http`` that fails the test if the client sends anything."""

    def request(self, method: str, url: str, **_: Any) -> NoReturn:
        pytest.fail(f"the client sent {method} {url}")

    def close(self) -> None:
        """Nothing to close."""


@pytest.mark.parametrize("call", ["record_payment", "record_charge"])
def test_the_client_refuses_a_float_amount_before_sending_anything(call: str) -> None:
    lbx = LbxClient("http://lbx.test", "lbx_x_y", http=_NoNetwork())
    customer = "00000000-0000-0000-0000-000000000001"
    second = "RUB" if call == "record_payment" else "Настройка"

    with pytest.raises(TypeError, match=r"^amount must be a decimal string .* not float 12\.3$"):
        getattr(lbx, call)(customer, 12.3, second)
    with pytest.raises(TypeError, match="amount"):
        getattr(lbx, call)(customer, True, second)  # a bool is no amount


def test_the_client_sends_an_int_or_a_decimal_amount_as_a_decimal_string(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    lbx = LbxClient("http://testserver/v1", keys[Role.SERVICE], http=client)
    customer = lbx.register_customer("CRM-8", "ООО Восемь")["target_id"]

    lbx.record_payment(customer, 1500, "RUB", idempotency_key="int")
    lbx.record_payment(customer, Decimal("1E+3"), "RUB", idempotency_key="decimal")

    amounts = [e.amount.to_decimal_string() for e in services.ledger.history(UUID(customer))
               if isinstance(e, PaymentReceived)]
    assert amounts == ["1500.00", "1000.00"]
