"""Billing over HTTP: a service subscribes a customer, an accountant bills and reads invoices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.access import Role
from tests.api.conftest import auth

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

CATALOG = """
tariffs:
  - code: start
    definition:
      name: Старт
      currency: RUB
      vat_rate: "22"
      components:
        - {code: base, name: Абонентская плата, kind: flat, price: "1000.00"}
  - code: pro
    definition:
      name: Про
      currency: RUB
      vat_rate: "22"
      components:
        - {code: base, name: Абонентская плата, kind: flat, price: "3000.00"}
"""


def test_from_catalog_file_to_an_invoice_and_a_change_preview(
    client: TestClient, keys: dict[Role, str]
) -> None:
    admin, service, accountant = keys[Role.ADMIN], keys[Role.SERVICE], keys[Role.ACCOUNTANT]
    imported = client.post("/v1/tariffs/import?format=yaml", content=CATALOG.encode(),
                           headers={**auth(admin), "Content-Type": "text/plain"})
    assert imported.status_code == 200, imported.text
    assert [r["version"] for r in imported.json()["published"]] == [1, 1]
    again = client.post("/v1/tariffs/import?format=yaml", content=CATALOG.encode(),
                        headers={**auth(admin), "Content-Type": "text/plain"})
    assert [r["version"] for r in again.json()["published"]] == [1, 1]  # unchanged: no version

    customer = client.post("/v1/customers", json={"external_key": "C-1", "name": "ООО Ромашка"},
                           headers=auth(service, "r")).json()["target_id"]
    sub = client.post(f"/v1/customers/{customer}/subscriptions",
                      json={"tariff_code": "start", "start_date": "2026-01-01"},
                      headers=auth(service, "s")).json()["result"]["subscription_id"]
    run = client.post("/v1/bill-runs", json={"as_of": "2026-01-01"}, headers=auth(accountant))
    assert run.status_code == 200, run.text
    assert run.json()["totals"] == {"RUB": "1220.00"}

    preview = client.post(
        f"/v1/customers/{customer}/subscriptions/{sub}/changes/preview",
        json={"tariff_code": "pro", "effective_date": "2026-01-16"}, headers=auth(accountant))
    assert preview.status_code == 200, preview.text
    lines = preview.json()["lines"]
    assert [line["amount"] for line in lines] == ["-516.13", "1548.39"]
    assert preview.json()["lapsed"] == []  # no individual price to end
    assert lines[0]["formula"].startswith("−516.13 = 1000.00 × 16/31")

    invoices = client.get("/v1/invoices?wait_for=1000", headers=auth(accountant)).json()["items"]
    assert [(i["number"], i["total"], i["status"]) for i in invoices] == [
        ("LBX-2026-000001", "1220.00", "overdue")]  # the test clock stands in mid-January
    one = client.get(f"/v1/invoices/{invoices[0]['invoice_id']}", headers=auth(accountant))
    assert one.json()["lines"][0]["formula"] == "1000.00 = 1000.00"


def test_a_float_in_a_catalog_file_is_refused_naming_its_path(
    client: TestClient, keys: dict[Role, str]
) -> None:
    bad = CATALOG.replace('price: "1000.00"', "price: 1000.10")
    response = client.post("/v1/tariffs/import?format=yaml", content=bad.encode(),
                           headers={**auth(keys[Role.ADMIN]), "Content-Type": "text/plain"})
    assert response.status_code == 422
    assert response.json()["field"] == "tariffs.0.definition.components.0.price"


def test_the_catalog_exports_as_yaml(client: TestClient, keys: dict[Role, str]) -> None:
    client.post("/v1/tariffs/import?format=yaml", content=CATALOG.encode(),
                headers={**auth(keys[Role.ADMIN]), "Content-Type": "text/plain"})
    exported = client.get("/v1/tariffs/export?format=yaml",
                          headers=auth(keys[Role.ADMIN]))
    assert exported.status_code == 200
    assert "code: pro" in exported.text
    assert "price: '3000.00'" in exported.text


def test_a_real_bill_run_in_the_future_is_refused(
    client: TestClient, keys: dict[Role, str]
) -> None:
    ahead = client.post("/v1/bill-runs", json={"as_of": "2027-01-01"},
                        headers=auth(keys[Role.ACCOUNTANT]))
    assert ahead.status_code == 422
    assert ahead.json()["field"] == "as_of"
    look = client.post("/v1/bill-runs", json={"as_of": "2027-01-01", "dry_run": True},
                       headers=auth(keys[Role.ACCOUNTANT]))
    assert look.status_code == 200


def test_a_cancellation_dated_before_a_resumption_is_a_problem_naming_effective_date(
    client: TestClient, keys: dict[Role, str]
) -> None:
    admin, service = keys[Role.ADMIN], keys[Role.SERVICE]
    client.post("/v1/tariffs/import?format=yaml", content=CATALOG.encode(),
                headers={**auth(admin), "Content-Type": "text/plain"})
    customer = client.post("/v1/customers", json={"external_key": "C-1", "name": "ООО Ромашка"},
                           headers=auth(service, "r")).json()["target_id"]
    sub = client.post(f"/v1/customers/{customer}/subscriptions",
                      json={"tariff_code": "start", "start_date": "2026-01-01"},
                      headers=auth(service, "s")).json()["result"]["subscription_id"]
    url = f"/v1/customers/{customer}/subscriptions/{sub}"
    for action, day in (("pause", "2026-01-05"), ("resume", "2026-01-10")):
        done = client.post(f"{url}/{action}", json={"effective_date": day},
                           headers=auth(service, action))
        assert done.status_code == 201, done.text

    refused = client.post(f"{url}/cancellation",
                          json={"effective_date": "2026-01-08", "when": "immediate"},
                          headers=auth(service, "c1"))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == "effective_date"
    assert refused.json()["detail"] == (
        "a cancellation dated 2026-01-08 is before the subscription's resumption: it was paused"
        " from 2026-01-05 and resumed on 2026-01-10; date the cancellation on or after"
        " 2026-01-10")
    done = client.post(f"{url}/cancellation",
                       json={"effective_date": "2026-01-10", "when": "immediate"},
                       headers=auth(service, "c2"))
    assert done.status_code == 201, done.text
    assert done.json()["result"]["service_ends"] == "2026-01-10"


def test_an_accountant_imports_the_catalog_as_the_route_declares(
    client: TestClient, keys: dict[Role, str]
) -> None:
    roles = client.get("/openapi.json").json()["paths"]["/v1/tariffs/import"]["post"]["x-roles"]
    response = client.post("/v1/tariffs/import?format=yaml", content=CATALOG,
                           headers={**auth(keys[Role.ACCOUNTANT]), "Content-Type": "text/plain"})
    assert "accountant" in roles
    assert response.status_code == 200, response.text
    assert [t["code"] for t in response.json()["published"]] == ["start", "pro"]
