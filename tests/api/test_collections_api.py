"""Collections over HTTP: who may do what, amounts as decimal strings, statements as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import TYPE_CHECKING

from ledger.access import Role
from tests.api.conftest import auth
from tests.support.collections import dun, invoice_due, on, pay
from tests.support.dsl import register

if TYPE_CHECKING:
    from uuid import UUID

    from fastapi.testclient import TestClient

    from api.bootstrap import Services

DUE = date(2026, 1, 25)


def owing(services: Services) -> tuple[UUID, str]:
    """A customer with a 1000.00 RUB invoice due on 25 January; (customer, invoice id)."""
    customer = register(services)
    return customer, invoice_due(services, customer, DUE)


def test_a_write_off_is_an_accountants_decision(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    customer, invoice = owing(services)
    url = f"/v1/customers/{customer}/write-offs"
    body = {"invoice_id": invoice, "amount": "400.00", "reason": "Банкротство",
            "approver": "boris"}
    for role in (Role.SERVICE, Role.AUDITOR):
        refused = client.post(url, json=body, headers=auth(keys[role], f"w-{role.value}"))
        assert refused.status_code == 403, role
    done = client.post(url, json=body, headers=auth(keys[Role.ACCOUNTANT], "w"))
    assert done.status_code == 201, done.text
    assert done.json()["result"]["amount"] == "400.00"
    same_person = client.post(url, json={**body, "approver": "test-accountant"},
                              headers=auth(keys[Role.ACCOUNTANT], "w-self"))
    assert same_person.status_code == 422
    assert same_person.json()["field"] == "approver"


def test_refunds_against_a_payment_and_from_credit(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    customer, _ = owing(services)
    payment = pay(services, customer, "1300.00")
    token = keys[Role.ACCOUNTANT]
    against = client.post(f"/v1/customers/{customer}/payments/{payment}/refunds",
                          json={"amount": "200.00", "currency": "RUB", "reason": "Переплата"},
                          headers=auth(token, "r-1"))
    assert against.status_code == 201, against.text
    assert against.json()["result"]["sources"] == {payment: "200.00"}
    too_much = client.post(f"/v1/customers/{customer}/refunds",
                           json={"amount": "100.01", "currency": "RUB", "reason": "Переплата"},
                           headers=auth(token, "r-2"))
    assert too_much.status_code == 422
    assert too_much.json()["field"] == "amount"
    by_service = client.post(f"/v1/customers/{customer}/refunds",
                             json={"amount": "1.00", "currency": "RUB", "reason": "Переплата"},
                             headers=auth(keys[Role.SERVICE], "r-3"))
    assert by_service.status_code == 403


def test_a_payment_service_records_chargebacks_and_reallocations_are_for_accountants(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    customer, invoice = owing(services)
    payment = pay(services, customer, "1000.00")
    base = f"/v1/customers/{customer}/payments/{payment}"
    moved = client.post(f"{base}/reallocations",
                        json={"remove": {invoice: "1000.00"}, "reason": "Ошибочный платёж"},
                        headers=auth(keys[Role.SERVICE], "m-1"))
    assert moved.status_code == 403
    moved = client.post(f"{base}/reallocations",
                        json={"remove": {invoice: "1000.00"}, "reason": "Ошибочный платёж"},
                        headers=auth(keys[Role.ACCOUNTANT], "m-2"))
    assert moved.status_code == 201, moved.text
    assert moved.json()["result"]["allocations"] == {}
    charged_back = client.post(f"{base}/chargebacks",
                               json={"amount": "1000.00", "currency": "RUB"},
                               headers=auth(keys[Role.SERVICE], "cb-1"))
    assert charged_back.status_code == 201, charged_back.text
    assert charged_back.json()["result"]["reopened"] == {}


def test_the_dunning_policy_is_an_admins_and_runs_are_the_schedulers(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    customer, _ = owing(services)
    policy = {"steps": [{"days_after_due": 5, "action": "remind"},
                        {"days_after_due": 10, "action": "suspend"}]}
    refused = client.post("/v1/dunning-policy", json=policy,
                          headers=auth(keys[Role.ACCOUNTANT], "pol-0"))
    assert refused.status_code == 403
    published = client.post("/v1/dunning-policy", json=policy,
                            headers=auth(keys[Role.ADMIN], "pol-1"))
    assert published.status_code == 201, published.text
    assert published.json()["result"] == {"version": 1}
    on(services, date(2026, 2, 4))
    run = client.post("/v1/dunning/runs", json={}, headers=auth(keys[Role.SERVICE], "run-1"))
    assert run.status_code == 201, run.text
    report = run.json()
    assert (report["as_of"], report["policy_version"]) == ("2026-02-04", 1)
    assert [s["action"] for s in report["steps"]] == ["remind", "suspend"]
    assert report["suspended"] == [str(customer)]
    status = client.get(f"/v1/customers/{customer}/status", headers=auth(keys[Role.SERVICE]))
    assert (status.json()["status"], status.json()["access"]) == ("suspended", False)
    refused = client.post("/v1/dunning/runs", json={}, headers=auth(keys[Role.ACCOUNTANT], "r"))
    assert refused.status_code == 403


def test_a_retried_dunning_run_answers_the_first_report_and_a_reused_key_409(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    customer, _ = owing(services)
    on(services, date(2026, 2, 4))
    service = keys[Role.SERVICE]
    run = client.post("/v1/dunning/runs", json={}, headers=auth(service, "run-1"))
    retry = client.post("/v1/dunning/runs", json={}, headers=auth(service, "run-1"))
    other = client.post("/v1/dunning/runs", json={"as_of": "2026-02-03"},
                        headers=auth(service, "run-1"))
    assert run.status_code == 201, run.text
    assert (retry.status_code, retry.headers.get("Idempotent-Replayed")) == (200, "true")
    first, again = run.json(), retry.json()
    assert again.pop("position") >= first.pop("position") > 0
    assert again == first
    assert first["steps"]
    assert {s["customer_id"] for s in first["steps"]} == {str(customer)}
    assert (other.status_code, other.json()["field"]) == (409, "Idempotency-Key")
    fresh = client.post("/v1/dunning/runs", json={}, headers=auth(service, "run-2"))
    assert (fresh.status_code, fresh.json()["steps"]) == (201, [])


def test_aging_answers_decimal_strings_to_readers_only(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    owing(services)
    services.runner.catch_up()
    response = client.get("/v1/debts/aging?as_of=2026-02-24",
                          headers=auth(keys[Role.AUDITOR]))
    assert response.status_code == 200, response.text
    (row,) = response.json()["items"]
    assert (row["days_1_30"], row["days_31_60"], row["total"]) == ("1000.00", "0.00", "1000.00")
    assert row["unapplied"] == "0.00"
    assert response.json()["totals"][0]["unapplied"] == "0.00"
    assert response.json()["totals"][0]["debtors"] == 1
    assert client.get("/v1/debts/aging", headers=auth(keys[Role.SERVICE])).status_code == 403


def test_a_statement_comes_as_json_or_csv(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    customer, _ = owing(services)
    pay(services, customer, "400.00", date(2026, 2, 3))
    dun(services, customer, date(2026, 2, 4))
    services.runner.catch_up()
    token = keys[Role.ACCOUNTANT]
    url = f"/v1/customers/{customer}/statement?from=2026-02-01&to=2026-02-28"
    body = client.get(url, headers=auth(token)).json()
    assert body["totals"] == [{"currency": "RUB", "opening": "1000.00", "closing": "600.00",
                               "debit": "0.00", "credit": "400.00"}]
    exported = client.get(f"{url}&format=csv", headers=auth(token))
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["date", "kind", "document", "description", "currency", "debit",
                       "credit", "balance"]
    assert [(r[1], r[5], r[6], r[7]) for r in rows[1:]] == [
        ("opening", "", "", "1000.00"), ("payment", "0.00", "400.00", "600.00"),
        ("closing", "0.00", "400.00", "600.00")]


def test_a_statement_period_must_make_sense_and_name_a_customer(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    customer, _ = owing(services)
    token = keys[Role.AUDITOR]
    backwards = client.get(f"/v1/customers/{customer}/statement?from=2026-03-01&to=2026-02-01",
                           headers=auth(token))
    assert backwards.status_code == 422
    assert backwards.json()["field"] == "from"
    unknown = client.get("/v1/customers/00000000-0000-0000-0000-000000000000/statement"
                         "?from=2026-01-01&to=2026-02-01", headers=auth(token))
    assert unknown.status_code == 404


def test_a_payment_named_credit_is_refused_and_credited_invoices_are_filtered_apart(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    customer, invoice = owing(services)
    token = keys[Role.ACCOUNTANT]
    reserved = client.post(f"/v1/customers/{customer}/payments",
                           json={"amount": "100.00", "currency": "RUB", "payment_id": "credit"},
                           headers=auth(token, "p-credit"))
    assert reserved.status_code == 422, reserved.text
    assert reserved.json()["field"] == "payment_id"
    noted = client.post(f"/v1/customers/{customer}/invoices/{invoice}/credit-notes",
                        json={"reason": "Услуги не оказаны"}, headers=auth(token, "cn-1"))
    assert noted.status_code == 201, noted.text
    services.runner.catch_up()
    for status, expected in (("credited", [invoice]), ("paid", []), ("written_off", [])):
        listed = client.get(f"/v1/invoices?status={status}", headers=auth(token))
        assert listed.status_code == 200, listed.text
        assert [r["invoice_id"] for r in listed.json()["items"]] == expected, status
