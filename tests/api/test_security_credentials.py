"""Credentials in unexpected shapes are refused as credentials, never as server errors.

Given an API key sent under ``bearer`` in another case, then it is the same scheme (RFC 9110
§11.1) and the key is admitted; given a webhook delivery whose ``LBX-Signature`` holds
bytes that are not ASCII, then the test receiver answers 401 naming that header, not 500.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from api.auth import presented_token
from api.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from commands.base import Context
from commands.webhooks import RegisterWebhookEndpoint, endpoint_id_for
from ledger.access import Role
from tests.support.dsl import send

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services

RECEIVER = "/v1/webhooks/test-receiver/"
BODY = b'{"id":"e-1","type":"payment.received"}'


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_matched_in_any_case(
    client: TestClient, keys: dict[Role, str], scheme: str
) -> None:
    response = client.get("/v1/tariffs", headers={"Authorization": f"{scheme} {keys[Role.ADMIN]}"})
    assert response.status_code == 200, response.text


def test_another_scheme_is_a_malformed_key_not_a_missing_one(client: TestClient) -> None:
    response = client.get("/v1/tariffs", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert response.json()["detail"] == "malformed API key"


def test_the_token_is_taken_from_x_api_key_first_then_from_bearer() -> None:
    assert presented_token("bearer  lbx_a_b ", None) == "lbx_a_b"
    assert presented_token("Bearer lbx_a_b", "lbx_c_d") == "lbx_c_d"
    assert presented_token(None, None) == ""
    assert presented_token("Basic xyz", None) == "Basic xyz"


@pytest.fixture
def backend_env(backend_env: dict[str, str]) -> dict[str, str]:
    """The backend, with LBX's own test receiver served (as the demo serves it)."""
    return {**backend_env, "LBX_WEBHOOK_TEST_RECEIVER": "1", "LBX_WEBHOOK_ALLOW_PRIVATE": "1"}


def self_receiving_endpoint(services: Services) -> str:
    """An endpoint pointing at the test receiver, in the views; its id."""
    key = "wh-self"
    endpoint_id = endpoint_id_for(Context(actor="x", source="api", idempotency_key=key))
    send(services, RegisterWebhookEndpoint(url=f"http://testserver{RECEIVER}{endpoint_id}",
                                           event_types=["payment.received"]), key=key)
    services.runner.catch_up()
    return endpoint_id


def test_a_non_ascii_signature_is_401_naming_the_header_not_500(
    client: TestClient, services: Services,
) -> None:
    # given an endpoint pointing at the test receiver
    endpoint_id = self_receiving_endpoint(services)
    now = str(int(services.runtime.clock.now().timestamp()))

    # when a delivery's signature holds bytes that are not ASCII
    headers = {TIMESTAMP_HEADER.encode(): now.encode(), SIGNATURE_HEADER.encode(): "v1=é…".encode()}
    response = client.post(RECEIVER + endpoint_id, content=BODY, headers=headers)

    # then it is refused as a signature that does not match, and nothing is kept
    assert response.status_code == 401, response.text
    assert response.json()["field"] == SIGNATURE_HEADER
    assert services.store.query("SELECT received_id FROM webhook_received") == []


def test_verify_compares_any_offered_text_as_bytes() -> None:
    secret = "0" * 64
    for offered in ("v1=é", "v1=\udc80", "v1=" + "ж" * 64):
        why = verify(secret, {TIMESTAMP_HEADER: "100", SIGNATURE_HEADER: offered}, BODY, 100)
        assert why == f"{SIGNATURE_HEADER} does not match"
