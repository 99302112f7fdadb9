"""Commands over HTTP: POST with an ``Idempotency-Key`` header; the answer is the outcome.

A new outcome answers 201; a retry under the same key answers 200 with the original outcome
and ``Idempotent-Replayed: true``; the same key with a different body answers 409.
"""

# No ``from __future__ import annotations`` here: the endpoints are built in loops and
# FastAPI must see their parameter types (closed-over locals) as real objects.

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Header, Response

from api.auth import ACCOUNTANT, ADMIN, SERVICE, Principal, require, roles_extra
from api.bodies import body_of
from api.bootstrap import Services
from ledger.access import Role
from api.deps import ServicesDep
from commands.base import Command, Context, CustomerCommand, Outcome
from commands.close_customer import CloseCustomer
from commands.dispatch import dispatch
from commands.grant_discount import GrantDiscount
from commands.issue_api_key import IssueApiKey, RevokeApiKey
from commands.publish_tariff import PublishTariff
from commands.record_adjustment import RecordAdjustment
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from commands.register_customer import RegisterCustomer
from commands.start_subscription import StartSubscription
from commands.update_customer import UpdateCustomer

router = APIRouter(prefix="/v1", tags=["commands"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key", min_length=1, max_length=200,
        description="A client-chosen key; a retry with the same key never acts twice.",
    ),
]


def run(
    services: Services, principal: Principal, key: str, command: Command, response: Response
) -> Outcome:
    """Dispatch with the caller's context; mark replays."""
    context = Context(actor=principal.actor, source="api", idempotency_key=key)
    outcome = dispatch(command, context, services.runtime)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
        response.status_code = 200
    return outcome


def _customer_route(path: str, command_type: type[CustomerCommand], *roles: Role,
                    summary: str) -> None:
    body_model = body_of(command_type)

    def endpoint(
        customer_id: UUID,
        body: Annotated[body_model, Body()],  # type: ignore[valid-type]
        key: IdempotencyKey,
        services: ServicesDep,
        response: Response,
        principal: Annotated[Principal, Depends(require(*roles))],
    ) -> Outcome:
        fields: dict[str, Any] = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        command = command_type(customer_id=customer_id, **fields)
        return run(services, principal, key, command, response)

    endpoint.__name__ = command_type.__name__
    router.add_api_route(
        f"/customers/{{customer_id}}/{path}", endpoint, methods=["POST"], status_code=201,
        response_model=Outcome, summary=summary, description=command_type.__doc__,
        openapi_extra=roles_extra(*roles),
    )


def _plain_route(path: str, command_type: type[Command], *roles: Role, summary: str) -> None:
    def endpoint(
        body: Annotated[command_type, Body()],  # type: ignore[valid-type]
        key: IdempotencyKey,
        services: ServicesDep,
        response: Response,
        principal: Annotated[Principal, Depends(require(*roles))],
    ) -> Outcome:
        return run(services, principal, key, body, response)

    endpoint.__name__ = command_type.__name__
    router.add_api_route(
        path, endpoint, methods=["POST"], status_code=201, response_model=Outcome,
        summary=summary, description=command_type.__doc__, openapi_extra=roles_extra(*roles),
    )


CUSTOMER_COMMANDS: list[tuple[str, type[CustomerCommand], tuple[Role, ...], str]] = [
    ("profile", UpdateCustomer, (SERVICE,), "Update a customer's profile"),
    ("subscriptions", StartSubscription, (SERVICE,), "Start a subscription"),
    ("charges", RecordCharge, (SERVICE,), "Record a one-off charge"),
    ("discounts", GrantDiscount, (SERVICE, ACCOUNTANT), "Grant a discount"),
    ("payments", RecordPayment, (SERVICE, ACCOUNTANT), "Record a payment"),
    ("adjustments", RecordAdjustment, (ACCOUNTANT,), "Record a manual adjustment (with reason)"),
    ("close", CloseCustomer, (SERVICE,), "Close a customer"),
]
PLAIN_COMMANDS: list[tuple[str, type[Command], tuple[Role, ...], str]] = [
    ("/customers", RegisterCustomer, (SERVICE,), "Register a customer"),
    ("/tariffs", PublishTariff, (ADMIN,), "Publish a tariff or a new version of it"),
    ("/keys", IssueApiKey, (ADMIN,), "Issue an API key (the token is shown once)"),
    ("/keys/revocations", RevokeApiKey, (ADMIN,), "Revoke an API key"),
]

for _path, _type, _roles, _summary in CUSTOMER_COMMANDS:
    _customer_route(_path, _type, *_roles, summary=_summary)
for _path, _ptype, _roles, _summary in PLAIN_COMMANDS:
    _plain_route(_path, _ptype, *_roles, summary=_summary)

