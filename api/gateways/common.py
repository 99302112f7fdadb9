"""What the gateways share: settings, refusals, and recording a payment exactly once.

Every gateway payment goes through the ordinary ``RecordPayment`` command, with source
``gateway``, actor ``gateway:<name>`` and an idempotency key made of the provider's own
payment id. Providers retry until they get their success answer, so a retry must find
the original outcome instead of a second payment; the command layer's idempotency
records give exactly that, on every backend.

A payment for a customer LBX does not know is not recorded: :func:`record_payment`
reports :attr:`Recording.UNKNOWN_CUSTOMER` and each gateway module decides, in its
docstring, what to answer its provider.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from api.errors import problem
from commands.base import Context, without_control_characters
from commands.dispatch import dispatch
from commands.record_payment import RecordPayment
from ledger.customers import customer_id_for
from ledger.errors import CustomerNotFound

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fastapi.responses import JSONResponse

    from api.bootstrap import Services

log = logging.getLogger(__name__)

YOOKASSA_NETWORKS = (
    "185.71.76.0/27,185.71.77.0/27,77.75.153.0/25,77.75.156.11/32,77.75.156.35/32,"
    "77.75.154.128/25,2a02:5180::/32"
)
"""YooKassa's published notification sources, used when no allow-list is configured."""

_TRANSACTION_ID = re.compile(r"^[\w.-]{1,64}$")
_PAYER_NAME_MAX = 300


@dataclass(frozen=True)
class GatewaySettings:
    """Gateway secrets and switches, read from the environment on every request.

    Read per request (not at start-up) so that a secret can be rotated by restarting
    nothing but the environment of the next worker, and so that tests can set them.
    An empty variable counts as unset.
    """

    cloudpayments_secret: str | None
    tbank_terminal_key: str | None
    tbank_password: str | None
    yookassa_allowed_networks: str
    yookassa_shop_id: str | None
    yookassa_secret_key: str | None
    trust_forwarded_for: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GatewaySettings:
        """Read the ``LBX_*`` gateway variables (from ``env`` if given, else the process)."""
        source = os.environ if env is None else env

        def get(name: str) -> str | None:
            return source.get(name, "").strip() or None

        return cls(
            cloudpayments_secret=get("LBX_CLOUDPAYMENTS_SECRET"),
            tbank_terminal_key=get("LBX_TBANK_TERMINAL_KEY"),
            tbank_password=get("LBX_TBANK_PASSWORD"),
            yookassa_allowed_networks=get("LBX_YOOKASSA_ALLOWED_NETWORKS") or YOOKASSA_NETWORKS,
            yookassa_shop_id=get("LBX_YOOKASSA_SHOP_ID"),
            yookassa_secret_key=get("LBX_YOOKASSA_SECRET_KEY"),
            trust_forwarded_for=get("LBX_TRUST_FORWARDED_FOR") in {"1", "true", "yes"},
        )


class Refused(Exception):
    """Raised when a notification is not accepted; carries the problem+json answer.

    Nothing has been written when this is raised.
    """

    def __init__(
        self, status: int, title: str, detail: str, *, field: str | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.field = field

    def response(self) -> JSONResponse:
        """The RFC 9457 answer to send back to the gateway."""
        return problem(self.status, self.title, self.detail, field=self.field)


def not_configured(gateway: str, *variables: str) -> Refused:
    """The 503 of a gateway whose secrets are not set (the provider will retry later)."""
    return Refused(503, "Gateway not configured",
                   f"gateway not configured: {gateway} needs {', '.join(variables)}")


def unauthenticated(detail: str) -> Refused:
    """The 401 of a notification that does not prove it comes from the gateway."""
    return Refused(401, "Unauthorized", detail)


def malformed(detail: str, field: str | None = None) -> Refused:
    """The 422 of an authentic notification that LBX cannot read."""
    return Refused(422, "Invalid notification", detail, field=field)


def unknown_customer(gateway: str, external_key: str) -> Refused:
    """The 404 of a payment for a customer not (yet) registered; the provider retries."""
    return Refused(404, "Customer not found",
                   f"no customer with external key {external_key!r}; the {gateway} payment "
                   "is not recorded until the customer is registered", field="customer")


def required_text(fields: Mapping[str, Any], name: str) -> str:
    """A field that must be present as a non-empty scalar, as text."""
    value = fields.get(name)
    if value is None or isinstance(value, bool | dict | list) or not str(value).strip():
        raise malformed(f"{name} is missing", field=name)
    return str(value).strip()


def transaction_id(fields: Mapping[str, Any], name: str) -> str:
    """The provider's payment id, checked to be a short plain token (it ends up in ids)."""
    value = required_text(fields, name)
    if not _TRANSACTION_ID.match(value):
        raise malformed(f"{name} {value!r} is not a plain id", field=name)
    return value


def json_object_of(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, with numbers kept exact (``Decimal``, never float)."""
    try:
        data = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as error:
        raise malformed(f"the body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise malformed("the JSON body is not an object")
    return data


def business_date(instant: str | None, services: Services) -> date | None:
    """The business day (in LBX's time zone) of a gateway timestamp; None if unreadable.

    A timestamp without a zone is UTC, as every one of the three providers sends them.
    None lets the command fall back to today, which is right for a live notification.
    """
    if not instant:
        return None
    try:
        moment = datetime.fromisoformat(instant.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(services.settings.timezone)).date()


@dataclass(frozen=True)
class GatewayPayment:
    """A payment a gateway reports as received, ready to record."""

    gateway: str
    transaction_id: str
    external_key: str
    amount: str
    currency: str
    reference: str
    method: str
    received_on: date | None = None
    payer_name: str | None = None
    idempotency_key: str | None = None

    @property
    def payment_id(self) -> str:
        """The ledger's payment id: ``<gateway>:<provider id>``, unique per provider."""
        return f"{self.gateway}:{self.transaction_id}"


class Recording(Enum):
    """What :func:`record_payment` did."""

    RECORDED = "recorded"
    REPLAYED = "replayed"
    UNKNOWN_CUSTOMER = "unknown customer"


def record_payment(services: Services, payment: GatewayPayment) -> Recording:
    """Record ``payment`` on its customer's book, once, however often the gateway retries.

    Raises:
        LedgerError: the payment breaks a ledger rule (wrong currency, reused key with a
            different payload); nothing was written. The app answers it as problem+json.
        pydantic.ValidationError: an amount or currency that is not acceptable (422).
    """
    if not payment.external_key:
        log.warning("%s payment %s names no customer; not recorded",
                    payment.gateway, payment.transaction_id)
        return Recording.UNKNOWN_CUSTOMER
    command = RecordPayment(
        customer_id=customer_id_for(payment.external_key), amount=payment.amount,
        currency=payment.currency, received_on=payment.received_on,
        payment_id=payment.payment_id, method=payment.method,
        # what the payer typed (a cardholder's name) is cleaned, never a reason to refuse
        reference=without_control_characters(payment.reference),
        payer_name=without_control_characters(payment.payer_name or "")[:_PAYER_NAME_MAX]
        or None,
    )
    context = Context(actor=f"gateway:{payment.gateway}", source="gateway",
                      idempotency_key=payment.idempotency_key or payment.payment_id)
    try:
        outcome = dispatch(command, context, services.runtime)
    except CustomerNotFound:
        log.warning("%s payment %s for unknown customer %r; not recorded",
                    payment.gateway, payment.transaction_id, payment.external_key)
        return Recording.UNKNOWN_CUSTOMER
    log.info("%s payment %s %s", payment.gateway, payment.transaction_id,
             "replayed" if outcome.replayed else "recorded")
    return Recording.REPLAYED if outcome.replayed else Recording.RECORDED
