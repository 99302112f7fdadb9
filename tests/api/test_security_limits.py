"""What the API reads of a request before it trusts it: no body without a live key, and no
body larger than its path allows.

Given a request to a keyed route without a live key, then it is answered 401 and not one
byte of its body is read; given a body over its path's limit (declared, or streamed without
a length), then it is answered 413 as a problem naming ``body``, and nothing is written.
The first specifications drive the app as an ASGI server would, counting what it reads of
the body; the test client would read the whole body before the app sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import anyio
import orjson
import pytest
from fastapi.routing import APIRoute

from api import auth as auth_module
from api.app import create_app
from api.key_check import KeyCheck, declares_roles
from api.limits import DEFAULT_LIMIT, api_body_limit
from api.routes import gateways, integrations
from commands.issue_api_key import RevokeApiKey
from ledger.access import Role
from tests.api.conftest import auth
from tests.support.dsl import send

if TYPE_CHECKING:
    from collections.abc import Iterable

    from fastapi import APIRouter, FastAPI
    from fastapi.testclient import TestClient
    from starlette.types import Message

    from api.bootstrap import Services

PROBLEM = "application/problem+json"
CUSTOMER = {"external_key": "C-1", "name": "ООО Ромашка"}


@dataclass
class Exchange:
    """What an ASGI server saw of one request: the answer, and how much body was read."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks_read: int = 0

    def problem(self) -> dict[str, Any]:
        assert self.headers["content-type"] == PROBLEM, self.body
        parsed: dict[str, Any] = orjson.loads(self.body)
        return parsed


def exchange(app: FastAPI, path: str, headers: dict[str, str],
             chunks: Iterable[bytes] = (), method: str = "POST") -> Exchange:
    """Send one request to ``app`` as a server would, its body in ``chunks``, lazily."""
    seen = Exchange()
    pending = iter(chunks)
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
        "root_path": "", "query_string": b"", "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80), "state": {},
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }

    async def receive() -> Message:
        chunk = next(pending, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        seen.chunks_read += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            seen.status = message["status"]
            seen.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            seen.body += message.get("body", b"")

    anyio.run(app, scope, receive, send)
    return seen


def json_headers(**more: str) -> dict[str, str]:
    return {"content-type": "application/json", "idempotency-key": "k-1", **more}


# -- 401 before the body -----------------------------------------------------------------


def test_an_anonymous_command_with_a_broken_body_is_401_not_422(client: TestClient) -> None:
    response = client.post("/v1/customers", content=b"{not json",
                           headers=json_headers())
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["field"] == "Authorization"


def test_an_anonymous_body_is_refused_before_a_byte_of_it_is_read(services: Services) -> None:
    app = create_app(services)
    two_hundred_mb = json_headers(**{"content-length": str(200 * 1024 * 1024)})

    declared = exchange(app, "/v1/customers", two_hundred_mb, [b"x" * 65536] * 16)
    streamed = exchange(app, "/v1/customers", json_headers(), [b"{not json"] * 16)

    for answer in (declared, streamed):
        assert (answer.status, answer.chunks_read) == (401, 0), answer.body
        assert answer.problem()["detail"].startswith("send an API key")


@pytest.mark.parametrize("presented", [
    "lbx_nokey_secret", "lbx_", "Basic dXNlcjpwYXNz",
])
def test_an_unknown_or_malformed_key_is_refused_before_the_body(
    services: Services, keys: dict[Role, str], presented: str
) -> None:
    answer = exchange(create_app(services), "/v1/customers",
                      json_headers(authorization=f"Bearer {presented}"), [b"{not json"])
    assert (answer.status, answer.chunks_read) == (401, 0), answer.body
    assert answer.problem()["field"] == "Authorization"


def test_a_revoked_key_is_refused_before_the_body(
    services: Services, keys: dict[Role, str]
) -> None:
    token = keys[Role.SERVICE]
    send(services, RevokeApiKey(key_id=token.split("_", 2)[1], reason="CRM retired"))
    answer = exchange(create_app(services), "/v1/customers",
                      json_headers(**auth(token)), [orjson.dumps(CUSTOMER)])
    assert (answer.status, answer.chunks_read) == (401, 0), answer.body
    assert answer.problem()["detail"] == "unknown or revoked API key"


def test_a_live_key_has_its_body_read_and_its_role_checked_after(
    services: Services, keys: dict[Role, str]
) -> None:
    app = create_app(services)
    admitted = exchange(app, "/v1/customers", json_headers(**auth(keys[Role.SERVICE])),
                        [orjson.dumps(CUSTOMER)])
    wrong_role = exchange(app, "/v1/customers", json_headers(**auth(keys[Role.AUDITOR])),
                          [orjson.dumps(CUSTOMER)])
    assert (admitted.status, admitted.chunks_read) == (201, 1), admitted.body
    assert wrong_role.status == 403, wrong_role.body


def test_a_keyed_request_is_authenticated_once(
    client: TestClient, keys: dict[Role, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = auth_module.authenticate

    def counted(services: Services, token: str) -> auth_module.Principal:
        calls.append(token)
        return real(services, token)

    monkeypatch.setattr(auth_module, "authenticate", counted)
    response = client.get("/v1/tariffs", headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 200, response.text
    assert calls == [keys[Role.ACCOUNTANT]]  # by the key check; require reuses its principal


def key_checked_routes(app: FastAPI) -> list[APIRoute]:
    """The routes the key check is given to match requests against."""
    (check,) = [m for m in app.user_middleware if cast("object", m.cls) is KeyCheck]
    routers = cast("list[APIRouter]", check.kwargs["routers"])
    return [route for router in routers for route in router.routes if isinstance(route, APIRoute)]


def test_the_key_check_knows_every_api_operation(services: Services) -> None:
    app = create_app(services)
    served = {(method.upper(), path) for path, item in app.openapi()["paths"].items()
              if path.startswith("/v1/") for method in item}
    known = {(method, route.path) for route in key_checked_routes(app)
             for method in route.methods or ()}
    assert served == known


def test_only_the_routes_that_prove_themselves_otherwise_take_no_key(
    services: Services,
) -> None:
    open_paths = sorted({route.path for route in key_checked_routes(create_app(services))
                         if not declares_roles(route)})
    assert open_paths == [
        "/v1/crm/amocrm/{secret}", "/v1/crm/bitrix24/{secret}",
        "/v1/gateways/cloudpayments/pay", "/v1/gateways/tbank/notification",
        "/v1/gateways/yookassa/notification",
        "/v1/webhooks/test-receiver", "/v1/webhooks/test-receiver/{endpoint_id}",
    ]


def test_a_gateway_notification_is_not_asked_for_an_api_key(client: TestClient) -> None:
    response = client.post("/v1/gateways/tbank/notification", json={"TerminalKey": "x"})
    assert response.json().get("field") != "Authorization", response.text


def test_an_unknown_path_is_still_a_404(client: TestClient) -> None:
    assert client.post("/v1/nothing-here", content=b"x").status_code == 404


# -- 413 beyond the path's limit ---------------------------------------------------------


def test_the_limits_follow_what_each_handler_reads() -> None:
    assert api_body_limit("/v1/customers") == DEFAULT_LIMIT == 1024 * 1024
    assert api_body_limit("/v1/bank-statements") > 20 * 1024 * 1024
    assert api_body_limit("/v1/customer-imports") > integrations.MAX_FILE_BYTES
    assert api_body_limit("/v1/customer-imports/preview") > integrations.MAX_FILE_BYTES
    assert api_body_limit("/v1/gateways/tbank/notification") == gateways.MAX_BODY == 65536
    assert api_body_limit("/v1/crm/amocrm/s3cr3t") == integrations.MAX_WEBHOOK_BYTES == 65536


def test_a_command_body_over_1_mib_is_413_and_writes_nothing(
    client: TestClient, keys: dict[Role, str], services: Services
) -> None:
    before = services.ledger.max_position()
    big = orjson.dumps({**CUSTOMER, "name": "x" * DEFAULT_LIMIT})
    headers = {**auth(keys[Role.ADMIN], "k-1"), "content-type": "application/json"}

    sized = client.post("/v1/customers", content=big, headers=headers)
    streamed = client.post("/v1/customers", content=iter([big[:600_000], big[600_000:]]),
                           headers=headers)

    for refused in (sized, streamed):
        assert refused.status_code == 413, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["field"] == "body"
    assert services.ledger.max_position() == before


def test_a_declared_length_over_the_limit_is_refused_unread(
    services: Services, keys: dict[Role, str]
) -> None:
    app = create_app(services)
    accountant = auth(keys[Role.ACCOUNTANT])
    over = {"content-type": "multipart/form-data; boundary=x", **accountant,
            "content-length": str(api_body_limit("/v1/bank-statements") + 1)}
    answer = exchange(app, "/v1/bank-statements", over, [b"--x\r\n"] * 4)
    assert (answer.status, answer.chunks_read) == (413, 0), answer.body
    assert answer.problem()["title"] == "Content too large"


def test_a_statement_file_larger_than_a_command_is_still_read(
    client: TestClient, keys: dict[Role, str]
) -> None:
    two_mib = b"1CClientBankExchange\r\n" + b" " * (2 * 1024 * 1024)
    response = client.post("/v1/bank-statements", files={"file": ("a.txt", two_mib)},
                           headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code != 413, response.text


@pytest.mark.parametrize("path", [
    "/v1/gateways/tbank/notification", "/v1/gateways/cloudpayments/pay",
    "/v1/crm/amocrm/anything", "/v1/crm/bitrix24/anything",
])
def test_a_notification_anyone_may_post_is_limited_to_64_kib(
    client: TestClient, services: Services, path: str
) -> None:
    big = b"a=" + b"x" * (64 * 1024)
    form = {"content-type": "application/x-www-form-urlencoded"}

    sized = client.post(path, content=big, headers=form)
    streamed = client.post(path, content=iter([big[:40_000], big[40_000:]]), headers=form)

    for refused in (sized, streamed):
        assert refused.status_code == 413, refused.text
        assert refused.json()["field"] == "body"
    assert services.ledger.max_position() == 0


def test_the_openapi_document_declares_the_413_of_every_keyed_operation(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    keyed = [op for ops in paths.values() for op in ops.values()
             if isinstance(op, dict) and op.get("x-roles")]
    assert keyed
    assert all("413" in op["responses"] for op in keyed)
