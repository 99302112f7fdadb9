"""T-Bank (Tinkoff) internet-acquiring notifications: a payment changed status.

Authenticity: the ``Token`` field is the hex SHA-256 of the concatenated values of the
root-level scalar fields (not ``Token``, not nested objects or arrays), with the terminal
``Password`` added as a field, in order of the field names. Booleans count as ``true`` /
``false`` (as JSON writes them) and a JSON ``null`` as the empty string. A wrong token or a
``TerminalKey`` other than ours answers 401 and writes nothing.

Which notifications record a payment: ``Status == "CONFIRMED"`` with ``Success`` true,
i.e. money taken. Every other status (``AUTHORIZED``, ``REJECTED``, ``REFUNDED``, ...) is
acknowledged with ``OK`` and writes nothing. ``Amount`` is an integer number of kopecks;
the notification carries no currency, and a T-Bank terminal settles in roubles, so RUB.

Customer: ``DATA.customer`` (the ``DATA`` object we passed to ``Init``) when present, else
``OrderId`` up to its first ``:`` (``<external key>`` or ``<external key>:<order>``).
``DATA`` is outside the token; it is trusted because the token still binds the payment
id, amount and order, and notifications arrive over TLS from T-Bank.

Unknown customer: 404 problem+json, logged. T-Bank keeps retrying a notification that is
not answered ``OK``, which gives the accountant time to register the customer; the retry
that follows records the payment.

Retries: the idempotency key is ``tbank:<PaymentId>:CONFIRMED``; a repeated notification
answers ``OK`` again and records nothing twice.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any

from fastapi.responses import PlainTextResponse

from api.gateways.common import (
    GatewayPayment,
    GatewaySettings,
    Recording,
    json_object_of,
    malformed,
    not_configured,
    record_payment,
    transaction_id,
    unauthenticated,
    unknown_customer,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from api.bootstrap import Services

log = logging.getLogger(__name__)

GATEWAY = "tbank"
CONFIRMED = "CONFIRMED"


def _token_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def token_of(params: Mapping[str, Any], password: str) -> str:
    """The ``Token`` T-Bank computes for ``params`` with the terminal's ``password``."""
    scalars = {
        key: value for key, value in params.items()
        if key != "Token" and not isinstance(value, dict | list)
    }
    scalars["Password"] = password
    joined = "".join(_token_text(scalars[key]) for key in sorted(scalars))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def authentic(params: Mapping[str, Any], terminal_key: str, password: str) -> bool:
    """True when the notification is for our terminal and its token is right."""
    token = params.get("Token")
    if not isinstance(token, str) or params.get("TerminalKey") != terminal_key:
        return False
    return hmac.compare_digest(token.lower().encode(), token_of(params, password).encode())


def kopecks_to_text(value: Any) -> str:
    """An integer number of kopecks as an exact decimal string (``150050`` → ``1500.50``)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise malformed(f"Amount {value!r} is not a whole number of kopecks", field="Amount")
    return f"{value // 100}.{value % 100:02d}"


def external_key_of(params: Mapping[str, Any]) -> str:
    """Our customer's external key: ``OrderId`` before any ``:``.

    Only signed fields decide whose money it is: ``DATA`` is not covered by the token, so a
    replayed notification with another ``DATA.customer`` must not book it elsewhere.
    """
    order = params.get("OrderId")
    return str(order).split(":", 1)[0].strip() if isinstance(order, str | int) else ""


def payment_of(params: Mapping[str, Any]) -> GatewayPayment:
    """The payment a ``CONFIRMED`` notification reports."""
    payment = transaction_id(params, "PaymentId")
    return GatewayPayment(
        gateway=GATEWAY,
        transaction_id=payment,
        external_key=external_key_of(params),
        amount=kopecks_to_text(params.get("Amount")),
        currency="RUB",
        reference=f"T-Bank {payment}",
        method="card" if params.get("Pan") else "online",
        idempotency_key=f"{GATEWAY}:{payment}:{CONFIRMED}",
    )


def confirmed(params: Mapping[str, Any]) -> bool:
    """True for the one notification that means money was taken: CONFIRMED and Success."""
    success = params.get("Success")
    return params.get("Status") == CONFIRMED and (success is True or success == "true")


def handle_notification(body: bytes, services: Services) -> PlainTextResponse:
    """Answer one notification (see the module docstring for every case).

    Raises:
        Refused: not configured (503), not authentic (401), unreadable (422), unknown
            customer (404).
    """
    settings = GatewaySettings.from_env()
    if settings.tbank_terminal_key is None or settings.tbank_password is None:
        raise not_configured(GATEWAY, "LBX_TBANK_TERMINAL_KEY", "LBX_TBANK_PASSWORD")
    params = json_object_of(body)
    if not authentic(params, settings.tbank_terminal_key, settings.tbank_password):
        raise unauthenticated("Token or TerminalKey does not match")
    if not confirmed(params):
        log.info("tbank %s with status %s: acknowledged, nothing recorded",
                 params.get("PaymentId"), params.get("Status"))
        return PlainTextResponse("OK")
    payment = payment_of(params)
    if record_payment(services, payment) is Recording.UNKNOWN_CUSTOMER:
        raise unknown_customer(GATEWAY, payment.external_key)
    return PlainTextResponse("OK")
