"""Webhook endpoints over HTTP, on both backends: admins only, problems naming the field,
the secret shown once, the delivery log, re-sending, and LBX's own test receiver.

Deliveries here go to the built-in receiver through the test client itself (the worker
is given it as its HTTP client), so the whole loop runs in-process. The receiver is served
only when ``LBX_WEBHOOK_TEST_RECEIVER`` is on, so these services turn it on (and allow
private addresses, as the demo does), except where a specification checks the default.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import bootstrap
from api.examples import EXAMPLES
from api.routes import webhooks
from api.scheduler import DailyScheduler
from api.webhooks.demo import register_demo_webhook
from api.webhooks.receiver import Refused, accept
from api.webhooks.signing import secret_for, signed_headers
from api.webhooks.worker import WebhookWorker
from commands.base import Context
from commands.record_payment import RecordPayment
from commands.start_subscription import StartSubscription
from commands.webhooks import RegisterWebhookEndpoint, endpoint_id_for
from ledger.access import Role
from ledger.webhooks import WEBHOOK_REGISTRY_ID
from tests.api.conftest import auth
from tests.support.dsl import event_names, publish, register, send

if TYPE_CHECKING:
    from collections.abc import Iterator

    from api.bootstrap import Services
    from ledger.clock import SimulatedClock

RECEIVER = "http://testserver/v1/webhooks/test-receiver/"


@pytest.fixture
def backend_env(backend_env: dict[str, str]) -> dict[str, str]:
    """The backend, with the test receiver served and private addresses allowed."""
    return {**backend_env, "LBX_WEBHOOK_TEST_RECEIVER": "1", "LBX_WEBHOOK_ALLOW_PRIVATE": "1"}


@pytest.fixture
def installed(backend_env: dict[str, str], clock: SimulatedClock) -> Iterator[TestClient]:
    """A client of LBX as installed: no test receiver, no private addresses."""
    env = {k: v for k, v in backend_env.items() if not k.startswith("LBX_WEBHOOK_")}
    built = bootstrap(env, clock=clock)
    try:
        with TestClient(create_app(built), raise_server_exceptions=False) as test_client:
            yield test_client
    finally:
        built.close()


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


def test_the_test_receiver_is_not_served_unless_turned_on(
    installed: TestClient, services: Services,
) -> None:
    # given an endpoint, and LBX as installed (LBX_WEBHOOK_TEST_RECEIVER off)
    outcome = send(services, RegisterWebhookEndpoint(url="https://crm.example/hooks",
                                                     event_types=["payment.received"]))
    endpoint_id = str(outcome.result["endpoint_id"])
    services.runner.catch_up()
    body = b'{"id":"e-1","type":"payment.received"}'
    now = int(services.runtime.clock.now().timestamp())
    genuine = signed_headers(secret_for(services.settings, endpoint_id, 1), now, body)

    # when a genuine delivery is posted to it, either way
    by_path = installed.post(RECEIVER + endpoint_id, content=body, headers=genuine)
    by_header = installed.post(RECEIVER.rstrip("/"), content=body,
                               headers={**genuine, "LBX-Endpoint-Id": endpoint_id})

    # then there is no such resource
    assert (by_path.status_code, by_header.status_code) == (404, 404)
    assert by_path.headers["content-type"] == "application/problem+json"
    kept = services.store.query("SELECT received_id FROM webhook_received")
    assert kept == []


def test_a_forged_delivery_leaves_nothing_behind(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    # given an endpoint pointing at the test receiver
    endpoint_id = self_receiving(client, keys[Role.ADMIN])
    services.runner.catch_up()
    body = b'{"id":"e-1","type":"payment.received"}'
    now = int(services.runtime.clock.now().timestamp())

    # when forged and unsigned deliveries arrive
    for headers in (signed_headers("0" * 64, now, body), {}):
        assert client.post(RECEIVER + endpoint_id, content=body,
                           headers=headers).status_code == 401

    # then nothing was kept
    got = client.get(f"/v1/webhooks/{endpoint_id}/received",
                     headers=auth(keys[Role.ADMIN])).json()
    assert got["items"] == []


def test_a_delivery_over_1_mb_is_refused_unread(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    # given an endpoint pointing at the test receiver, and a signed body of 1 MB and a byte
    endpoint_id = self_receiving(client, keys[Role.ADMIN])
    services.runner.catch_up()
    body = b'{"id":"e-1","type":"payment.received","pad":"' + b"x" * (1024 * 1024) + b'"}'
    now = int(services.runtime.clock.now().timestamp())
    genuine = signed_headers(secret_for(services.settings, endpoint_id, 1), now, body)

    # when it is posted with its length, and in chunks without one
    sized = client.post(RECEIVER + endpoint_id, content=body, headers=genuine)
    chunked = client.post(RECEIVER + endpoint_id, headers=genuine,
                          content=iter([body[:600_000], body[600_000:]]))

    # then both are too large, and nothing was kept
    for refused in (sized, chunked):
        assert refused.status_code == 413, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["field"] == "body"
    assert services.store.query("SELECT received_id FROM webhook_received") == []


def test_a_timestamp_in_other_digits_is_refused_not_a_server_error(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    # given an endpoint pointing at the test receiver
    endpoint_id = self_receiving(client, keys[Role.ADMIN])
    services.runner.catch_up()

    # when a delivery's LBX-Timestamp is a superscript two (a digit to str.isdigit; the
    # test client cannot send that byte, so the receiver is handed the decoded headers)
    with pytest.raises(Refused) as refused:
        accept(services, endpoint_id, {"LBX-Timestamp": "\u00b2", "LBX-Signature": "v1=00"},
               b"{}")

    # then it is a refusal naming the signature (a 401), not a 500
    assert (refused.value.status, refused.value.field) == (401, "LBX-Signature")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hooks", "http://10.0.0.5/hooks", "http://192.168.1.10/hooks",
    "http://169.254.169.254/latest/meta-data", "http://[::1]:8000/hooks",
    "http://[::ffff:127.0.0.1]/hooks", "http://localhost:8000/hooks", "http://0.0.0.0/hooks",
    # the other spellings the resolver reads as an IPv4 address (inet_aton)
    "http://2130706433/hooks", "http://127.1/hooks", "http://0x7f.0.0.1/hooks",
    "http://0177.0.0.1/hooks", "http://0/hooks", "http://169.254.43518/hooks",
    "http://10.0.0.1./hooks",
])
def test_a_private_address_is_refused_at_registration_unless_allowed(
    installed: TestClient, client: TestClient, keys: dict[Role, str], url: str,
) -> None:
    body = {"url": url, "event_types": ["payment.received"]}

    # when an admin registers it where private addresses are refused, and where allowed
    refused = installed.post("/v1/webhooks", json=body, headers=auth(keys[Role.ADMIN], "k-1"))
    allowed = client.post("/v1/webhooks", json=body, headers=auth(keys[Role.ADMIN], "k-2"))

    # then it is refused naming the url, or registered
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "url"
    assert allowed.status_code == 201, allowed.text


def test_changing_event_types_without_day_counts_keeps_them(
    client: TestClient, keys: dict[Role, str],
) -> None:
    # given an endpoint hearing renewals 3 days and 1 day ahead
    admin = keys[Role.ADMIN]
    endpoint_id = register_endpoint(client, admin, event_types=["renewal.upcoming"],
                                    days_before=[3, 1])["endpoint_id"]

    # when an admin adds a type and says nothing of day counts
    changed = client.post(f"/v1/webhooks/{endpoint_id}/event-types",
                          json={"event_types": ["renewal.upcoming", "contract.ending"]},
                          headers=auth(admin, "types-1"))

    # then the day counts are kept
    assert changed.status_code == 201, changed.text
    shown = client.get(f"/v1/webhooks/{endpoint_id}?wait_for={changed.json()['position']}",
                       headers=auth(admin)).json()
    assert shown["event_types"] == ["renewal.upcoming", "contract.ending"]
    assert shown["days_before"] == [1, 3]


def test_resending_a_delivery_that_is_on_its_way_is_a_conflict(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    # given an endpoint whose ping is still pending
    admin = keys[Role.ADMIN]
    endpoint_id = register_endpoint(client, admin)["endpoint_id"]
    services.runner.catch_up()
    [ping] = client.get(f"/v1/webhooks/{endpoint_id}/deliveries",
                        headers=auth(admin)).json()["items"]
    assert ping["status"] == "pending"

    # when an admin asks to re-send it
    resent = client.post(f"/v1/webhooks/{endpoint_id}/deliveries/{ping['delivery_id']}/resend",
                         json={}, headers=auth(admin, "resend-1"))

    # then it is a conflict naming the delivery, and nothing is recorded
    assert resent.status_code == 409, resent.text
    assert resent.json()["field"] == "delivery_id"
    assert "WebhookDeliveryResent" not in event_names(services, WEBHOOK_REGISTRY_ID)


def test_a_repeated_resend_is_answered_as_before_though_the_delivery_is_pending_now(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    # given a delivered ping that an admin re-sent (so it is pending again)
    admin = keys[Role.ADMIN]
    endpoint_id = register_endpoint(client, admin)["endpoint_id"]
    services.runner.catch_up()
    with services.store.transaction() as tx:
        tx.execute("UPDATE webhook_deliveries SET status = 'delivered'")
    [ping] = client.get(f"/v1/webhooks/{endpoint_id}/deliveries",
                        headers=auth(admin)).json()["items"]
    path = f"/v1/webhooks/{endpoint_id}/deliveries/{ping['delivery_id']}/resend"
    first = client.post(path, json={}, headers=auth(admin, "resend-1"))
    assert first.status_code == 201, first.text
    services.runner.catch_up()

    # when the same request comes again, and a new one
    again = client.post(path, json={}, headers=auth(admin, "resend-1"))
    other = client.post(path, json={}, headers=auth(admin, "resend-2"))

    # then the repeat is the first answer replayed; the new one is a conflict
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (200, "true")
    assert other.status_code == 409, other.text


def test_a_cursor_in_other_digits_is_refused_naming_the_field(
    client: TestClient, keys: dict[Role, str],
) -> None:
    admin = keys[Role.ADMIN]
    registered = register_endpoint(client, admin)
    listed = client.get(f"/v1/webhooks/{registered['endpoint_id']}/deliveries",
                        params={"cursor": "\u00b2:1:x", "wait_for": registered["position"]},
                        headers=auth(admin))
    assert listed.status_code == 422, listed.text
    assert listed.json()["field"] == "cursor"


@pytest.mark.parametrize("cursor", ["99999999999999999999:1:x", "1:9223372036854775808:x"])
def test_a_cursor_beyond_the_databases_integers_is_refused_naming_the_field(
    client: TestClient, keys: dict[Role, str], cursor: str,
) -> None:
    admin = keys[Role.ADMIN]
    registered = register_endpoint(client, admin)
    listed = client.get(f"/v1/webhooks/{registered['endpoint_id']}/deliveries",
                        params={"cursor": cursor, "wait_for": registered["position"]},
                        headers=auth(admin))
    assert listed.status_code == 422, listed.text
    assert listed.json()["field"] == "cursor"


def test_a_stale_calendar_skips_the_scan_and_the_next_day_announces_what_it_missed(
    client: TestClient, keys: dict[Role, str], services: Services, clock: SimulatedClock,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    # given a contract ending on 2026-06-30, heard one day ahead, scanned on 06-27
    publish(services)
    customer = register(services, "C-1")
    send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                     start_date=date(2026, 1, 1), term_end=date(2026, 6, 30)))
    endpoint_id = register_endpoint(client, keys[Role.ADMIN], event_types=["contract.ending"],
                                    days_before=[1])["endpoint_id"]
    clock.move_to(date(2026, 6, 27))
    scheduler = DailyScheduler(services)
    assert scheduler.tick()

    # when on 06-29 (the one-day notice's day) the calendar stays behind the log,
    clock.move_to(date(2026, 6, 29))
    with monkeypatch.context() as stale:
        stale.setattr(services, "await_position", lambda *_, **__: False)
        with caplog.at_level(logging.WARNING, logger="api.webhooks.schedule"):
            assert scheduler.tick()
    skipped = [d["type"] for d in client.get(f"/v1/webhooks/{endpoint_id}/deliveries",
                                             headers=auth(keys[Role.ADMIN])).json()["items"]]
    # and on 06-30 it has caught up
    clock.move_to(date(2026, 6, 30))
    assert scheduler.tick()

    # then the 06-29 scan was skipped with a warning, and the 06-30 one announced the end
    assert skipped == ["webhook.ping"]
    assert "skipped" in caplog.text
    log = client.get(f"/v1/webhooks/{endpoint_id}/deliveries",
                     headers=auth(keys[Role.ADMIN])).json()["items"]
    [ending] = [d for d in log if d["type"] == "contract.ending"]
    row = services.store.query_one("SELECT body FROM webhook_outbox WHERE event_id = :e",
                                   {"e": ending["event_id"]})
    assert row is not None
    data = json.loads(row["body"])["data"]
    assert (data["date"], data["days_before"], data["days_left"]) == ("2026-06-30", 1, 0)
