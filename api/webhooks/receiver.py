"""The built-in test receiver: LBX receiving its own webhooks, as a receiver should.

Register an endpoint whose URL points at ``/v1/webhooks/test-receiver/{endpoint_id}`` of
a running LBX, and every delivery comes back here: the signature and timestamp are
checked exactly as the documented recipe says, and what arrived authentic (first time or
duplicate by event id) is kept for ``GET /v1/webhooks/{endpoint_id}/received``. So the
whole path (outbox, worker, signing, retries, delivery log) can be seen working without a
second service.

It takes writes without an API key, so it is served only when ``LBX_WEBHOOK_TEST_RECEIVER``
is on (the demo turns it on), keeps nothing that is not signed, and reads at most
:data:`MAX_BODY` bytes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from api.webhooks.signing import secret_for, verify
from projections import webhook_deliveries
from projections.outbox import instant

if TYPE_CHECKING:
    from collections.abc import Mapping

    from api.bootstrap import Services


MAX_BODY = 1024 * 1024
"""The largest delivery the test receiver reads (LBX's envelopes are far smaller)."""


class Refused(Exception):
    """Raised when a delivery is not authentic (or not for a known endpoint)."""

    def __init__(self, status: int, detail: str, field: str) -> None:
        super().__init__(detail)
        self.status, self.detail, self.field = status, detail, field


def accept(services: Services, endpoint_id: str, headers: Mapping[str, str],
           body: bytes) -> dict[str, Any]:
    """Check one delivery and keep it; return what was recorded.

    Raises:
        Refused: 404 when the receiver is off or the endpoint unknown; 401 for a bad or
            stale signature (nothing is kept); 400 for a body that is not an envelope.
    """
    if not services.settings.webhook_test_receiver:
        raise Refused(404, "there is no such resource", "path")
    endpoint = webhook_deliveries.endpoint(services.store, endpoint_id)
    if endpoint is None:
        raise Refused(404, f"no webhook endpoint {endpoint_id}", "endpoint_id")
    secret = secret_for(services.settings, endpoint_id, int(endpoint["secret_version"]))
    now = services.runtime.clock.now()
    why = verify(secret, dict(headers), body, int(now.timestamp()))
    if why is not None:
        raise Refused(401, why, "LBX-Signature")
    envelope = _envelope(body)
    row = {"received_id": str(uuid4()), "endpoint_id": endpoint_id,
           "event_id": envelope["id"], "type": envelope["type"], "received_at": instant(now),
           "body": body.decode("utf-8", errors="replace")[:20000]}
    duplicate = webhook_deliveries.receive(services.store, row)
    return {"event_id": row["event_id"], "type": row["type"], "duplicate": duplicate}


def _envelope(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        raise Refused(400, "the body is not JSON", "body") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("id"), str) or not isinstance(
            parsed.get("type"), str):
        raise Refused(400, "the body is not an LBX envelope (id, type)", "body")
    return parsed
