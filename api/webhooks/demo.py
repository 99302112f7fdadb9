"""A webhook endpoint for the demo company, pointing at the running LBX's test receiver.

The demo shows outbound webhooks end to end without a second service: the endpoint hears
every event type, and its delivery log (``GET /v1/webhooks/{endpoint_id}``) fills as the
worker delivers to ``/v1/webhooks/test-receiver/{endpoint_id}`` of the same LBX.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.webhooks.signing import secret_for
from commands.base import Context
from commands.dispatch import dispatch
from commands.webhooks import RegisterWebhookEndpoint, endpoint_id_for
from ledger.webhooks import WebhookEventType

if TYPE_CHECKING:
    from api.bootstrap import Services

DEMO_KEY = "demo/webhook/test-receiver"


def register_demo_webhook(services: Services, base_url: str) -> tuple[str, str]:
    """Register (once: a repeat is an idempotent replay) the demo's test endpoint.

    Returns the endpoint id and its signing secret.
    """
    context = Context(actor="demo", source="demo", idempotency_key=DEMO_KEY)
    endpoint_id = endpoint_id_for(context)
    url = f"{base_url.rstrip('/')}/v1/webhooks/test-receiver/{endpoint_id}"
    command = RegisterWebhookEndpoint(
        url=url, event_types=list(WebhookEventType), days_before=[7, 1],
        description="Demo: LBX's own test receiver")
    dispatch(command, context, services.runtime)
    return endpoint_id, secret_for(services.settings, endpoint_id, 1)
