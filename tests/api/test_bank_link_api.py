"""Linking a bank line over HTTP to the payment an accountant typed in before it came."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from api.examples import EXAMPLES
from ledger.access import Role
from tests.api.conftest import auth
from tests.api.test_bank_api import queue, upload
from tests.support.bank import billed, paid, statement
from tests.unit.bankfiles.samples import OUR_ACCOUNT

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services

Keys = dict[Role, str]


@pytest.fixture(autouse=True)
def our_account(services: Services) -> None:
    """LBX_OWN_ACCOUNTS names the account of the synthetic statements."""
    services.settings = replace(services.settings, own_accounts=(OUR_ACCOUNT,))


def test_the_documented_body_links_a_held_line_to_the_typed_in_payment(
    client: TestClient, keys: Keys, services: Services
) -> None:
    romashka = billed(services, "romashka")
    typed = {"amount": "10000.00", "currency": "RUB", "received_on": "2026-01-12",
             "payment_id": "pp-17", "reference": "п/п 17"}
    assert client.post(f"/v1/customers/{romashka.customer_id}/payments", json=typed,
                       headers=auth(keys[Role.ACCOUNTANT], "typed-1")).status_code == 201
    upload(client, keys, statement(paid("17", "10000.00", f"Оплата по счету {romashka.number}")))
    (line,) = queue(client, keys, services)
    assert "possible duplicate of payment pp-17 of 2026-01-12" in line["reason"]
    body = {**EXAMPLES["ResolveBankPayment"], "customer_id": line["customer_id"]}

    linked = client.post(f"/v1/bank-payments/{line['bank_payment_id']}/resolution", json=body,
                         headers=auth(keys[Role.ACCOUNTANT], "link-1"))

    assert linked.status_code == 201, linked.text
    assert linked.json()["events"] == ["BankPaymentLinked", "PaymentLinkedToBankLine"]
    assert queue(client, keys, services) == []


def test_a_resolution_like_a_typed_in_payment_is_a_409_until_told_it_is_another(
    client: TestClient, keys: Keys, services: Services
) -> None:
    romashka = billed(services, "romashka")
    typed = {"amount": "10000.00", "currency": "RUB", "received_on": "2026-01-11",
             "payment_id": "pp-17", "reference": "п/п 17"}
    assert client.post(f"/v1/customers/{romashka.customer_id}/payments", json=typed,
                       headers=auth(keys[Role.ACCOUNTANT], "typed-1")).status_code == 201
    upload(client, keys, statement(paid("17", "10000.00", "Оплата услуг", inn="500100732259")))
    (line,) = queue(client, keys, services)
    url = f"/v1/bank-payments/{line['bank_payment_id']}/resolution"
    body = {"customer_id": str(romashka.customer_id), "reason": "director paid for Romashka"}

    refused = client.post(url, json=body, headers=auth(keys[Role.ACCOUNTANT], "resolve-1"))

    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/possible-duplicate-payment")
    assert (problem["field"], problem["override"]) == ("amount", "not_a_duplicate")
    assert problem["duplicate_of"] == {"payment_id": "pp-17", "received_on": "2026-01-11",
                                       "reference": "п/п 17"}
    assert len(queue(client, keys, services)) == 1

    recorded = client.post(url, json={**body, "not_a_duplicate": True},
                           headers=auth(keys[Role.ACCOUNTANT], "resolve-1"))

    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["events"] == ["BankPaymentResolved", "PaymentReceived"]
    assert queue(client, keys, services) == []
