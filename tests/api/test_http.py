"""The HTTP API: commands with idempotency keys, problem+json errors, queries with cursors."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest

from ledger.access import Role
from tests.api.conftest import auth
from tests.support.collections import invoice_due
from tests.support.dsl import register as register_customer

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services


def register(client: TestClient, token: str, key: str = "C-1") -> str:
    response = client.post("/v1/customers", json={"external_key": key, "name": f"ООО {key}"},
                           headers=auth(token, f"reg-{key}"))
    assert response.status_code == 201, response.text
    return str(response.json()["target_id"])


def test_a_command_answers_201_and_a_retry_200_with_the_same_outcome(
    client: TestClient, keys: dict[Role, str]
) -> None:
    token = keys[Role.SERVICE]
    customer = register(client, token)
    body = {"amount": "1500.00", "currency": "RUB", "reference": "п/п 12"}
    first = client.post(f"/v1/customers/{customer}/payments", json=body, headers=auth(token, "p"))
    retry = client.post(f"/v1/customers/{customer}/payments", json=body, headers=auth(token, "p"))
    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["result"] == first.json()["result"]


def test_a_reused_key_with_another_body_is_409_problem(
    client: TestClient, keys: dict[Role, str]
) -> None:
    token = keys[Role.SERVICE]
    customer = register(client, token)
    url = f"/v1/customers/{customer}/payments"
    client.post(url, json={"amount": "1.00", "currency": "RUB"}, headers=auth(token, "k"))
    response = client.post(url, json={"amount": "2.00", "currency": "RUB"},
                           headers=auth(token, "k"))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "Idempotency-Key"


def test_bad_input_names_the_field_and_writes_nothing(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    token = keys[Role.SERVICE]
    customer = register(client, token)
    url = f"/v1/customers/{customer}/payments"
    cases = [
        ({"amount": "10.005", "currency": "RUB"}, 422, "amount"),
        ({"amount": "1e3", "currency": "RUB"}, 422, "amount"),
        ({"amount": "-5.00", "currency": "RUB"}, 422, "amount"),
        ({"amount": "5.00", "currency": "XYZ"}, 422, "currency"),
        ({"amount": "5.00", "currency": "USD"}, 422, "currency"),
        ({"amount": "5.00", "currency": "RUB", "bogus": 1}, 422, "bogus"),
        ({"amount": 5.5, "currency": "RUB"}, 422, "amount"),
    ]
    for n, (body, status, field) in enumerate(cases):
        response = client.post(url, json=body, headers=auth(token, f"bad-{n}"))
        assert response.status_code == status, (body, response.text)
        problem = response.json()
        assert problem["field"] == field, (body, problem)
        assert problem["status"] == status
        assert problem["type"].startswith("https://lbx.dev/problems/")
    assert len(services.ledger.history(UUID(customer))) == 1


def test_a_command_without_an_idempotency_key_is_refused(
    client: TestClient, keys: dict[Role, str]
) -> None:
    response = client.post("/v1/customers", json={"external_key": "X", "name": "X"},
                           headers=auth(keys[Role.SERVICE]))
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"


def test_unknown_customer_is_404_problem(client: TestClient, keys: dict[Role, str]) -> None:
    response = client.get("/v1/customers/00000000-0000-0000-0000-000000000000",
                          headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 404
    assert response.json()["field"] == "customer_id"


def test_an_accountant_reads_balances_after_a_service_writes(
    client: TestClient, keys: dict[Role, str]
) -> None:
    customer = register(client, keys[Role.SERVICE])
    charged = client.post(f"/v1/customers/{customer}/charges",
                          json={"amount": "1000.00", "description": "Внедрение"},
                          headers=auth(keys[Role.SERVICE], "c1"))
    position = charged.json()["position"]
    response = client.get(f"/v1/customers/{customer}?wait_for={position}",
                          headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 200
    (balance,) = response.json()["balances"]
    assert balance["net"] == "1000.00"
    debts = client.get("/v1/debts", headers=auth(keys[Role.ACCOUNTANT])).json()
    assert debts["items"][0]["debt"] == "1000.00"
    assert debts["totals"] == [{"currency": "RUB", "debt": "1000.00", "debtors": 1}]


def test_status_tells_other_services_whether_to_grant_access(
    client: TestClient, keys: dict[Role, str]
) -> None:
    customer = register(client, keys[Role.SERVICE])
    status = client.get(f"/v1/customers/{customer}/status", headers=auth(keys[Role.SERVICE]))
    assert status.json()["status"] == "active"
    assert status.json()["access"] is True


def test_a_malformed_cursor_is_a_problem_on_the_cursor(
    client: TestClient, keys: dict[Role, str]
) -> None:
    response = client.get("/v1/customers?cursor=%%%", headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 422
    assert response.json()["field"] == "cursor"


def test_an_auditor_verifies_replays_and_exports(
    client: TestClient, keys: dict[Role, str]
) -> None:
    customer = register(client, keys[Role.SERVICE])
    client.post(f"/v1/customers/{customer}/payments", json={"amount": "10.00", "currency": "RUB"},
                headers=auth(keys[Role.SERVICE], "p1"))
    headers = auth(keys[Role.AUDITOR])
    verified = client.get(f"/v1/audit/customers/{customer}/verify", headers=headers).json()
    assert verified["ok"] is True
    assert verified["events"] == 2
    replayed = client.get(f"/v1/audit/customers/{customer}/replay?version=1", headers=headers)
    assert replayed.json()["balances"] == []
    csv_export = client.get(f"/v1/audit/customers/{customer}/export?format=csv", headers=headers)
    lines = csv_export.text.strip().splitlines()
    assert lines[0].startswith("version,event_type,recorded_at")
    assert len(lines) == 3
    everyone = client.get("/v1/audit/verify", headers=headers).json()
    assert everyone == {"ok": True, "customers": 1, "broken": []}


def test_a_revoked_key_stops_working(client: TestClient, keys: dict[Role, str]) -> None:
    issued = client.post("/v1/keys", json={"name": "crm", "role": "service"},
                         headers=auth(keys[Role.ADMIN], "issue"))
    token = issued.json()["result"]["token"]
    key_id = issued.json()["result"]["key_id"]
    assert client.get("/v1/tariffs", headers=auth(token)).status_code == 200
    client.post("/v1/keys/revocations", json={"key_id": key_id, "reason": "CRM retired"},
                headers=auth(keys[Role.ADMIN], "revoke"))
    assert client.get("/v1/tariffs", headers=auth(token)).status_code == 401


def test_health_reports_the_backend(client: TestClient, services: Services) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["backend"] == services.settings.backend


def test_an_inn_with_a_wrong_check_digit_is_refused_naming_it(
    client: TestClient, keys: dict[Role, str]
) -> None:
    response = client.post("/v1/customers", json={"external_key": "X", "name": "X",
                                                   "inn": "7718123456"},
                           headers=auth(keys[Role.SERVICE], "inn"))
    assert response.status_code == 422
    assert response.json()["field"] == "inn"
    assert "check digit" in response.json()["detail"]


@pytest.mark.parametrize(("field", "value"), [
    ("kpp", "７７０７０１００１"), ("inn", "٧٧٠٧٠٨٣٨٩٣"), ("ogrn", "１０２７７００１３２１９５")])
def test_requisites_in_other_scripts_digits_are_refused_naming_them(
    client: TestClient, keys: dict[Role, str], field: str, value: str
) -> None:
    """Full-width or Arabic-Indic digits look right on screen and match nothing in 1C."""
    response = client.post("/v1/customers", json={"external_key": "X", "name": "X",
                                                   field: value},
                           headers=auth(keys[Role.SERVICE], field))
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_a_resolution_linking_and_allocating_names_invoice_ids(
    client: TestClient, keys: dict[Role, str]
) -> None:
    """Linking to a payment already on the book keeps that payment's own allocation."""
    body = {"customer_id": str(uuid4()), "existing_payment_id": "pp-1",
            "invoice_ids": ["inv-1"], "reason": "та же п/п"}
    response = client.post(f"/v1/bank-payments/{uuid4()}/resolution", json=body,
                           headers=auth(keys[Role.ACCOUNTANT], "link"))
    assert response.status_code == 422
    assert response.json()["field"] == "invoice_ids"


def test_a_cursor_of_another_list_is_a_problem_not_a_crash(
    client: TestClient, keys: dict[Role, str]
) -> None:
    import base64

    foreign = base64.urlsafe_b64encode(b"[1]").decode().rstrip("=")
    response = client.get(f"/v1/customers?cursor={foreign}", headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 422
    assert response.json()["field"] == "cursor"


# -- refusals name the field ----------------------------------------------------------------


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "percent", "percent": "10", "amount": "5.00"}, "amount"),
    ({"kind": "percent"}, "percent"),
    ({"kind": "fixed", "amount": "5.00", "percent": "10"}, "percent"),
    ({"kind": "fixed"}, "amount"),
])
def test_a_rule_across_body_fields_names_the_field_at_fault(
    client: TestClient, keys: dict[Role, str], body: dict[str, Any], field: str
) -> None:
    token = keys[Role.SERVICE]
    customer = register(client, token)
    response = client.post(f"/v1/customers/{customer}/discounts", json=body,
                           headers=auth(token, "d1"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field
    assert response.json()["errors"][0]["field"] == field


# -- queries --------------------------------------------------------------------------------


def test_the_timeline_of_an_unknown_customer_is_404_like_every_customer_read(
    client: TestClient, keys: dict[Role, str]
) -> None:
    nobody = "00000000-0000-0000-0000-000000000000"
    response = client.get(f"/v1/customers/{nobody}/timeline", headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 404
    assert response.json()["field"] == "customer_id"


def test_the_timeline_of_a_customer_not_yet_in_the_views_is_not_a_404(
    client: TestClient, keys: dict[Role, str]
) -> None:
    customer = register(client, keys[Role.SERVICE])
    response = client.get(f"/v1/customers/{customer}/timeline",
                          headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 200


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-02-01&to=2026-01-31", "to"),
    ("period_from=2026-02-01&period_to=2026-01-31", "period_to"),
])
def test_the_invoice_list_refuses_a_period_that_ends_before_it_starts(
    client: TestClient, keys: dict[Role, str], query: str, field: str
) -> None:
    response = client.get(f"/v1/invoices?{query}", headers=auth(keys[Role.ACCOUNTANT]))
    assert (response.status_code, response.json()["field"]) == (422, field)


def test_the_invoice_list_takes_from_and_to_like_every_dated_list(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    invoice_due(services, register_customer(services, "C-1"), date(2026, 1, 25))
    services.runner.catch_up()
    reader = auth(keys[Role.ACCOUNTANT])
    issued_on = client.get("/v1/invoices", headers=reader).json()["items"][0]["issued_on"]
    for query, found in ((f"from={issued_on}&to={issued_on}", 1), ("from=2026-12-01", 0),
                         (f"period_from={issued_on}", 1), ("period_to=2025-12-31", 0)):
        items = client.get(f"/v1/invoices?{query}", headers=reader).json()["items"]
        assert len(items) == found, query
    both = client.get(f"/v1/invoices?from={issued_on}&period_from={issued_on}", headers=reader)
    assert (both.status_code, both.json()["field"]) == (422, "period_from")


@pytest.mark.parametrize("path", ["/v1/payments", "/v1/invoice-lines", "/v1/renewals",
                                  "/v1/reports/revenue-by-tariff"])
def test_every_dated_list_refuses_a_period_that_ends_before_it_starts(
    client: TestClient, keys: dict[Role, str], path: str
) -> None:
    response = client.get(f"{path}?from=2026-02-01&to=2026-01-31",
                          headers=auth(keys[Role.ACCOUNTANT]))
    assert (response.status_code, response.json()["field"]) == (422, "to")


@pytest.mark.parametrize("path", ["/v1/debts", "/v1/debts/aging"])
def test_a_currency_filter_is_an_iso_code(
    client: TestClient, keys: dict[Role, str], path: str
) -> None:
    reader = auth(keys[Role.ACCOUNTANT])
    refused = client.get(f"{path}?currency=rub", headers=reader)
    assert (refused.status_code, refused.json()["field"]) == (422, "currency")
    assert client.get(f"{path}?currency=RUB", headers=reader).status_code == 200
