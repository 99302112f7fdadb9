"""The Python client: a service's common tasks in a few lines, refusals as ``LbxProblem``.

The client sends through the app's ``TestClient`` (an ``httpx.Client``), so every call goes
through the real routes, auth and error handlers, on both backends.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import pytest

from api.client import LbxClient, LbxProblem
from api.examples import EXAMPLES
from ledger.access import Role
from tests.support.dsl import publish

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services

METERED = {
    "name": "Старт+API", "currency": "RUB", "vat_rate": "22",
    "components": [
        {"code": "base", "name": "Абонентская плата", "kind": "flat", "price": "1000.00"},
        {"code": "api", "name": "Вызовы API", "kind": "metered",
         "pricing": {"kind": "per_unit", "unit_price": "0.05"}},
    ],
}


def lbx(client: TestClient, token: str) -> LbxClient:
    return LbxClient("http://testserver/v1", token, http=client)


def test_a_service_registers_subscribes_and_is_paid(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    publish(services, "start", METERED)
    service = lbx(client, keys[Role.SERVICE])

    customer = service.register_customer("CRM-42", "ООО Пример", inn="7707049388")["target_id"]
    started = service.start_subscription(customer, "start", "2026-01-01", anchor_day=1)
    subscription = started["result"]["subscription_id"]
    service.record_usage(customer, subscription, "api", usage_id="evt-1", quantity=1200,
                         occurred_on="2026-01-05")
    charge = service.record_charge(customer, "5000.00", "Настройка интеграции")
    paid = service.record_payment(customer, "1500.00", "RUB", reference="п/п 17")

    assert charge["result"]["invoice_id"]
    assert paid["command"] == "RecordPayment"
    status = service.status(customer)
    assert (status["access"], status["currency"]) == (True, "RUB")

    accountant = lbx(client, keys[Role.ACCOUNTANT])
    (balance,) = accountant.balances(customer, wait_for=paid["position"])
    assert balance["currency"] == "RUB"
    assert accountant.customer(customer)["external_key"] == "CRM-42"
    invoices = accountant.invoices(customer_id=customer, wait_for=paid["position"])["items"]
    assert [i["invoice_id"] for i in invoices] == [charge["result"]["invoice_id"]]
    assert accountant.invoice(charge["result"]["invoice_id"])["lines"]
    assert "items" in accountant.debts(currency="RUB")


def test_a_retry_under_the_same_key_returns_the_first_outcome(
    client: TestClient, keys: dict[Role, str]
) -> None:
    service = lbx(client, keys[Role.SERVICE])
    customer = service.register_customer("CRM-7", "ООО Семь")["target_id"]

    first = service.record_payment(customer, "10.00", "RUB", idempotency_key="pay-1")
    retry = service.record_payment(customer, "10.00", "RUB", idempotency_key="pay-1")
    assert (retry["result"], retry["version"]) == (first["result"], first["version"])
    assert retry["replayed"]
    with pytest.raises(LbxProblem) as refused:
        service.record_payment(customer, "20.00", "RUB", idempotency_key="pay-1")
    assert (refused.value.status, refused.value.field) == (409, "Idempotency-Key")


def test_each_call_gets_a_fresh_key_and_decimals_and_dates_travel_as_text(
    client: TestClient, keys: dict[Role, str]
) -> None:
    service = lbx(client, keys[Role.SERVICE])
    customer = service.register_customer("CRM-8", "ООО Восемь")["target_id"]

    one = service.record_payment(customer, "10.00", "RUB")
    two = service.record_payment(customer, Decimal("1E+1"), "RUB", received_on=date(2026, 1, 14))
    assert one["result"]["payment_id"] != two["result"]["payment_id"]


def test_refusals_arrive_as_problems_naming_the_field(
    client: TestClient, keys: dict[Role, str]
) -> None:
    service = lbx(client, keys[Role.SERVICE])
    customer = service.register_customer("CRM-9", "ООО Девять")["target_id"]

    with pytest.raises(LbxProblem) as bad_amount:
        service.record_payment(customer, "10.005", "RUB")
    assert (bad_amount.value.status, bad_amount.value.field) == (422, "amount")
    assert bad_amount.value.errors
    with pytest.raises(LbxProblem) as unknown:
        service.status("00000000-0000-0000-0000-000000000000")
    assert unknown.value.status == 404
    with pytest.raises(LbxProblem) as forbidden:
        service.debts()
    assert forbidden.value.status == 403
    with pytest.raises(LbxProblem) as unauthorized:
        lbx(client, "lbx_nope_nope").status(customer)
    assert (unauthorized.value.status, unauthorized.value.field) == (401, "Authorization")
    assert unauthorized.value.type == "https://lbx.dev/problems/unauthorized"


def test_a_refusal_that_is_not_problem_json_is_still_a_problem() -> None:
    gateway = httpx.Client(transport=httpx.MockTransport(
        lambda _: httpx.Response(502, text="<html>Bad Gateway</html>")))
    with LbxClient("http://lbx.example", "lbx_a_b", http=gateway) as client, \
            pytest.raises(LbxProblem) as refused:
        client.status("c")
    assert (refused.value.status, refused.value.title) == (502, "Bad Gateway")
    assert "Bad Gateway" in refused.value.detail


def test_the_documented_examples_are_accepted(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    publish(services, "start", METERED)
    admin = lbx(client, keys[Role.ADMIN])
    customer = admin.command("/customers", EXAMPLES["RegisterCustomer"])["target_id"]
    base = f"/customers/{customer}"
    started = admin.command(f"{base}/subscriptions", EXAMPLES["StartSubscription"])
    usage = {**EXAMPLES["RecordUsage"], "subscription_id": started["result"]["subscription_id"]}
    outcomes = [
        admin.command(f"{base}/usage", usage),
        admin.command(f"{base}/charges", EXAMPLES["RecordCharge"]),
        admin.command(f"{base}/payments", EXAMPLES["RecordPayment"]),
    ]
    assert [o["command"] for o in outcomes] == ["RecordUsage", "RecordCharge", "RecordPayment"]
