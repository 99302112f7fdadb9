"""Bank statements over HTTP: upload, the import report, the queue, resolution, dismissal."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from ledger.access import Role
from tests.api.conftest import auth
from tests.support.bank import billed, paid, statement
from tests.unit.bankfiles.samples import OUR_ACCOUNT, onec_document, onec_file

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from httpx2 import Response

    from api.bootstrap import Services

Keys = dict[Role, str]


@pytest.fixture(autouse=True)
def our_account(services: Services) -> None:
    """LBX_OWN_ACCOUNTS names the account of the synthetic statements."""
    services.settings = replace(services.settings, own_accounts=(OUR_ACCOUNT,))


def upload(client: TestClient, keys: Keys, data: bytes, role: Role = Role.ACCOUNTANT,
           name: str = "kl_to_1c.txt") -> Response:
    return client.post("/v1/bank-statements", headers=auth(keys[role]),
                       files={"file": (name, data, "text/plain")})


def queue(client: TestClient, keys: Keys, services: Services) -> list[dict[str, Any]]:
    """The accountant's queue, as of everything written so far (``wait_for``)."""
    position = services.ledger.max_position()
    response = client.get(f"/v1/bank-payments?status=unmatched&status=ambiguous"
                          f"&wait_for={position}", headers=auth(keys[Role.AUDITOR]))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_an_upload_answers_the_import_report(
    client: TestClient, keys: Keys, services: Services
) -> None:
    romashka = billed(services, "romashka")
    data = statement(paid("7", romashka.total, f"Оплата по счету {romashka.number}"),
                     paid("8", "5.00", "Оплата", inn="5000000000"))

    response = upload(client, keys, data)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["filename"] == "kl_to_1c.txt"
    assert report["format"] == "1c"
    assert {k: report["counts"][k] for k in ("lines", "matched", "unmatched", "duplicates")} == {
        "lines": 2, "matched": 1, "unmatched": 1, "duplicates": 0}
    matched = report["rows"][0]
    assert (matched["status"], matched["score"], matched["customer_id"]) == (
        "matched", 100, str(romashka.customer_id))
    listed = client.get(f"/v1/bank-payments?file_sha256={report['file_sha256']}"
                        f"&wait_for={report['position']}", headers=auth(keys[Role.AUDITOR]))
    assert [row["number"] for row in listed.json()["items"]] == ["7", "8"]


def test_the_same_upload_again_records_nothing_new(client: TestClient, keys: Keys) -> None:
    data = statement(paid("7", "5.00", "Оплата"))
    upload(client, keys, data)

    again = upload(client, keys, data).json()

    assert again["counts"]["duplicates"] == 1
    assert again["counts"]["accepted"] == 0


@pytest.mark.parametrize(
    "data",
    [b"", bytes(range(256)) * 4, onec_file(onec_document(), end=False)[:-40],
     b"<?xml version='1.0'?><Document><BkToCstmrStmt><Stmt>", b"just a letter\n"],
    ids=["empty", "binary", "truncated 1C", "truncated camt", "not a statement"],
)
def test_an_unreadable_file_is_a_422_naming_the_file_and_writes_nothing(
    client: TestClient, keys: Keys, services: Services, data: bytes
) -> None:
    before = services.ledger.max_position()

    response = upload(client, keys, data)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "file"
    assert services.ledger.max_position() == before


def test_an_upload_without_a_file_is_a_422_naming_the_file(
    client: TestClient, keys: Keys
) -> None:
    response = client.post("/v1/bank-statements", headers=auth(keys[Role.ACCOUNTANT]))

    assert response.status_code == 422
    assert response.json()["field"] == "file"


def test_auditors_read_the_queue_but_do_not_import(
    client: TestClient, keys: Keys, services: Services
) -> None:
    assert upload(client, keys, statement(paid("7", "5.00", "x")), Role.AUDITOR).status_code == 403
    assert queue(client, keys, services) == []


def test_configured_own_accounts_decide_which_lines_are_ours(
    client: TestClient, keys: Keys, services: Services
) -> None:
    services.settings = replace(services.settings, own_accounts=("40702810000000099999",))

    report = upload(client, keys, statement(paid("7", "5.00", "Оплата"))).json()

    assert report["counts"]["skipped_reasons"] == {"not our account": 1}


def test_an_accountant_resolves_a_queued_payment_once_under_a_key(
    client: TestClient, keys: Keys, services: Services
) -> None:
    billed(services, "branch-1")
    second = billed(services, "branch-2")
    upload(client, keys, statement(paid("7", "10000.00", "Оплата")))
    (line,) = queue(client, keys, services)
    assert (line["status"], line["amount"]) == ("ambiguous", "10000.00")
    path = f"/v1/bank-payments/{line['bank_payment_id']}/resolution"
    body = {"customer_id": str(second.customer_id), "reason": "branch 2 confirmed by phone"}

    first = client.post(path, json=body, headers=auth(keys[Role.ACCOUNTANT], "resolve-1"))
    retry = client.post(path, json=body, headers=auth(keys[Role.ACCOUNTANT], "resolve-1"))

    assert first.status_code == 201, first.text
    assert first.json()["events"] == ["BankPaymentResolved", "PaymentReceived"]
    assert (retry.status_code, retry.headers["Idempotent-Replayed"]) == (200, "true")
    assert queue(client, keys, services) == []
    customer = client.get(f"/v1/customers/{second.customer_id}?wait_for="
                          f"{first.json()['position']}", headers=auth(keys[Role.ACCOUNTANT]))
    assert customer.json()["balances"][0]["net"] == "0.00"


def test_a_resolution_without_a_reason_is_refused(
    client: TestClient, keys: Keys, services: Services
) -> None:
    upload(client, keys, statement(paid("7", "5.00", "Оплата")))
    (line,) = queue(client, keys, services)
    romashka = billed(services, "romashka")

    response = client.post(f"/v1/bank-payments/{line['bank_payment_id']}/resolution",
                           json={"customer_id": str(romashka.customer_id)},
                           headers=auth(keys[Role.ACCOUNTANT], "k1"))

    assert response.status_code == 422
    assert response.json()["field"] == "reason"


def test_an_accountant_dismisses_a_queued_line(
    client: TestClient, keys: Keys, services: Services
) -> None:
    upload(client, keys, statement(paid("7", "5.00", "Оплата")))
    (line,) = queue(client, keys, services)
    path = f"/v1/bank-payments/{line['bank_payment_id']}/dismissal"

    response = client.post(path, json={"reason": "a supplier's refund"},
                           headers=auth(keys[Role.ACCOUNTANT], "dismiss-1"))
    again = client.post(path, json={"reason": "a supplier's refund"},
                        headers=auth(keys[Role.ACCOUNTANT], "dismiss-2"))

    assert response.status_code == 201, response.text
    assert again.status_code == 409
    assert queue(client, keys, services) == []
    position = response.json()["position"]
    listed = client.get(f"/v1/bank-payments?status=dismissed&wait_for={position}",
                        headers=auth(keys[Role.AUDITOR]))
    (row,) = listed.json()["items"]
    assert (row["reason"], row["actor"]) == ("a supplier's refund", "accountant:test-accountant")


def test_the_queue_pages_with_a_cursor(client: TestClient, keys: Keys) -> None:
    data = statement(*(paid(str(n), "5.00", f"Оплата {n}") for n in range(3)))
    position = upload(client, keys, data).json()["position"]
    headers = auth(keys[Role.ACCOUNTANT])

    first = client.get(f"/v1/bank-payments?status=unmatched&limit=2&wait_for={position}",
                       headers=headers).json()
    rest = client.get(f"/v1/bank-payments?status=unmatched&limit=2&cursor={first['next_cursor']}",
                      headers=headers).json()

    assert [len(first["items"]), len(rest["items"]), rest["next_cursor"]] == [2, 1, None]
    assert client.get("/v1/bank-payments?cursor=@@", headers=headers).status_code == 422
