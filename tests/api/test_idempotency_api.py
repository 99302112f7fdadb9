"""Idempotency keys over HTTP: what a retry answers, and what counts as another request.

A retry under the same ``Idempotency-Key`` answers 200 with the original outcome (and a
position to wait for); another body under it answers 409 — also when the body names
another target, or differs only by a field sent as null, and also for keys kept before the
fingerprint told those apart.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from commands.issue_api_key import IssueApiKey
from commands.update_customer import UpdateCustomer
from ledger.access import Role
from ledger.events import GENESIS_HASH, EventMeta, canonical_hash
from ledger.idempotency import IdempotencyKeyUsed, IdempotencyRecord, record_id_for
from tests.api.conftest import auth
from tests.api.test_http import register
from tests.support.dsl import send

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services

TARIFF = {"name": "Старт", "currency": "RUB", "vat_rate": "22",
          "components": [{"code": "base", "name": "Абонентская плата", "kind": "flat",
                          "price": "1000.00"}]}


def test_a_retry_answers_a_position_to_wait_for_its_own_write(
    client: TestClient, keys: dict[Role, str]
) -> None:
    """A client that lost the 201 sees only the retry: its position must still be usable."""
    token = keys[Role.SERVICE]
    customer = register(client, token)
    url = f"/v1/customers/{customer}/charges"
    body = {"amount": "1000.00", "description": "Внедрение"}
    first = client.post(url, json=body, headers=auth(token, "charge"))
    retry = client.post(url, json=body, headers=auth(token, "charge"))
    assert retry.status_code == 200
    assert retry.json()["position"] >= first.json()["position"] > 0
    read = client.get(f"/v1/customers/{customer}?wait_for={retry.json()['position']}",
                      headers=auth(keys[Role.ACCOUNTANT]))
    assert read.json()["balances"][0]["net"] == "1000.00"


def test_a_field_sent_as_null_is_another_request_than_the_field_left_out(
    client: TestClient, keys: dict[Role, str]
) -> None:
    """``"email": null`` clears the e-mail, leaving it out keeps it: not a retry of each other."""
    token = keys[Role.SERVICE]
    created = client.post("/v1/customers", headers=auth(token, "reg"), json={
        "external_key": "C-1", "name": "ООО Один", "email": "buh@example.ru"})
    url = f"/v1/customers/{created.json()['target_id']}/profile"
    first = client.post(url, json={"name": "ООО Новое"}, headers=auth(token, "upd"))
    clearing = client.post(url, json={"name": "ООО Новое", "email": None},
                           headers=auth(token, "upd"))
    retry = client.post(url, json={"name": "ООО Новое"}, headers=auth(token, "upd"))
    assert first.status_code == 201
    assert clearing.status_code == 409
    assert clearing.json()["field"] == "Idempotency-Key"
    assert (retry.status_code, retry.json()["result"]) == (200, first.json()["result"])


def test_a_request_whose_key_was_kept_before_the_upgrade_is_still_replayed(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    """A key record of version 1 holds the digest that could not tell null from left out."""
    token = keys[Role.SERVICE]
    customer = UUID(register(client, token))
    body = {"name": "ООО Новое", "email": None}
    sent = UpdateCustomer(customer_id=customer, **body)
    old_digest = hashlib.sha256(
        b"UpdateCustomer\n" + sent.model_dump_json(exclude_none=False).encode()).hexdigest()
    outcome = {"command": "UpdateCustomer", "target_id": str(customer), "version": 2,
               "events": ["CustomerProfileChanged"], "result": {"changed": ["name", "email"]},
               "position": 0, "replayed": False}
    store_version_1_key_record(services, customer, "upd-old", "UpdateCustomer", old_digest,
                               outcome)

    retry = client.post(f"/v1/customers/{customer}/profile", json=body,
                        headers=auth(token, "upd-old"))
    assert retry.status_code == 200, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["result"] == outcome["result"]
    other = client.post(f"/v1/customers/{customer}/profile", json={"name": "ООО Другое"},
                        headers=auth(token, "upd-old"))
    assert other.status_code == 409


def store_version_1_key_record(
    services: Services, target: UUID, key: str, command: str, digest: str,
    outcome: dict[str, Any],
) -> None:
    """Write a key record the way releases before fingerprint version 2 wrote it."""
    record_id = record_id_for(target, key)
    meta = EventMeta(actor="service:old", source="api", effective_date=date(2026, 1, 15),
                     correlation_id=uuid4(), idempotency_key=key)
    v1 = {"originator_id": str(record_id), "originator_version": 1,
          "timestamp": "2026-01-15T09:00:00Z", "meta": meta.model_dump(mode="json"),
          "prev_hash": GENESIS_HASH, "originator_topic": get_topic(IdempotencyRecord),
          "key": key, "target_id": str(target), "command": command, "fingerprint": digest,
          "outcome": outcome}
    v1["hash"] = canonical_hash(v1)
    services.ledger.recorder.insert_events([StoredEvent(
        originator_id=record_id, originator_version=1, topic=get_topic(IdempotencyKeyUsed),
        state=orjson.dumps(v1))])


@pytest.mark.parametrize(("path", "role", "first", "second"), [
    ("/v1/customers", Role.SERVICE,
     {"external_key": "CRM-1", "name": "ООО Один"}, {"external_key": "CRM-2", "name": "ООО Два"}),
    ("/v1/tariffs", Role.ACCOUNTANT,
     {"code": "start", "definition": TARIFF}, {"code": "pro", "definition": TARIFF}),
    ("/v1/coupons", Role.ACCOUNTANT,
     {"code": "WELCOME", "kind": "percent", "percent": "10"},
     {"code": "SPRING", "kind": "percent", "percent": "10"}),
])
def test_a_key_reused_for_another_target_named_in_the_body_is_409(
    client: TestClient, keys: dict[Role, str], path: str, role: Role,
    first: dict[str, Any], second: dict[str, Any],
) -> None:
    """The key, not the target, decides: another external key or code is another request."""
    token = keys[role]
    created = client.post(path, json=first, headers=auth(token, "batch-7"))
    reused = client.post(path, json=second, headers=auth(token, "batch-7"))
    retry = client.post(path, json=first, headers=auth(token, "batch-7"))
    assert created.status_code == 201, created.text
    assert reused.status_code == 409, reused.text
    assert reused.json()["field"] == "Idempotency-Key"
    assert (retry.status_code, retry.json()["target_id"]) == (200, created.json()["target_id"])
    fresh = client.post(path, json=second, headers=auth(token, "batch-8"))
    assert fresh.status_code == 201, fresh.text


def test_the_second_customer_under_a_reused_key_is_not_registered(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    token = keys[Role.SERVICE]
    client.post("/v1/customers", json={"external_key": "CRM-1", "name": "ООО Один"},
                headers=auth(token, "same"))
    client.post("/v1/customers", json={"external_key": "CRM-2", "name": "ООО Два"},
                headers=auth(token, "same"))
    assert len(list(services.ledger.customer_ids())) == 1


def test_a_retried_key_issue_shows_the_same_working_token(
    client: TestClient, keys: dict[Role, str]
) -> None:
    """The secret is derived from the installation secret and the key id, never stored."""
    body = {"name": "crm-sync", "role": "service"}
    first = client.post("/v1/keys", json=body, headers=auth(keys[Role.ADMIN], "issue-1"))
    retry = client.post("/v1/keys", json=body, headers=auth(keys[Role.ADMIN], "issue-1"))
    other = client.post("/v1/keys", json=body, headers=auth(keys[Role.ADMIN], "issue-2"))
    token = first.json()["result"]["token"]
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["result"]["token"] == token
    assert other.json()["result"]["token"] != token
    assert client.get("/v1/tariffs", headers=auth(token)).status_code == 200


def test_a_key_whose_secret_was_drawn_says_a_retry_cannot_show_it(services: Services) -> None:
    """Keys issued from the CLI draw their secret: a replay says the token is gone."""
    command = IssueApiKey(name="ops", role=Role.ADMIN)
    first = send(services, command, key="cli-issue")
    retry = send(services, command, key="cli-issue")
    assert first.result["token"].startswith(f"lbx_{first.result['key_id']}_")
    assert retry.replayed
    assert retry.result["token"] is None
    assert "revoke this key" in retry.result["token_note"]
