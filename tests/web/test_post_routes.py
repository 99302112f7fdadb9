"""Every POST of the workspace, walked from ``api.web.pages.ROUTERS``: refusals write nothing.

A new form cannot forget its guards: for each POST route (nested routers too), an auditor
with a valid CSRF token is refused (403) unless the route only reads or signs in and out,
a writer without the CSRF token is refused (403) unless the route takes no form of a
session, and no refusal writes an event.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.web import PREFIX
from api.web.pages import ROUTERS
from ledger.access import Role
from tests.web.conftest import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterable

    from fastapi import APIRouter

    from api.bootstrap import Services

DUMMY = {"customer_id": "00000000-0000-0000-0000-000000000000", "name": "payment",
         "code": "start", "endpoint_id": "00000000-0000-0000-0000-000000000000",
         "action": "disable", "bank_payment_id": "none"}
READ_ONLY = {"/sign-in", "/sign-out", "/tariffs/quote"}
"""Posts an auditor may make: signing in and out, and the calculator (it writes nothing)."""
NO_SESSION_FORM = {"/sign-in", "/tariffs/quote"}
"""Posts that carry no session form (signing in has none yet; the calculator only reads)."""


def post_paths(routers: Iterable[Any], prefix: str = "") -> list[str]:
    """The path of every POST route of ``routers``, nested routers included."""
    found: list[str] = []
    for router in routers:
        for route in router.routes:
            nested: APIRouter | None = getattr(route, "original_router", None)
            if nested is not None:
                context = getattr(route, "include_context", None)
                found += post_paths([nested], prefix + getattr(context, "prefix", ""))
            elif "POST" in (getattr(route, "methods", None) or ()):
                found.append(prefix + route.path)
    return found


def test_the_walk_finds_the_nested_routers_posts() -> None:
    paths = post_paths(ROUTERS)
    assert "/payments/bank-lines/{bank_payment_id}/resolve" in paths
    assert len(paths) >= 15


def _csrf(ws: Workspace) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', ws.get(f"{PREFIX}/").text)
    assert found
    return found.group(1)


def test_every_post_refuses_auditors_and_forms_without_the_token(
        services: Services, auditor_workspace: Workspace, web_keys: dict[Role, str]) -> None:
    before = services.ledger.max_position()
    token = _csrf(auditor_workspace)
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        writer = Workspace(client)
        writer.sign_in(web_keys[Role.ADMIN])
        checked = 0
        for path in post_paths(ROUTERS):
            url = PREFIX + path.format(**DUMMY)
            form = {"csrf_token": token, "idempotency_key": "web-walk", "reason": "walk",
                    "amount": "1.00", "currency": "RUB", "as_of": "2026-01-01"}
            if path not in READ_ONLY:
                answer = auditor_workspace.client.post(url, data=form, follow_redirects=False)
                assert answer.status_code == 403, (path, answer.status_code)
                checked += 1
            if path not in NO_SESSION_FORM:
                bare = {k: v for k, v in form.items() if k != "csrf_token"}
                answer = writer.client.post(url, data=bare, follow_redirects=False)
                assert answer.status_code == 403, (path, answer.status_code)
                checked += 1
    assert checked >= 25
    assert services.ledger.max_position() == before
