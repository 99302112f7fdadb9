"""An HTTP client over LBX, and one API key per role."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from commands.issue_api_key import IssueApiKey
from ledger.access import Role
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from collections.abc import Iterator

    from api.bootstrap import Services


@pytest.fixture
def keys(services: Services) -> dict[Role, str]:
    """A live token for each role."""
    return {
        role: send(services, IssueApiKey(name=f"test-{role.value}", role=role)).result["token"]
        for role in Role
    }


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    """A test client of the app around the test's services."""
    with TestClient(create_app(services), raise_server_exceptions=False) as test_client:
        yield test_client


def auth(token: str, key: str | None = None) -> dict[str, str]:
    """Headers for a call with ``token`` (and an idempotency key for commands)."""
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


def individual_prices_url(client: TestClient, keys: dict[Role, str], services: Services) -> str:
    """A customer on the default 1000.00 a month tariff from 1 February, through the API:
    its subscription's individual-prices URL (the customer id is its fourth segment)."""
    publish(services)
    service = keys[Role.SERVICE]
    customer = client.post("/v1/customers", json={"external_key": "C-1", "name": "ООО Ромашка"},
                           headers=auth(service, "r")).json()["target_id"]
    sub = client.post(f"/v1/customers/{customer}/subscriptions",
                      json={"tariff_code": "start", "start_date": "2026-02-01"},
                      headers=auth(service, "s")).json()["result"]["subscription_id"]
    return f"/v1/customers/{customer}/subscriptions/{sub}/individual-prices"
