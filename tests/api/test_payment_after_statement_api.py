"""Over HTTP, a payment the bank statement already brought is a 409 problem naming it.

The problem says which field is at fault, which payment this one may be (its id, date and
bank reference) and which field records it all the same; sent again with that field, the
payment is recorded (201).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from api.client import LbxClient, LbxProblem
from ledger.access import Role
from tests.api.conftest import auth
from tests.commands.test_payment_after_statement import BANK_REFERENCE, imported
from tests.support.dsl import event_names

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services

BODY = {"amount": "10000.00", "currency": "RUB", "received_on": "2026-01-13",
        "reference": "п/п 17"}


def test_the_refusal_is_a_problem_naming_the_payment_and_the_override(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    customer, bank_payment = imported(services)
    before = event_names(services, customer)

    response = client.post(f"/v1/customers/{customer}/payments", json=BODY,
                           headers=auth(keys[Role.ACCOUNTANT], "pp-17"))

    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://lbx.dev/problems/possible-duplicate-payment"
    assert (problem["title"], problem["status"], problem["field"]) == (
        "Possible duplicate payment", 409, "amount")
    assert problem["duplicate_of"] == {"payment_id": bank_payment, "received_on": "2026-01-12",
                                       "reference": BANK_REFERENCE}
    assert problem["override"] == "not_a_duplicate"
    assert bank_payment in problem["detail"]
    assert problem["errors"] == [{"field": "amount", "message": problem["detail"]}]
    assert event_names(services, customer) == before

    again = client.post(f"/v1/customers/{customer}/payments",
                        json={**BODY, "not_a_duplicate": True},
                        headers=auth(keys[Role.ACCOUNTANT], "pp-17"))

    assert again.status_code == 201, again.text
    assert again.json()["events"][0] == "PaymentReceived"


def test_the_problem_schema_documents_the_members(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"duplicate_of", "override"} <= set(schema["Problem"]["properties"])
    assert "not_a_duplicate" in schema["RecordPayment"]["properties"]


def test_the_python_client_reads_the_members_and_sends_the_override(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    customer, bank_payment = imported(services)
    lbx = LbxClient("http://testserver/v1", keys[Role.SERVICE], http=client)

    with pytest.raises(LbxProblem) as refused:
        lbx.record_payment(str(customer), "10000.00", "RUB", received_on="2026-01-12")

    assert refused.value.status == 409
    assert refused.value.extensions["duplicate_of"]["payment_id"] == bank_payment
    paid = lbx.record_payment(str(customer), "10000.00", "RUB", received_on="2026-01-12",
                              not_a_duplicate=True)
    assert paid["events"][0] == "PaymentReceived"
