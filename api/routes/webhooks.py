"""Webhook endpoints over HTTP (admins), and LBX's own test receiver.

Register, list, show with the delivery log, rotate the secret, disable and enable, re-send
a delivery.

Why a router of its own: endpoints are installation settings with an operational log (the
deliveries), not facts of one customer's book. Changes are commands (``Idempotency-Key``,
201 with the outcome, events in the webhook registry); the signing secret appears only in
the answers of registration and rotation (derived, never stored). The test receiver takes
no API key: like any receiver it trusts the ``LBX-Signature`` instead, and it answers only
when ``LBX_WEBHOOK_TEST_RECEIVER`` is on (404 otherwise).
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import (
    APIRouter,
    Body,
    Depends,
    Header,
    Query,
    Request,
    Response,
)
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException  # the API's problem handler answers it

from api.auth import Principal, require, roles_extra
from api.command_routes import IdempotencyKey, command_route, run
from api.deps import ServicesDep, Views
from api.errors import COMMAND_PROBLEMS, problem_responses
from api.examples import EXAMPLES
from api.webhooks.receiver import MAX_BODY, Refused, accept
from api.webhooks.signing import secret_for
from api.webhooks.transport import check_public_url
from commands.base import Command, Outcome
from commands.unit_of_work import earlier_outcome
from commands.webhooks import (
    ChangeWebhookEventTypes,
    DisableWebhookEndpoint,
    EnableWebhookEndpoint,
    RegisterWebhookEndpoint,
    ResendWebhookDelivery,
    RotateWebhookSecret,
)
from ledger.errors import Conflict, InvalidField, NotFound, Term
from ledger.webhooks import PING, TIME_BASED, WEBHOOK_REGISTRY_ID, WebhookEventType
from projections import webhook_deliveries as book

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

Admin = Annotated[Principal, Depends(require())]
ADMIN_ONLY = roles_extra()
MAX_POSITION = 2**63 - 1
"""The largest integer a cursor may carry: SQLite's and PostgreSQL's (bigint) last one."""
DeliveryStatus = Annotated[str | None, Query(pattern="^(pending|sending|delivered|failed)$")]
Cursor = Annotated[str | None, Query(max_length=200, description="the previous page's next_cursor")]
Limit = Annotated[int, Query(ge=1, le=200)]
RECEIVER_PROBLEMS = {**problem_responses(400, 401, 404), 413: {
    **problem_responses(400)[400], "description": "The body is larger than 1 MB."}}


def _with_secret(services: ServicesDep, outcome: Outcome) -> Outcome:
    """The outcome plus the secret of the version it names (shown here, and only here)."""
    result = outcome.result
    secret = secret_for(services.settings, result["endpoint_id"], int(result["secret_version"]))
    return outcome.model_copy(update={"result": {**result, "secret": secret}})


def _extra(name: str) -> dict[str, Any]:
    extra: dict[str, Any] = dict(ADMIN_ONLY)
    if name in EXAMPLES:
        extra["requestBody"] = {"content": {"application/json": {"example": EXAMPLES[name]}}}
    return extra


@router.get("/event-types", openapi_extra=ADMIN_ONLY, summary="The event types one can hear")
def event_types(_: Admin) -> dict[str, Any]:
    """Every type an endpoint may subscribe to; ``time_based`` ones use ``days_before``."""
    return {"items": [{"type": t.value, "time_based": t in TIME_BASED} for t in WebhookEventType],
            "always_sent": [PING]}


@router.post("", status_code=201, response_model=Outcome, responses=COMMAND_PROBLEMS,
             openapi_extra=_extra("RegisterWebhookEndpoint"),
             summary="Register an endpoint (the signing secret is shown once)")
def register(services: ServicesDep, principal: Admin, key: IdempotencyKey,
             body: Annotated[RegisterWebhookEndpoint, Body()], response: Response) -> Outcome:
    """Register a URL for some event types; ``result.secret`` signs its deliveries."""
    check_public_url(body.url, allow_private=services.settings.webhook_allow_private)
    return _with_secret(services, run(services, principal, key, body, response))


@router.get("", openapi_extra=ADMIN_ONLY, summary="List endpoints")
def list_endpoints(services: Views, _: Admin) -> dict[str, Any]:
    """Every endpoint with its subscription and state (never its secret)."""
    return {"items": [_endpoint(r) for r in book.endpoints(services.store)],
            "next_cursor": None}


@router.get("/{endpoint_id}", openapi_extra=ADMIN_ONLY,
            responses=problem_responses(404), summary="An endpoint and its latest deliveries")
def show(services: Views, _: Admin, endpoint_id: UUID) -> dict[str, Any]:
    """The endpoint, and its 20 latest deliveries with every attempt."""
    found = _endpoint(_existing(services, endpoint_id))
    found["deliveries"] = _deliveries(services, endpoint_id, None, None, 20)["items"]
    return found


@router.get("/{endpoint_id}/deliveries", openapi_extra=ADMIN_ONLY,
            responses=problem_responses(404), summary="An endpoint's delivery log")
def deliveries(services: Views, _: Admin, endpoint_id: UUID,
               status: DeliveryStatus = None, cursor: Cursor = None,
               limit: Limit = 50) -> dict[str, Any]:
    """Deliveries newest first, each with its attempts (time, status code, error, duration)."""
    _existing(services, endpoint_id)
    return _deliveries(services, endpoint_id, status, cursor, limit)


@router.get("/{endpoint_id}/received", openapi_extra=ADMIN_ONLY,
            responses=problem_responses(404), summary="What the test receiver got")
def received(services: Views, _: Admin, endpoint_id: UUID) -> dict[str, Any]:
    """Deliveries that reached LBX's own test receiver for this endpoint, newest first."""
    _existing(services, endpoint_id)
    return {"items": [{**r, "signature_valid": bool(r["signature_valid"]),
                       "duplicate": bool(r["duplicate"])}
                      for r in book.received(services.store, str(endpoint_id))],
            "next_cursor": None}


@router.post("/{endpoint_id}/secret-rotations", status_code=201, response_model=Outcome,
             responses=COMMAND_PROBLEMS, openapi_extra=ADMIN_ONLY,
             summary="Rotate the signing secret (the new one is shown once)")
def rotate(services: ServicesDep, principal: Admin, key: IdempotencyKey, endpoint_id: UUID,
           response: Response) -> Outcome:
    """Sign with a new secret from the next attempt on."""
    outcome = run(services, principal, key, RotateWebhookSecret(endpoint_id=endpoint_id),
                  response)
    return _with_secret(services, outcome)


@router.post("/{endpoint_id}/deliveries/{delivery_id}/resend", status_code=201,
             response_model=Outcome, responses=COMMAND_PROBLEMS, openapi_extra=ADMIN_ONLY,
             summary="Send a delivery again")
def resend(services: ServicesDep, principal: Admin, key: IdempotencyKey, endpoint_id: UUID,
           delivery_id: UUID, response: Response) -> Outcome:
    """A fresh series of attempts for one delivery (same event id, so receivers de-duplicate)."""
    found = book.delivery(services.store, str(endpoint_id), str(delivery_id))
    if found is None:
        raise NotFound("no delivery {delivery_id} to endpoint {endpoint_id}", field="delivery_id",
                       delivery_id=delivery_id, endpoint_id=endpoint_id)
    command = ResendWebhookDelivery(endpoint_id=endpoint_id, delivery_id=delivery_id)
    if found["status"] in {"pending", "sending"} and earlier_outcome(
            services.runtime, WEBHOOK_REGISTRY_ID, key, command) is None:
        raise Conflict("delivery {delivery_id} is {status}: it is on its way already",
                       field="delivery_id", delivery_id=delivery_id, status=Term(found["status"]))
    return run(services, principal, key, command, response)  # (or replay the earlier answer)


@router.post("/test-receiver/{endpoint_id}", status_code=204,
             responses=RECEIVER_PROBLEMS,
             openapi_extra={"x-roles": [], "x-authentication": "LBX-Signature"},
             summary="LBX's own test receiver (checks the signature, keeps the delivery)")
async def test_receiver(services: ServicesDep, request: Request, endpoint_id: UUID) -> Response:
    """Accept a delivery signed for ``endpoint_id``; 401 if the signature does not match."""
    return await _receive(services, request, str(endpoint_id))


@router.post("/test-receiver", status_code=204,
             responses=RECEIVER_PROBLEMS,
             openapi_extra={"x-roles": [], "x-authentication": "LBX-Signature"},
             summary="The test receiver, for any endpoint (named by LBX-Endpoint-Id)")
async def any_test_receiver(
    services: ServicesDep, request: Request,
    endpoint: Annotated[UUID, Header(alias="LBX-Endpoint-Id")],
) -> Response:
    """The same receiver, with the endpoint taken from the header every delivery carries.

    So an endpoint can point at it without knowing its own id before it is registered.
    """
    return await _receive(services, request, str(endpoint))


async def _receive(services: ServicesDep, request: Request, endpoint_id: str) -> Response:
    try:
        body = await _limited_body(services, request)
        await run_in_threadpool(accept, services, endpoint_id, dict(request.headers), body)
    except Refused as refused:
        detail: Any = {"detail": refused.detail, "field": refused.field}  # api/errors.py reads it
        raise HTTPException(refused.status, detail) from None
    return Response(status_code=204)


async def _limited_body(services: ServicesDep, request: Request) -> bytes:
    """The body, read only if the receiver is on and only up to :data:`MAX_BODY` bytes."""
    if not services.settings.webhook_test_receiver:
        raise Refused(404, "there is no such resource", "path")
    too_large = Refused(413, f"the body is larger than {MAX_BODY} bytes", "body")
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise too_large
    return bytes(body)


CHANGES: list[tuple[str, type[Command], str]] = [
    ("/{endpoint_id}/event-types", ChangeWebhookEventTypes, "Change the event types heard"),
    ("/{endpoint_id}/disable", DisableWebhookEndpoint, "Disable an endpoint (with reason)"),
    ("/{endpoint_id}/enable", EnableWebhookEndpoint,
     "Enable an endpoint again (also one marked failing)"),
]
for _path, _type, _summary in CHANGES:
    command_route(router, _path, _type, (), _summary)


# -- presenting --------------------------------------------------------------------------


def _existing(services: Views, endpoint_id: UUID) -> dict[str, Any]:
    found = book.endpoint(services.store, str(endpoint_id))
    if found is None:
        raise NotFound("no webhook endpoint {endpoint_id}", field="endpoint_id",
                       endpoint_id=endpoint_id)
    return found


def _endpoint(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "event_types": json.loads(row["event_types"]),
            "days_before": json.loads(row["days_before"]), "enabled": bool(row["enabled"]),
            "failing": bool(row["failing"]), "secret_version": int(row["secret_version"])}


def _deliveries(services: Views, endpoint_id: UUID, status: str | None,
                cursor: str | None, limit: int) -> dict[str, Any]:
    rows = book.deliveries(services.store, str(endpoint_id), status=status,
                           before=_decode(cursor), limit=limit + 1)
    page, more = rows[:limit], len(rows) > limit
    attempts = book.attempts_of(services.store, [r["delivery_id"] for r in page])
    items = [{**{k: v for k, v in r.items() if k not in {"position", "ordinal"}},
              "attempts_log": attempts[r["delivery_id"]]} for r in page]
    last = page[-1] if page else None
    next_cursor = f"{last['position']}:{last['ordinal']}:{last['event_id']}" if (
        more and last) else None
    return {"items": items, "next_cursor": next_cursor}


def _decode(cursor: str | None) -> tuple[int, int, str] | None:
    if cursor is None:
        return None
    parts = cursor.split(":", 2)
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts[:2]):  # noqa: PLR2004
        raise InvalidField(field="cursor", why="malformed cursor")
    position, ordinal = int(parts[0]), int(parts[1])
    if max(position, ordinal) > MAX_POSITION:  # the database's integers end there
        raise InvalidField(field="cursor", why="malformed cursor")
    return position, ordinal, parts[2]
