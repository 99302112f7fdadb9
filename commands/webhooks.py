"""Webhook endpoints: register, change, rotate, disable, enable, mark failing, re-send.

All of them change the installation's one :class:`WebhookRegistry` (admins only over
HTTP; ``MarkWebhookEndpointFailing`` comes from the delivery worker). No secret passes
through a command: the outcome carries the endpoint id and secret version, from which
the API derives the signing secret to show once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, Field

from commands.base import Command, Reason, Text
from commands.unit_of_work import execute
from ledger.errors import InvalidField, NotFound
from ledger.webhooks import (
    MAX_DAYS_BEFORE,
    MAX_URL_LENGTH,
    WEBHOOK_REGISTRY_ID,
    WebhookEventType,
    WebhookRegistry,
    check_url,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


def _url(value: str) -> str:
    try:
        return check_url(value)
    except InvalidField as error:  # a ValueError, so the refusal names the field ``url``
        raise ValueError(error.detail) from None


WebhookUrl = Annotated[str, Field(min_length=8, max_length=MAX_URL_LENGTH),
                       AfterValidator(_url)]
EventTypes = Annotated[list[WebhookEventType], Field(min_length=1, max_length=32)]
DaysBefore = Annotated[list[Annotated[int, Field(ge=1, le=MAX_DAYS_BEFORE)]],
                       Field(min_length=1, max_length=10)]


class RegisterWebhookEndpoint(Command):
    """Register a URL for some event types; the answer shows its signing secret once.

    ``days_before`` applies to ``renewal.upcoming`` and ``contract.ending``: one
    notification per subscription and date for each day count.
    """

    url: WebhookUrl
    event_types: EventTypes
    days_before: DaysBefore = Field(default_factory=lambda: [7])
    description: Annotated[str, Field(max_length=500)] = ""


class ChangeWebhookEventTypes(Command):
    """Change which event types (and day counts) an endpoint hears from now on.

    Without ``days_before`` the endpoint keeps its day counts.
    """

    endpoint_id: UUID
    event_types: EventTypes
    days_before: DaysBefore | None = None


class RotateWebhookSecret(Command):
    """Sign with a new secret from now on; the answer shows it once."""

    endpoint_id: UUID


class DisableWebhookEndpoint(Command):
    """Stop deliveries to an endpoint, saying why; what is queued waits for re-enabling."""

    endpoint_id: UUID
    reason: Reason


class EnableWebhookEndpoint(Command):
    """Re-enable an endpoint (also one marked failing): its failed deliveries go again."""

    endpoint_id: UUID


class ResendWebhookDelivery(Command):
    """Send one delivery again, with a fresh series of attempts (same event id)."""

    endpoint_id: UUID
    delivery_id: UUID


class MarkWebhookEndpointFailing(Command):
    """A delivery gave up after the whole retry period: pause the endpoint."""

    endpoint_id: UUID
    delivery_id: UUID
    attempts: Annotated[int, Field(ge=1)]
    last_error: Text


def endpoint_id_for(context: Context) -> str:
    """The id a registration under this context's key gets (a retry derives it again)."""
    return context.derive_id(WEBHOOK_REGISTRY_ID, "webhook")


def _change(
    runtime: Runtime, context: Context, command: Command,
    act: Callable[[WebhookRegistry, Provenance], dict[str, Any]],
) -> Outcome:
    def decide(provenance: Provenance) -> Decision:
        try:
            registry = runtime.ledger.load(WEBHOOK_REGISTRY_ID, WebhookRegistry)
        except NotFound:
            if not isinstance(command, RegisterWebhookEndpoint):
                raise NotFound("no webhook endpoints are registered", field="endpoint_id") from None
            registry = WebhookRegistry.open(provenance, _today(runtime, context))
        return [registry], act(registry, provenance)

    return execute(runtime, context, command, WEBHOOK_REGISTRY_ID, decide)


def _today(runtime: Runtime, context: Context) -> date:
    return context.effective_date or runtime.clock.today()


def handle_register(
    command: RegisterWebhookEndpoint, context: Context, runtime: Runtime
) -> Outcome:
    """Register the endpoint (secret version 1)."""
    endpoint_id = endpoint_id_for(context)

    def act(registry: WebhookRegistry, provenance: Provenance) -> dict[str, Any]:
        registry.register(
            provenance, _today(runtime, context), endpoint_id=endpoint_id, url=command.url,
            event_types=list(command.event_types), days_before=list(command.days_before),
            description=command.description,
        )
        return {"endpoint_id": endpoint_id, "secret_version": 1}

    return _change(runtime, context, command, act)


def handle_change(command: ChangeWebhookEventTypes, context: Context, runtime: Runtime) -> Outcome:
    """Replace the endpoint's event types."""

    def act(registry: WebhookRegistry, provenance: Provenance) -> dict[str, Any]:
        changed = registry.change_event_types(
            provenance, _today(runtime, context), str(command.endpoint_id),
            list(command.event_types),
            None if command.days_before is None else list(command.days_before))
        return {"endpoint_id": str(command.endpoint_id), "changed": changed}

    return _change(runtime, context, command, act)


def handle_rotate(command: RotateWebhookSecret, context: Context, runtime: Runtime) -> Outcome:
    """Move to the next secret version."""

    def act(registry: WebhookRegistry, provenance: Provenance) -> dict[str, Any]:
        version = registry.rotate_secret(provenance, _today(runtime, context),
                                         str(command.endpoint_id))
        return {"endpoint_id": str(command.endpoint_id), "secret_version": version}

    return _change(runtime, context, command, act)


def handle_disable(command: DisableWebhookEndpoint, context: Context, runtime: Runtime) -> Outcome:
    """Disable the endpoint."""

    def act(registry: WebhookRegistry, provenance: Provenance) -> dict[str, Any]:
        changed = registry.disable(provenance, _today(runtime, context),
                                   str(command.endpoint_id), command.reason)
        return {"endpoint_id": str(command.endpoint_id), "disabled": changed}

    return _change(runtime, context, command, act)


def handle_enable(command: EnableWebhookEndpoint, context: Context, runtime: Runtime) -> Outcome:
    """Enable the endpoint."""

    def act(registry: WebhookRegistry, provenance: Provenance) -> dict[str, Any]:
        changed = registry.enable(provenance, _today(runtime, context), str(command.endpoint_id))
        return {"endpoint_id": str(command.endpoint_id), "enabled": changed}

    return _change(runtime, context, command, act)


def handle_resend(command: ResendWebhookDelivery, context: Context, runtime: Runtime) -> Outcome:
    """Queue the delivery again (the API has checked that it exists)."""

    def act(registry: WebhookRegistry, provenance: Provenance) -> dict[str, Any]:
        registry.resend(provenance, _today(runtime, context), str(command.endpoint_id),
                        str(command.delivery_id))
        return {"endpoint_id": str(command.endpoint_id), "delivery_id": str(command.delivery_id)}

    return _change(runtime, context, command, act)


def handle_mark_failing(
    command: MarkWebhookEndpointFailing, context: Context, runtime: Runtime
) -> Outcome:
    """Mark the endpoint failing (once; a repeat changes nothing)."""

    def act(registry: WebhookRegistry, provenance: Provenance) -> dict[str, Any]:
        changed = registry.mark_failing(
            provenance, _today(runtime, context), str(command.endpoint_id),
            delivery_id=str(command.delivery_id), attempts=command.attempts,
            last_error=command.last_error)
        return {"endpoint_id": str(command.endpoint_id), "failing": changed}

    return _change(runtime, context, command, act)
