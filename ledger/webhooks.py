"""Outbound webhooks: which URLs want which events, under which secret version.

One event-sourced registry per installation (like the key ring), so registering an
endpoint, changing what it hears, rotating its secret, disabling it and its being marked
failing leave the same audit trail as any billing fact. No secret is ever recorded: a
signing secret is derived from the installation secret, the endpoint id and
``secret_version`` (outside ``ledger/``), so rotating is just a new version number.

What reaches an endpoint, and when, is not decided here: the outbox projection fans
events out to the endpoints subscribed at that point of the log, and the delivery worker
sends them. This module only knows the vocabulary of event types and the rules of the
registry.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import SplitResult, urlsplit
from uuid import NAMESPACE_URL, uuid5

from pydantic import BaseModel, ConfigDict, Field

from ledger.aggregate import LedgerAggregate, StateEvent
from ledger.errors import Conflict, InvalidField, NotFound
from ledger.events import GENESIS_HASH, EventMeta, LedgerCreated

if TYPE_CHECKING:
    from ledger.events import Provenance

WEBHOOK_REGISTRY_ID = uuid5(NAMESPACE_URL, "https://lbx.dev/webhook-registry")
MAX_URL_LENGTH = 2000
MAX_DAYS_BEFORE = 365
MAX_HOST_LENGTH = 253
MAX_ERROR_SUMMARY = 100
"""``WebhookEndpointFailing.last_error`` is a summary (``HTTP 500``, ``ConnectError``): what a
receiver answered is kept in the delivery log, never in the permanent event log."""


class WebhookEventType(StrEnum):
    """The kinds of event an endpoint can subscribe to (the envelope's ``type``)."""

    CUSTOMER_REGISTERED = "customer.registered"
    CUSTOMER_SUSPENDED = "customer.suspended"
    CUSTOMER_REACTIVATED = "customer.reactivated"
    CUSTOMER_CLOSED = "customer.closed"
    SUBSCRIPTION_STARTED = "subscription.started"
    SUBSCRIPTION_CANCELLED = "subscription.cancelled"
    INVOICE_ISSUED = "invoice.issued"
    INVOICE_VOIDED = "invoice.voided"
    PAYMENT_RECEIVED = "payment.received"
    PAYMENT_REFUNDED = "payment.refunded"
    DEBT_OVERDUE = "debt.overdue"
    DEBT_WRITTEN_OFF = "debt.written_off"
    TARIFF_PUBLISHED = "tariff.published"
    RENEWAL_UPCOMING = "renewal.upcoming"
    CONTRACT_ENDING = "contract.ending"


TIME_BASED = frozenset({WebhookEventType.RENEWAL_UPCOMING, WebhookEventType.CONTRACT_ENDING})
"""Types produced by the daily scan of the renewal calendar (``days_before`` applies)."""
PING = "webhook.ping"
"""Sent once to every newly registered endpoint, whatever it subscribed to."""


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a valid host and port, no credentials.

    Raises:
        InvalidField: it is not (names the field ``url``).
    """
    parts = urlsplit(url)
    why = None
    if len(url) > MAX_URL_LENGTH:
        why = "at most {most} characters"
    elif parts.scheme not in {"http", "https"}:
        why = "must be an http:// or https:// URL"
    elif not parts.hostname:
        why = "must name a host"
    elif parts.username or parts.password:
        why = "must not carry credentials; the signature authenticates LBX"
    elif any(c.isspace() for c in url):
        why = "must not contain spaces"
    else:
        why = _host_problem(parts.hostname) or _port_problem(parts)
    if why:
        raise InvalidField(field="url", why=why, most=MAX_URL_LENGTH)
    return url


def _host_problem(host: str) -> str | None:
    """Why ``host`` is no host name an HTTP client can connect to, or None."""
    if literal_address(host) is not None:
        return None
    try:
        encoded = host.encode("idna")
    except UnicodeError:
        return "the host is not a valid host name"
    if len(encoded) > MAX_HOST_LENGTH or not all(encoded.split(b".")[:-1]) or any(
            not label.replace(b"-", b"").replace(b"_", b"").isalnum()
            for label in encoded.rstrip(b".").split(b".")):
        return "the host is not a valid host name"
    return None


def _port_problem(parts: SplitResult) -> str | None:
    try:
        port = parts.port
    except ValueError:
        return "the port must be a number from 1 to 65535"
    if port == 0:
        return "the port must be a number from 1 to 65535"
    return None


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address ``host`` spells out (``10.0.0.1``, ``::1``), or None for a name.

    The resolver reads IPv4 in more spellings than the dotted quad (``inet_aton``):
    ``2130706433``, ``127.1``, ``0x7f.0.0.1``, ``0177.0.0.1`` and ``0`` all connect to a
    loopback or unspecified address. They count as addresses here too, so that a check of
    the URL agrees with where a connection would go.
    """
    bare = host.split("%", 1)[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        return _numeric_ipv4(bare)


_NUMBER = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
_LAST_PART_BITS = {1: 32, 2: 24, 3: 16, 4: 8}
"""``inet_aton``: the last of n parts fills the bits the parts before it (a byte each) leave."""


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address of an ``inet_aton`` spelling (hex, octal, fewer parts), or None."""
    parts = host.removesuffix(".").split(".")
    if len(parts) > len(_LAST_PART_BITS) or not all(_NUMBER.fullmatch(p) for p in parts):
        return None
    values = [int(p[2:] or "0", 16) if p[1:2] in {"x", "X"} else int(p, 8) if p[:1] == "0"
              else int(p) for p in parts]
    last_bits = _LAST_PART_BITS[len(values)]
    if any(v > 0xFF for v in values[:-1]) or values[-1] >= 1 << last_bits:  # noqa: PLR2004
        return None
    number = values[-1]
    for shift, value in enumerate(reversed(values[:-1])):
        number |= value << (last_bits + 8 * shift)
    return ipaddress.IPv4Address(number)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether LBX may send to ``address``: not loopback, private, link-local or reserved."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
        or address.is_loopback or address.is_link_local or address.is_private)


class WebhookEndpoint(BaseModel):
    """One registered endpoint (without any secret)."""

    model_config = ConfigDict(extra="forbid")

    endpoint_id: str
    url: str
    event_types: list[WebhookEventType]
    days_before: list[int]
    description: str = ""
    secret_version: int = 1
    enabled: bool = True
    failing: bool = False
    registered_on: date


class WebhookRegistryState(BaseModel):
    """Every endpoint ever registered."""

    model_config = ConfigDict(extra="forbid")

    endpoints: dict[str, WebhookEndpoint] = Field(default_factory=dict)


class WebhookRegistryOpened(LedgerCreated):
    """The webhook registry was created (once per installation)."""

    def apply(self, aggregate: Any) -> None:
        """Start with no endpoints."""
        aggregate.begin(WebhookRegistryState())
        aggregate.chain(self)


class WebhookEndpointRegistered(StateEvent):
    """An endpoint was registered for some event types; its secret is version 1."""

    endpoint_id: str
    url: str
    event_types: list[WebhookEventType]
    days_before: list[int]
    description: str = ""

    def change(self, state: WebhookRegistryState) -> None:
        """Add the endpoint."""
        state.endpoints[self.endpoint_id] = WebhookEndpoint(
            endpoint_id=self.endpoint_id, url=self.url, event_types=list(self.event_types),
            days_before=list(self.days_before), description=self.description,
            registered_on=self.meta.effective_date,
        )


class WebhookEventTypesChanged(StateEvent):
    """The endpoint hears other event types (or other day counts) from now on."""

    endpoint_id: str
    event_types: list[WebhookEventType]
    days_before: list[int]

    def change(self, state: WebhookRegistryState) -> None:
        """Replace the subscription."""
        endpoint = state.endpoints[self.endpoint_id]
        endpoint.event_types = list(self.event_types)
        endpoint.days_before = list(self.days_before)


class WebhookSecretRotated(StateEvent):
    """Deliveries are signed with a new secret version from now on."""

    endpoint_id: str
    secret_version: int

    def change(self, state: WebhookRegistryState) -> None:
        """Move to the new version."""
        state.endpoints[self.endpoint_id].secret_version = self.secret_version


class WebhookEndpointDisabled(StateEvent):
    """An admin stopped deliveries to the endpoint (the reason is in ``meta.reason``)."""

    endpoint_id: str

    def change(self, state: WebhookRegistryState) -> None:
        """Stop it."""
        state.endpoints[self.endpoint_id].enabled = False


class WebhookEndpointEnabled(StateEvent):
    """An admin (re-)enabled the endpoint; its failed deliveries are queued again."""

    endpoint_id: str

    def change(self, state: WebhookRegistryState) -> None:
        """Start it, and forget that it was failing."""
        endpoint = state.endpoints[self.endpoint_id]
        endpoint.enabled = True
        endpoint.failing = False


class WebhookEndpointFailing(StateEvent):
    """A delivery kept failing for the whole retry period: deliveries pause until enabled."""

    endpoint_id: str
    delivery_id: str
    attempts: int
    last_error: str

    def change(self, state: WebhookRegistryState) -> None:
        """Mark the endpoint failing."""
        state.endpoints[self.endpoint_id].failing = True


class WebhookDeliveryResent(StateEvent):
    """An admin asked for one delivery to be sent again (a fresh series of attempts)."""

    endpoint_id: str
    delivery_id: str

    def change(self, state: WebhookRegistryState) -> None:
        """Nothing in the registry changes; the outbox acts on it."""


def _check_subscription(event_types: list[WebhookEventType], days_before: list[int]) -> None:
    if not event_types:
        raise InvalidField(field="event_types", why="name at least one event type")
    if len(set(event_types)) != len(event_types):
        raise InvalidField(field="event_types", why="each event type once")
    if not days_before or any(not 1 <= d <= MAX_DAYS_BEFORE for d in days_before):
        raise InvalidField(field="days_before", why="one or more days from 1 to {most}",
                           most=MAX_DAYS_BEFORE)
    if len(set(days_before)) != len(days_before):
        raise InvalidField(field="days_before", why="each day count once")


class WebhookRegistry(LedgerAggregate[WebhookRegistryState]):
    """The installation's webhook endpoints."""

    state_class: ClassVar[type[WebhookRegistryState]] = WebhookRegistryState

    @classmethod
    def open(cls, provenance: Provenance, effective_date: date) -> WebhookRegistry:
        """Create the empty registry."""
        return cls._create(
            WebhookRegistryOpened, id=WEBHOOK_REGISTRY_ID, timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, effective_date, None), prev_hash=GENESIS_HASH,
        )

    def endpoint(self, endpoint_id: str) -> WebhookEndpoint:
        """One endpoint.

        Raises:
            NotFound: no endpoint has this id.
        """
        found = self.state.endpoints.get(endpoint_id)
        if found is None:
            raise NotFound("no webhook endpoint {endpoint_id}", field="endpoint_id",
                           endpoint_id=endpoint_id)
        return found

    def register(
        self, provenance: Provenance, effective_date: date, *, endpoint_id: str, url: str,
        event_types: list[WebhookEventType], days_before: list[int], description: str = "",
    ) -> None:
        """Register an endpoint; the caller derives and shows its version-1 secret."""
        if endpoint_id in self.state.endpoints:
            raise Conflict("webhook endpoint {endpoint_id} already exists", field="endpoint_id",
                           endpoint_id=endpoint_id)
        _check_subscription(event_types, days_before)
        self.record(
            WebhookEndpointRegistered, provenance, effective_date,
            endpoint_id=endpoint_id, url=check_url(url), event_types=list(event_types),
            days_before=sorted(days_before), description=description,
        )

    def change_event_types(
        self, provenance: Provenance, effective_date: date, endpoint_id: str,
        event_types: list[WebhookEventType], days_before: list[int] | None = None,
    ) -> bool:
        """Change what the endpoint hears; return False when nothing changes.

        ``days_before`` None keeps the endpoint's day counts.
        """
        endpoint = self.endpoint(endpoint_id)
        if days_before is None:
            days_before = list(endpoint.days_before)
        _check_subscription(event_types, days_before)
        if set(endpoint.event_types) == set(event_types) and endpoint.days_before == sorted(
                days_before):
            return False
        self.record(
            WebhookEventTypesChanged, provenance, effective_date,
            endpoint_id=endpoint_id, event_types=list(event_types),
            days_before=sorted(days_before),
        )
        return True

    def rotate_secret(self, provenance: Provenance, effective_date: date, endpoint_id: str) -> int:
        """Move the endpoint to its next secret version and return that version."""
        version = self.endpoint(endpoint_id).secret_version + 1
        self.record(WebhookSecretRotated, provenance, effective_date,
                    endpoint_id=endpoint_id, secret_version=version)
        return version

    def disable(
        self, provenance: Provenance, effective_date: date, endpoint_id: str, reason: str
    ) -> bool:
        """Stop deliveries; return False if the endpoint was already disabled."""
        if not self.endpoint(endpoint_id).enabled:
            return False
        self.record(WebhookEndpointDisabled, provenance, effective_date, reason,
                    endpoint_id=endpoint_id)
        return True

    def enable(self, provenance: Provenance, effective_date: date, endpoint_id: str) -> bool:
        """(Re-)enable; return False if it was enabled and not failing already."""
        endpoint = self.endpoint(endpoint_id)
        if endpoint.enabled and not endpoint.failing:
            return False
        self.record(WebhookEndpointEnabled, provenance, effective_date, endpoint_id=endpoint_id)
        return True

    def mark_failing(
        self, provenance: Provenance, effective_date: date, endpoint_id: str, *,
        delivery_id: str, attempts: int, last_error: str,
    ) -> bool:
        """Record that a delivery gave up; return False if the endpoint was failing already."""
        if self.endpoint(endpoint_id).failing:
            return False
        self.record(
            WebhookEndpointFailing, provenance, effective_date,
            endpoint_id=endpoint_id, delivery_id=delivery_id, attempts=attempts,
            last_error=last_error[:MAX_ERROR_SUMMARY],
        )
        return True

    def resend(
        self, provenance: Provenance, effective_date: date, endpoint_id: str, delivery_id: str
    ) -> None:
        """Ask for one delivery of the endpoint to be sent again."""
        self.endpoint(endpoint_id)
        self.record(WebhookDeliveryResent, provenance, effective_date,
                    endpoint_id=endpoint_id, delivery_id=delivery_id)
