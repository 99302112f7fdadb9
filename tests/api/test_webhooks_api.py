"""Webhook endpoints over HTTP, on both backends: admins only, problems naming the field,
the secret shown once, the delivery log, re-sending, and LBX's own test receiver.

Deliveries here go to the built-in receiver through the test client itself (the worker
is given it as its HTTP client), so the whole loop runs in-process.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.routing import APIRoute

from api.examples import EXAMPLES
from api.routes import webhooks
from api.scheduler import DailyScheduler
from api.webhooks.demo import register_demo_webhook
from api.webhooks.signing import secret_for, signed_headers
from api.webhooks.worker import WebhookWorker
from commands.base import Context
from commands.record_payment import RecordPayment
from commands.start_subscription import StartSubscription
from commands.webhooks import endpoint_id_for
from ledger.access import Role
from tests.api.conftest import auth
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services
    from ledger.clock import SimulatedClock

RECEIVER = "http://testserver/v1/webhooks/test-receiver/"


def register_endpoint(client: TestClient, token: str, key: str = "wh-1",
                      **body: Any) -> dict[str, Any]:
    body.setdefault("url", "https://crm.example/hooks")
    body.setdefault("event_types", ["payment.received"])
    response = client.post("/v1/webhooks", json=body, headers=auth(token, key))
    assert response.status_code in {200, 201}, response.text
    outcome: dict[str, Any] = response.json()
    return {**outcome["result"], "position": outcome["position"]}


def self_receiving(client: TestClient, token: str, key: str = "wh-self") -> str:
    """An endpoint pointing at LBX's own test receiver (its id follows from the key)."""
    endpoint_id = endpoint_id_for(Context(actor="x", source="api", idempotency_key=key))
    result = register_endpoint(client, token, key, url=RECEIVER + endpoint_id)
    assert result["endpoint_id"] == endpoint_id
    return endpoint_id


def test_registering_answers_the_derived_secret_and_a_replay_answers_it_again(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    admin = keys[Role.ADMIN]
    result = register_endpoint(client, admin)
    replay = client.post("/v1/webhooks", headers=auth(admin, "wh-1"), json={
        "url": "https://crm.example/hooks", "event_types": ["payment.received"]})

    assert result["secret"] == secret_for(services.settings, result["endpoint_id"], 1)
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    listed = client.get(f"/v1/webhooks?wait_for={result['position']}",
                        headers=auth(admin)).json()["items"]
    assert [e["endpoint_id"] for e in listed] == [result["endpoint_id"]]
    assert "secret" not in listed[0]


def test_the_documented_example_registers(client: TestClient, keys: dict[Role, str]) -> None:
    response = client.post("/v1/webhooks", json=EXAMPLES["RegisterWebhookEndpoint"],
                           headers=auth(keys[Role.ADMIN], "example"))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://crm.example/x", "event_types": ["payment.received"]}, "url"),
    ({"url": "https://crm.example/x", "event_types": ["payment.teleported"]}, "event_types.0"),
    ({"url": "https://crm.example/x", "event_types": []}, "event_types"),
    ({"url": "https://crm.example/x", "event_types": ["renewal.upcoming"],
      "days_before": [0]}, "days_before.0"),
])
def test_a_bad_registration_is_a_problem_naming_the_field(
    client: TestClient, keys: dict[Role, str], body: dict[str, Any], field: str,
) -> None:
    response = client.post("/v1/webhooks", json=body, headers=auth(keys[Role.ADMIN], "k-1"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


def test_every_webhook_route_but_the_receiver_admits_admins_only(
    client: TestClient, keys: dict[Role, str],
) -> None:
    dummy = {"endpoint_id": "00000000-0000-0000-0000-000000000000",
             "delivery_id": "00000000-0000-0000-0000-000000000000"}
    checked = 0
    for route in webhooks.router.routes:
        assert isinstance(route, APIRoute)
        if "test-receiver" in route.path:
            continue
        assert (route.openapi_extra or {})["x-roles"] == ["admin"], route.path
        for method in route.methods or ():
            path = route.path.format(**dummy)
            for role in (Role.SERVICE, Role.ACCOUNTANT, Role.AUDITOR):
                response = client.request(method, path, json={}, headers=auth(keys[role], "k"))
                assert response.status_code == 403, (method, path, role)
                checked += 1
            assert client.request(method, path, json={}).status_code == 401
    assert checked >= 30


def test_the_delivery_log_shows_each_attempt_and_a_delivery_can_be_resent(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    admin = keys[Role.ADMIN]
    endpoint_id = self_receiving(client, admin)
    customer = register(services, "C-1")
    send(services, RecordPayment(customer_id=customer, amount="10.00", currency="RUB"))
    services.runner.catch_up()
    worker = WebhookWorker(services, client=client)

    worker.run_once()
    worker.run_once()

    shown = client.get(f"/v1/webhooks/{endpoint_id}", headers=auth(admin)).json()
    assert [d["type"] for d in shown["deliveries"]] == ["payment.received", "webhook.ping"]
    assert {d["status"] for d in shown["deliveries"]} == {"delivered"}
    attempt = shown["deliveries"][0]["attempts_log"][0]
    assert attempt["status_code"] == 204
    assert attempt["error"] is None
    assert attempt["duration_ms"] >= 0

    paid = shown["deliveries"][0]
    resent = client.post(f"/v1/webhooks/{endpoint_id}/deliveries/{paid['delivery_id']}/resend",
                         json={}, headers=auth(admin, "resend-1"))
    assert resent.status_code == 201, resent.text
    services.runner.catch_up()
    worker.run_once()

    got = client.get(f"/v1/webhooks/{endpoint_id}/received", headers=auth(admin)).json()
    assert [(r["type"], r["signature_valid"], r["duplicate"]) for r in got["items"]] == [
        ("payment.received", True, True), ("payment.received", True, False),
        ("webhook.ping", True, False)]


def test_after_a_rotation_deliveries_are_signed_with_the_new_secret(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    admin = keys[Role.ADMIN]
    endpoint_id = self_receiving(client, admin)
    rotated = client.post(f"/v1/webhooks/{endpoint_id}/secret-rotations", json={},
                          headers=auth(admin, "rot-1"))
    assert rotated.status_code == 201
    result = rotated.json()["result"]
    assert result["secret_version"] == 2
    assert result["secret"] == secret_for(services.settings, endpoint_id, 2)
    assert result["secret"] != secret_for(services.settings, endpoint_id, 1)
    services.runner.catch_up()

    WebhookWorker(services, client=client).run_once()

    got = client.get(f"/v1/webhooks/{endpoint_id}/received", headers=auth(admin)).json()
    assert [r["signature_valid"] for r in got["items"]] == [True]


def test_the_test_receiver_refuses_a_forged_or_unsigned_delivery(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    endpoint_id = self_receiving(client, keys[Role.ADMIN])
    services.runner.catch_up()
    body = b'{"id":"e-1","type":"payment.received"}'
    now = int(services.runtime.clock.now().timestamp())
    forged = signed_headers("0" * 64, now, body)

    refused = client.post(RECEIVER + endpoint_id, content=body, headers=forged)
    unsigned = client.post(RECEIVER + endpoint_id, content=body)
    unknown = client.post(RECEIVER + "00000000-0000-0000-0000-000000000000", content=body)

    assert (refused.status_code, refused.json()["field"]) == (401, "LBX-Signature")
    assert refused.headers["content-type"] == "application/problem+json"
    assert unsigned.status_code == 401
    assert unknown.status_code == 404
    genuine = signed_headers(secret_for(services.settings, endpoint_id, 1), now, body)
    assert client.post(RECEIVER + endpoint_id, content=body, headers=genuine).status_code == 204
    by_header = client.post(RECEIVER.rstrip("/"), content=body,
                            headers={**genuine, "LBX-Endpoint-Id": endpoint_id})
    assert by_header.status_code == 204


def test_a_disabled_endpoint_is_sent_nothing_until_enabled(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    admin = keys[Role.ADMIN]
    endpoint_id = self_receiving(client, admin)
    off = client.post(f"/v1/webhooks/{endpoint_id}/disable", json={"reason": "CRM upgrade"},
                      headers=auth(admin, "off-1"))
    assert off.status_code == 201
    services.runner.catch_up()
    worker = WebhookWorker(services, client=client)

    assert worker.run_once() == 0
    client.post(f"/v1/webhooks/{endpoint_id}/enable", json={}, headers=auth(admin, "on-1"))
    services.runner.catch_up()
    assert worker.run_once() == 1
    shown = client.get(f"/v1/webhooks/{endpoint_id}", headers=auth(admin)).json()
    assert (shown["enabled"], shown["failing"], shown["deliveries"][0]["status"]) == (
        True, False, "delivered")


def test_the_demo_endpoint_hears_its_ping_through_the_test_receiver(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    endpoint_id, secret = register_demo_webhook(services, "http://testserver/")
    assert register_demo_webhook(services, "http://testserver") == (endpoint_id, secret)
    services.runner.catch_up()

    WebhookWorker(services, client=client).run_once()

    got = client.get(f"/v1/webhooks/{endpoint_id}/received",
                     headers=auth(keys[Role.ADMIN])).json()["items"]
    assert [(r["type"], r["signature_valid"]) for r in got] == [("webhook.ping", True)]
    assert secret == secret_for(services.settings, endpoint_id, 1)


def test_the_daily_scheduler_queues_the_renewals_due_within_n_days(
    client: TestClient, keys: dict[Role, str], services: Services, clock: SimulatedClock,
) -> None:
    publish(services)
    customer = register(services, "C-1")
    send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                     start_date=date(2026, 1, 1)))
    endpoint_id = register_endpoint(client, keys[Role.ADMIN], event_types=["renewal.upcoming"],
                                    days_before=[3])["endpoint_id"]
    services.runner.catch_up()
    renewal = services.store.query_one("SELECT next_renewal FROM view_renewals")
    assert renewal is not None
    clock.move_to(date.fromisoformat(renewal["next_renewal"]) - timedelta(days=3))

    assert DailyScheduler(services).tick()

    log = client.get(f"/v1/webhooks/{endpoint_id}/deliveries",
                     headers=auth(keys[Role.ADMIN])).json()["items"]
    assert [d["type"] for d in log] == ["renewal.upcoming", "webhook.ping"]
