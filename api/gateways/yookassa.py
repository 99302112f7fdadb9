"""YooKassa notifications: ``payment.succeeded`` and the other events of a payment.

Authenticity: YooKassa signs nothing. A notification is believed only if (1) it comes
from one of YooKassa's networks (``LBX_YOOKASSA_ALLOWED_NETWORKS``, by default the
published ranges) and (2) YooKassa's own API, asked again for the payment
(``GET /v3/payments/{id}``), says the same thing: status ``succeeded`` with the same
amount and currency. The source address is the TCP peer; the leftmost
``X-Forwarded-For`` address is used instead only when ``LBX_TRUST_FORWARDED_FOR=1``,
because anyone can write that header unless a trusted proxy sets it. A source outside
the networks answers 401; a re-check that disagrees answers 409; neither writes anything.

The re-check is injectable: ``app.state.yookassa_verify`` (a callable taking the payment
id and returning the payment object, or None if YooKassa does not know it) when set,
else :class:`YooKassaApi` with ``LBX_YOOKASSA_SHOP_ID`` / ``LBX_YOOKASSA_SECRET_KEY``.
Without either the gateway is not configured (503).

Which notifications record a payment: event ``payment.succeeded`` only. Other events
(``payment.waiting_for_capture``, ``payment.canceled``, ``refund.succeeded``, ...) are
acknowledged with 200 ``{}`` and write nothing.

Customer: ``object.metadata.customer``, the external key we put in the payment's
metadata. Unknown customer: 404 problem+json, logged; YooKassa keeps retrying for a while,
which gives the accountant time to register the customer.

Retries: the idempotency key is ``yookassa:<payment id>``; a repeated notification
answers 200 ``{}`` again and records nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from fastapi.responses import JSONResponse

from api.gateways.common import (
    GatewayPayment,
    GatewaySettings,
    Recording,
    Refused,
    business_date,
    json_object_of,
    malformed,
    not_configured,
    record_payment,
    required_text,
    transaction_id,
    unauthenticated,
    unknown_customer,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from api.bootstrap import Services

    VerifyPayment = Callable[[str], dict[str, Any] | None]

log = logging.getLogger(__name__)

GATEWAY = "yookassa"
API_URL = "https://api.yookassa.ru/v3"
SUCCEEDED = "payment.succeeded"
Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network


def allowed_networks(text: str) -> tuple[Network, ...]:
    """Parse the comma-separated allow-list; a bad entry means a misconfigured gateway."""
    try:
        return tuple(ip_network(part.strip()) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise not_configured(GATEWAY, f"a valid LBX_YOOKASSA_ALLOWED_NETWORKS ({error})") from None


def client_address(peer: str | None, forwarded_for: str | None, *, trust: bool) -> Address | None:
    """The notification's source: the peer, or the address our trusted proxy appended.

    A proxy appends the address it saw to ``X-Forwarded-For``, so only the rightmost entry is
    the proxy's word; the entries before it are whatever the client sent.
    """
    candidate = peer
    if trust and forwarded_for:
        candidate = forwarded_for.rsplit(",", 1)[-1].strip()
    try:
        address = ip_address(candidate or "")
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d
    return address


@dataclass(frozen=True)
class YooKassaApi:
    """The production re-check: ``GET /v3/payments/{id}`` with the shop's credentials."""

    shop_id: str
    secret_key: str = field(repr=False)
    base_url: str = API_URL
    timeout: float = 10.0

    def __call__(self, payment_id: str) -> dict[str, Any] | None:
        """The payment as YooKassa holds it, or None if YooKassa does not know it.

        Raises:
            Refused: YooKassa could not be asked (502); the notification will come again.
        """
        import httpx  # noqa: PLC0415  (only the production re-check needs it)

        url = f"{self.base_url}/payments/{quote(payment_id, safe='')}"
        try:
            response = httpx.get(url, auth=(self.shop_id, self.secret_key),
                                 timeout=self.timeout)
            if response.status_code == 404:  # noqa: PLR2004
                return None
            response.raise_for_status()
            payment = response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("yookassa re-check of %s failed: %s", payment_id, error)
            raise Refused(502, "Gateway unavailable",
                          "YooKassa could not confirm the payment; try again later") from None
        return payment if isinstance(payment, dict) else None


def verifier(injected: object, settings: GatewaySettings) -> VerifyPayment:
    """The re-check to use: the injected one, else the real API, else not configured."""
    if callable(injected):
        return cast("VerifyPayment", injected)  # its contract: see the module docstring
    if settings.yookassa_shop_id and settings.yookassa_secret_key:
        return YooKassaApi(settings.yookassa_shop_id, settings.yookassa_secret_key)
    raise not_configured(GATEWAY, "LBX_YOOKASSA_SHOP_ID", "LBX_YOOKASSA_SECRET_KEY")


def _amount_of(payment: Mapping[str, Any]) -> tuple[str, str]:
    amount = payment.get("amount")
    if not isinstance(amount, dict):
        raise malformed("object.amount is missing", field="object.amount")
    return required_text(amount, "value"), required_text(amount, "currency").upper()


def disagreement(notified: Mapping[str, Any], fetched: Mapping[str, Any] | None) -> str | None:
    """Why YooKassa's own answer contradicts the notification, or None if it agrees."""
    if fetched is None:
        return "YooKassa does not know this payment"
    if fetched.get("status") != "succeeded":
        return f"YooKassa says the payment is {fetched.get('status')!r}, not 'succeeded'"
    value, currency = _amount_of(notified)
    try:
        their_value, their_currency = _amount_of(fetched)
        same = Decimal(their_value) == Decimal(value) and their_currency == currency
    except (Refused, InvalidOperation):
        same = False
    return None if same else "YooKassa reports another amount or currency"


def _method_of(payment: Mapping[str, Any]) -> str:
    method = payment.get("payment_method")
    kind = method.get("type") if isinstance(method, dict) else None
    if not isinstance(kind, str) or not kind:
        return "online"
    return "card" if kind == "bank_card" else kind[:50]


def payment_of(payment: Mapping[str, Any], services: Services) -> GatewayPayment:
    """The payment a ``payment.succeeded`` notification's ``object`` reports."""
    payment_id = transaction_id(payment, "id")
    value, currency = _amount_of(payment)
    metadata = payment.get("metadata")
    customer = metadata.get("customer") if isinstance(metadata, dict) else None
    instant = payment.get("captured_at") or payment.get("created_at")
    return GatewayPayment(
        gateway=GATEWAY,
        transaction_id=payment_id,
        external_key=customer.strip() if isinstance(customer, str) else "",
        amount=value,
        currency=currency,
        reference=f"YooKassa {payment_id}",
        method=_method_of(payment),
        received_on=business_date(instant if isinstance(instant, str) else None, services),
    )


def check_source(peer: str | None, forwarded_for: str | None, settings: GatewaySettings) -> None:
    """Refuse (401) a notification that does not come from YooKassa's networks."""
    networks = allowed_networks(settings.yookassa_allowed_networks)
    address = client_address(peer, forwarded_for, trust=settings.trust_forwarded_for)
    if address is None or not any(address in network for network in networks):
        log.warning("yookassa notification from %s refused", address or peer)
        raise unauthenticated("the notification does not come from YooKassa's networks")


def handle_notification(
    body: bytes, *, peer: str | None, forwarded_for: str | None, injected: object,
    services: Services,
) -> JSONResponse:
    """Answer one notification (see the module docstring for every case).

    Raises:
        Refused: not configured (503), wrong source (401), unreadable (422), re-check
            disagrees (409), re-check unavailable (502), unknown customer (404).
    """
    settings = GatewaySettings.from_env()
    verify = verifier(injected, settings)
    check_source(peer, forwarded_for, settings)
    notification = json_object_of(body)
    payment = notification.get("object")
    if notification.get("event") != SUCCEEDED:
        log.info("yookassa event %s: acknowledged, nothing recorded", notification.get("event"))
        return JSONResponse({})
    if not isinstance(payment, dict):
        raise malformed("object is missing", field="object")
    notified = payment_of(payment, services)
    fetched = verify(notified.transaction_id)
    why = disagreement(payment, fetched)
    if why is not None:
        log.warning("yookassa payment %s not recorded: %s", notified.transaction_id, why)
        raise Refused(409, "Payment not confirmed", why, field="object.status")
    assert fetched is not None  # noqa: S101  (disagreement() refuses a missing payment)
    recorded = payment_of(fetched, services)  # whose money it is: YooKassa's word, not the body's
    if record_payment(services, recorded) is Recording.UNKNOWN_CUSTOMER:
        raise unknown_customer(GATEWAY, recorded.external_key)
    return JSONResponse({})
