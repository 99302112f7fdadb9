"""Declaring a command endpoint: path fields + strict body + Idempotency-Key + roles → outcome.

Every command route works the same way, so they are declared from a table instead of being
written out one by one. Path parameters (``{customer_id}``, ``{subscription_id}``, ...) fill
the command fields of the same name; the body carries the rest, strictly. A new outcome
answers 201; a retry under the same key answers 200 with the original outcome and
``Idempotent-Replayed: true``; the same key with a different body answers 409.
"""

# No ``from __future__ import annotations``: endpoint signatures are built at runtime and
# FastAPI must see their parameter types as real objects.

import inspect
import re
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Header, Response

from api.auth import Principal, require, roles_extra
from api.bodies import body_of
from api.bootstrap import Services
from api.deps import ServicesDep
from api.errors import COMMAND_PROBLEMS
from api.examples import EXAMPLES
from commands.base import Command, Context, Outcome
from commands.dispatch import dispatch
from ledger.access import Role

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key", min_length=1, max_length=200,
        description="A client-chosen key; a retry with the same key never acts twice.",
    ),
]
_PATH_FIELD = re.compile(r"{(\w+)}")


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


ServerFields = Callable[[Services, str], dict[str, Any]]
"""Fields the server fills when the body leaves them out, from the services and the key."""


def command_route(
    router: APIRouter, path: str, command_type: type[Command], roles: tuple[Role, ...],
    summary: str, *, server_fields: ServerFields | None = None,
) -> None:
    """Add ``POST path`` that runs ``command_type`` for callers with one of ``roles``."""
    path_fields = _PATH_FIELD.findall(path)
    body_model = body_of(command_type, tuple(path_fields))

    def endpoint(**kwargs: Any) -> Outcome:
        body = kwargs.pop("body")
        fields: dict[str, Any] = body.model_dump(exclude_unset=True)
        fields.update({name: kwargs[name] for name in path_fields})
        if server_fields is not None:
            fields = {**server_fields(kwargs["services"], kwargs["key"]), **fields}
        command = command_type(**fields)
        return run(kwargs["services"], kwargs["principal"], kwargs["key"], command,
                   kwargs["response"])

    parameters = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                          annotation=UUID if name == "customer_id" else str)
        for name in path_fields
    ] + [
        inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY,
                          annotation=Annotated[body_model, Body()]),
        inspect.Parameter("key", inspect.Parameter.KEYWORD_ONLY, annotation=IdempotencyKey),
        inspect.Parameter("services", inspect.Parameter.KEYWORD_ONLY, annotation=ServicesDep),
        inspect.Parameter("response", inspect.Parameter.KEYWORD_ONLY, annotation=Response),
        inspect.Parameter("principal", inspect.Parameter.KEYWORD_ONLY,
                          annotation=Annotated[Principal, Depends(require(*roles))]),
    ]
    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=Outcome)  # type: ignore[attr-defined]
    endpoint.__name__ = command_type.__name__
    router.add_api_route(
        path, endpoint, methods=["POST"], status_code=201, response_model=Outcome,
        summary=summary, description=command_type.__doc__, responses=COMMAND_PROBLEMS,
        openapi_extra=_openapi_extra(command_type, roles),
    )


def _openapi_extra(command_type: type[Command], roles: tuple[Role, ...]) -> dict[str, Any]:
    """The roles, and the body's example where there is one (see ``api/examples.py``)."""
    extra: dict[str, Any] = dict(roles_extra(*roles))
    example = EXAMPLES.get(command_type.__name__)
    if example is not None:
        extra["requestBody"] = {"content": {"application/json": {"example": example}}}
    return extra
