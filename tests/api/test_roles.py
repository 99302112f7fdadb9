"""The role table: every endpoint admits exactly the roles it declares (and no anonymous calls).

Each route declares the roles it admits in its OpenAPI ``x-roles``; these tests call every
route with every other role's key and expect 403, with every declared role's key and expect
neither 401 nor 403, and without a key expect 401. The key is checked before the body is
read (``api/key_check.py``) and the role before the body is validated, so dummy path values
and an empty body suffice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.routing import APIRoute

from api.routes import (
    accounting,
    audit,
    bank,
    billing,
    collections,
    commands,
    documents,
    integrations,
    queries,
    reports,
    webhooks,
)
from ledger.access import Role
from tests.api.conftest import auth

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

DUMMY = {"customer_id": "00000000-0000-0000-0000-000000000000", "external_key": "nobody",
         "payment_id": "none", "bank_payment_id": "none",
         "invoice_id": "none", "subscription_id": "none",
         "code": "none", "credit_note_id": "none", "register": "invoices", "fmt": "csv",
         "endpoint_id": "00000000-0000-0000-0000-000000000000",
         "delivery_id": "00000000-0000-0000-0000-000000000000"}


def guarded_routes() -> list[tuple[str, str, set[str]]]:
    found: list[tuple[str, str, set[str]]] = []
    for router in (commands.router, queries.router, audit.router, billing.router,
                   reports.router, bank.router, collections.router, documents.router,
                   accounting.router, webhooks.router, integrations.router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            if "x-authentication" in (route.openapi_extra or {}):
                continue  # the webhook test receiver checks a signature, not an API key
            roles = set((route.openapi_extra or {}).get("x-roles", []))
            assert roles, f"{route.path} declares no roles"
            path = route.path.format(**DUMMY)
            found.extend((method, path, roles) for method in route.methods or ())
    return found


def test_every_route_declares_its_roles() -> None:
    routes = guarded_routes()
    assert len(routes) >= 20


def test_every_route_refuses_the_roles_it_does_not_admit(
    client: TestClient, keys: dict[Role, str]
) -> None:
    checked = 0
    for method, path, admitted in guarded_routes():
        for role in Role:
            if role.value in admitted:
                continue
            response = client.request(method, path, headers=auth(keys[role], "k"), json={})
            assert response.status_code == 403, (method, path, role, response.text)
            checked += 1
        for body in (b"{}", b"{not json"):  # the key is asked for before the body is read
            anonymous = client.request(method, path, content=body,
                                       headers={"Content-Type": "application/json"})
            assert anonymous.status_code == 401, (method, path, body, anonymous.text)
    assert checked > 30


def test_every_role_a_route_declares_is_admitted(
    client: TestClient, keys: dict[Role, str]
) -> None:
    refused = []
    for method, path, admitted in guarded_routes():
        for role in sorted(admitted):
            response = client.request(method, path, headers=auth(keys[Role(role)], "k"))
            if response.status_code in {401, 403}:
                refused.append((method, path, role, response.status_code))
    assert refused == []


def test_admins_are_admitted_everywhere() -> None:
    for _, path, admitted in guarded_routes():
        assert "admin" in admitted, path


def test_accountants_read_the_audit_trail(client: TestClient, keys: dict[Role, str]) -> None:
    """The workspace shows accountants the raw events, so the API admits them too."""
    for route in audit.router.routes:
        assert isinstance(route, APIRoute)
        assert "accountant" in (route.openapi_extra or {}).get("x-roles", []), route.path
    path = f"/v1/audit/customers/{DUMMY['customer_id']}/verify"
    response = client.get(path, headers=auth(keys[Role.ACCOUNTANT], "k"))
    assert response.status_code != 403, response.text
