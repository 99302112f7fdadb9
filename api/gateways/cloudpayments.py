"""CloudPayments ``Pay`` notifications: a card payment went through.

Authenticity: CloudPayments signs every notification with the API secret and sends
``base64(HMAC-SHA256(body, secret))`` in ``Content-HMAC`` (over the raw body as sent) and
in ``X-Content-HMAC`` (whose signed bytes differ in URL-encoding). Only the raw body is
ever compared, byte for byte, in constant time: a signature over a decoded form would
authenticate something other than the bytes LBX parses, and ``Content-HMAC`` always
matches the raw body anyway. A missing or wrong signature answers 401 and writes nothing.

Which notifications record a payment: ``Status == "Completed"``. A two-stage payment's
``Authorized`` notification (money held, not yet taken) is acknowledged without writing.

Unknown customer (``AccountId`` not registered, or absent): answered ``{"code": 13}``,
CloudPayments' documented refusal code, with HTTP 200, and logged as a warning. The brief
chose this over an HTTP error: an error would make CloudPayments retry a payment LBX
cannot place, while the code tells it the notification was seen and not applied. The
accountant records such a payment by hand from the warning (its ``TransactionId``).

Retries: the idempotency key is ``cloudpayments:<TransactionId>``, so a repeated
notification answers ``{"code": 0}`` again and records nothing twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse

from api.gateways.common import (
    GatewayPayment,
    GatewaySettings,
    Recording,
    business_date,
    json_object_of,
    malformed,
    not_configured,
    record_payment,
    required_text,
    transaction_id,
    unauthenticated,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from api.bootstrap import Services

log = logging.getLogger(__name__)

GATEWAY = "cloudpayments"
SIGNATURE_HEADERS = ("Content-HMAC", "X-Content-HMAC")
ACCEPTED = {"code": 0}
REJECTED = {"code": 13}


def signature_of(body: bytes, secret: str) -> str:
    """``base64(HMAC-SHA256(body, secret))``: what CloudPayments sends for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def authentic(body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """True when either signature header carries the raw body's HMAC."""
    expected = signature_of(body, secret).encode()
    return any(
        hmac.compare_digest(expected, headers.get(name, "").strip().encode())
        for name in SIGNATURE_HEADERS if headers.get(name)
    )


def _scalar_text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fields_of(body: bytes, content_type: str) -> dict[str, str]:
    """The notification's top-level fields as text, from JSON or a URL-encoded form.

    JSON numbers are read as ``Decimal`` so that an amount such as ``1500.00`` keeps its
    exact digits; nested objects (``Data``, ``CustomFields``) are not needed and dropped.
    """
    if "json" in content_type.lower():
        pairs = {key: _scalar_text(value) for key, value in json_object_of(body).items()}
        return {key: value for key, value in pairs.items() if value is not None}
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError) as error:
        raise malformed(f"the form cannot be read: {error}") from None


def payment_of(fields: Mapping[str, str], services: Services) -> GatewayPayment:
    """The payment a ``Pay`` notification reports."""
    transaction = transaction_id(fields, "TransactionId")
    return GatewayPayment(
        gateway=GATEWAY,
        transaction_id=transaction,
        external_key=fields.get("AccountId", "").strip(),
        amount=required_text(fields, "Amount"),
        currency=required_text(fields, "Currency").upper(),
        reference=f"CloudPayments {transaction}",
        method="card",
        received_on=business_date(fields.get("DateTime"), services),
        payer_name=fields.get("Name", "").strip() or None,
    )


def handle_pay(body: bytes, headers: Mapping[str, str], services: Services) -> JSONResponse:
    """Answer one ``Pay`` notification (see the module docstring for every case).

    Raises:
        Refused: not configured (503), not authentic (401), unreadable (422).
    """
    secret = GatewaySettings.from_env().cloudpayments_secret
    if secret is None:
        raise not_configured(GATEWAY, "LBX_CLOUDPAYMENTS_SECRET")
    if not authentic(body, headers, secret):
        raise unauthenticated("Content-HMAC does not match the body")
    fields = fields_of(body, headers.get("content-type", ""))
    status = required_text(fields, "Status")
    if status != "Completed":
        log.info("cloudpayments %s with status %s: acknowledged, nothing recorded",
                 fields.get("TransactionId"), status)
        return JSONResponse(ACCEPTED)
    recording = record_payment(services, payment_of(fields, services))
    return JSONResponse(REJECTED if recording is Recording.UNKNOWN_CUSTOMER else ACCEPTED)
