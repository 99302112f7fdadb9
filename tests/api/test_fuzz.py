"""Every operation of the OpenAPI document, fuzzed: LBX never answers 500 (schemathesis).

For each operation of ``/openapi.json`` schemathesis draws requests from the operation's
own schema, valid ones and ones that break it, and hypothesis sends a bounded number of
them, as an admin, to the app in-process. The property: no answer is a server error, and
every refusal is RFC 9457 problem+json. A 4xx is a fine answer; the gateways' deliberate
503 ("not configured") would be too, but they are configured here so that they check
signatures and networks and refuse with 401/403 instead. The tests at the end pin what
the fuzzer found (dates beyond the calendar, unreadable bodies) with the usual fixtures.

Three choices, and why:

- One store per backend for the whole module instead of the ``services`` and ``keys``
  fixtures: 64 operations on two backends would otherwise build 128 stores (0.45 s each on
  PostgreSQL) and 128 OpenAPI documents (0.8 s each) before sending anything. The store is
  seeded with a tariff, a customer with a subscription, an invoice and a payment, and half
  the drawn path ids are swapped for the seeded ones, so that requests get past "not found"
  into the commands. Operations run in a fixed order on that shared store; on PostgreSQL
  it is a database of its own, which the other tests' emptying of theirs cannot touch.
- Hypothesis is driven by hand (``operation.as_strategy`` under ``@given``) instead of
  ``schemathesis.pytest.from_fixture``: that integration sets ``Function._nodeid``, which
  pytest 9.2 removed, and fails before the first request.
- Derandomized and bounded (``EXAMPLES`` per operation): CI sends the same requests on
  every run, and the module takes about 40 s for both backends on a 2-core machine.
  ``LBX_FUZZ_EXAMPLES=40`` searches deeper (about 2½ minutes).

A failure names the operation in the test id and prints the request as a ``curl`` line.
"""

from __future__ import annotations

import itertools
import os
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.bootstrap import bootstrap
from commands.issue_api_key import IssueApiKey
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from commands.start_subscription import StartSubscription
from ledger.access import Role
from ledger.clock import SimulatedClock
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient
    from schemathesis.schemas import BaseSchema

    from api.bootstrap import Services

EXAMPLES = int(os.environ.get("LBX_FUZZ_EXAMPLES", "6"))
"""Requests per operation and backend; raise it for a deeper search on your machine."""
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in create_app().openapi()["paths"].items()
    for method in item
)
DELIBERATE_503 = "/v1/gateways/"
"""Gateways answer 503 when their secrets are missing; configured here, they should not."""
GATEWAY_ENV = {
    "LBX_CLOUDPAYMENTS_SECRET": "fuzz-cloudpayments-secret",
    "LBX_TBANK_TERMINAL_KEY": "fuzz-terminal",
    "LBX_TBANK_PASSWORD": "fuzz-password",
    "LBX_YOOKASSA_ALLOWED_NETWORKS": "127.0.0.0/8",
    "LBX_TRUST_FORWARDED_FOR": "1",
}
_idempotency_keys = itertools.count(1)


class World:
    """The seeded store, its app's schema, the admin token and the ids worth aiming at."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.token = str(send(services, IssueApiKey(name="fuzz", role=Role.ADMIN))
                         .result["token"])
        publish(services)
        customer = register(services, "FUZZ-1")
        started = send(services, StartSubscription(
            customer_id=customer, tariff_code="start", start_date=date(2026, 1, 1)))
        charged = send(services, RecordCharge(
            customer_id=customer, amount="100.00", description="Setup"))
        paid = send(services, RecordPayment(customer_id=customer, amount="50.00",
                                            currency="RUB"))
        self.known: dict[str, str] = {
            "customer_id": str(customer),
            "external_key": "FUZZ-1",
            "subscription_id": str(started.result["subscription_id"]),
            "invoice_id": str(charged.result["invoice_id"]),
            "payment_id": str(paid.result["payment_id"]),
        }
        app = create_app(services)
        app.state.yookassa_verify = lambda _payment_id: None  # YooKassa knows no payment
        self.schema: BaseSchema = schemathesis.openapi.from_asgi("/openapi.json", app)

    def headers(self) -> dict[str, str]:
        """Sent with every request: the admin key both ways, and a gateway-trusted source."""
        return {"Authorization": f"Bearer {self.token}", "X-API-Key": self.token,
                "X-Forwarded-For": "127.0.0.1"}


@contextmanager
def _own_database(admin_url: str) -> Iterator[str]:
    """A database of the module's own: the other tests empty theirs while this one lives."""
    name = f"lbx_fuzz_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One seeded store per backend, shared by every operation of the module."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            env = {"LBX_DATA_DIR": str(tmp_path_factory.mktemp("fuzz") / "var")}
        else:
            admin_url = request.getfixturevalue("postgres_admin_url")
            env = {"LBX_DATABASE_URL": stack.enter_context(_own_database(admin_url)),
                   "LBX_DATA_DIR": str(tmp_path_factory.mktemp("fuzz") / "var")}
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        for name, value in GATEWAY_ENV.items():
            patch.setenv(name, value)
        services = bootstrap(env, clock=SimulatedClock(datetime(2026, 1, 15, 9, tzinfo=UTC)))
        stack.callback(services.close)
        yield World(services)


def _aim(case: schemathesis.Case[Any], world: World, *, known_ids: bool, fresh_key: bool) -> None:
    """Point the case at seeded ids if asked, and make sure it carries an Idempotency-Key."""
    if known_ids and case.path_parameters:
        for name in case.path_parameters:
            if name in world.known:
                case.path_parameters[name] = world.known[name]
    headers = case.headers if case.headers is not None else {}
    if fresh_key or "Idempotency-Key" not in headers:
        headers["Idempotency-Key"] = f"fuzz-{next(_idempotency_keys)}"
    case.headers = headers


def _is_server_error(status: int, path: str) -> bool:
    return status >= 500 and not (status == 503 and path.startswith(DELIBERATE_503))


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_operation_answers_a_server_error(world: World, method: str, path: str) -> None:
    operation = world.schema[path][method]
    cases = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE, headers=world.headers()),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE, headers=world.headers()),
    )

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(case=cases, known_ids=st.booleans(), fresh_key=st.booleans())
    def requests_are_answered(
        case: schemathesis.Case[Any], known_ids: bool, fresh_key: bool
    ) -> None:
        _aim(case, world, known_ids=known_ids, fresh_key=fresh_key)
        response = case.call()
        request = case.as_curl_command()
        assert not _is_server_error(response.status_code, path), (request, response.text)
        if response.status_code >= 400:
            media = response.headers.get("content-type", [""])[0]
            assert media.startswith("application/problem+json"), (request, response.text)

    requests_are_answered()


def test_the_operations_cover_the_api() -> None:
    """The module fuzzes what the app serves; a route added later is fuzzed too."""
    assert len(OPERATIONS) > 60
    assert ("POST", "/v1/customers/{customer_id}/payments") in OPERATIONS


def test_every_command_documents_its_refusals_as_problems() -> None:
    document = create_app().openapi()
    problem = {"$ref": "#/components/schemas/Problem"}
    outcome = {"application/json": {"schema": {"$ref": "#/components/schemas/Outcome"}}}
    commands = [op for item in document["paths"].values() for op in item.values()
                if op["responses"].get("201", {}).get("content") == outcome]
    assert len(commands) > 25
    for operation in commands:
        for status in ("400", "401", "403", "404", "409", "422"):
            content = operation["responses"][status]["content"]
            assert content == {"application/problem+json": {"schema": problem}}, status
    assert {"type", "title", "status", "detail", "field", "errors"} <= set(
        document["components"]["schemas"]["Problem"]["properties"])


# -- what the fuzzer found, pinned: each answered 500 (or ran for seconds) before ----------


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/v1/bill-runs", {"as_of": "9999-12-31", "dry_run": True}, "as_of"),
    ("GET", "/v1/debts/aging?as_of=0001-01-01", None, "as_of"),
    ("POST", "/v1/dunning/runs", {"as_of": "0001-01-01"}, "as_of"),
    ("POST", "/v1/customers/{customer}/subscriptions",
     {"tariff_code": "start", "start_date": "0001-01-01"}, "start_date"),
])
def test_a_date_outside_the_century_is_refused_naming_the_field(
    client: TestClient, keys: dict[Role, str], services: Services,
    method: str, path: str, body: dict[str, Any] | None, field: str,
) -> None:
    customer = register(services, "C-1")
    response = client.request(
        method, path.format(customer=customer), json=body,
        headers={"Authorization": f"Bearer {keys[Role.ADMIN]}", "Idempotency-Key": "k-1"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


@pytest.mark.parametrize(("path", "content_type", "status"), [
    ("/v1/customers", "application/json", 422),  # the field was "1": the error's position
    ("/v1/bank-statements", "multipart/form-data; boundary=x", 400),  # was not problem+json
])
def test_a_body_that_cannot_be_read_is_a_problem_about_the_body(
    client: TestClient, keys: dict[Role, str], path: str, content_type: str, status: int
) -> None:
    response = client.post(path, content=b"{not json", headers={
        "Authorization": f"Bearer {keys[Role.ADMIN]}", "Idempotency-Key": "k-1",
        "Content-Type": content_type})
    assert (response.status_code, response.headers["content-type"]) == (
        status, "application/problem+json")
    assert response.json()["field"] == "body"


def test_an_unknown_path_is_a_problem_too(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert (response.status_code, response.headers["content-type"]) == (
        404, "application/problem+json")
