"""What the CRM adapters share: URL secrets, the REST client, recording a delivery once.

Every CRM change goes through the ordinary ``SyncCrmCustomer`` command with source ``crm``
and actor ``crm:<system>``, so the customer's history says which CRM changed what and when.
The idempotency key is the record, the customer's version and the content
(:func:`commands.sync_crm_customer.delivery_key`): a delivery repeated after it was
recorded changes nothing and writes nothing, and two copies racing each other are recorded
once.
"""

from __future__ import annotations

import base64
import hmac
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl
from uuid import UUID

import httpx
from pydantic import ValidationError

from api.gateways.common import Refused, json_object_of, malformed
from commands.base import Context
from commands.dispatch import dispatch
from commands.sync_crm_customer import SyncCrmCustomer, delivery_key
from ledger.errors import CustomerClosedError
from projections.customers import customer_by_external_id

if TYPE_CHECKING:
    from collections.abc import Mapping

    from api.bootstrap import Services
    from api.settings import Settings

log = logging.getLogger(__name__)

SYSTEMS = ("amocrm", "bitrix24")
WEBHOOK_PATH = "/v1/crm/{system}/{secret}"
_ESSENTIAL = {"record_id", "source", "customer_id", "record"}
"""Fields without which a CRM record cannot be recorded at all (the rest may be left out;
a name left out leaves the customer's name as it is)."""


def url_secret(settings: Settings, system: str) -> str:
    """The secret path segment of ``system``'s webhook URL, derived, never stored."""
    return base64.urlsafe_b64encode(settings.derived_key(f"crm:{system}")).decode().rstrip("=")


def unauthenticated(detail: str, *, field: str) -> Refused:
    """The 401 of a webhook that does not prove it comes from the CRM.

    ``field`` names the credential at fault (the URL's ``secret``, Bitrix24's
    ``auth[application_token]``), so whoever sets the CRM up knows which one to fix.
    """
    return Refused(401, "Unauthorized", detail, field=field)


def check_url_secret(settings: Settings, system: str, presented: str) -> None:
    """Refuse (401) a webhook whose URL does not carry this installation's secret."""
    if not hmac.compare_digest(url_secret(settings, system).encode(), presented.encode()):
        log.warning("%s webhook with a wrong URL secret refused", system)
        raise unauthenticated(f"the {system} webhook URL is not this installation's",
                              field="secret")


def webhook_urls(settings: Settings, base_url: str) -> dict[str, str]:
    """The URLs to paste into each CRM's webhook settings."""
    base = base_url.rstrip("/")
    return {system: base + WEBHOOK_PATH.format(system=system,
                                               secret=url_secret(settings, system))
            for system in SYSTEMS}


def not_configured(system: str, *variables: str) -> Refused:
    """The 503 of a CRM whose REST API LBX cannot call (the CRM may retry later)."""
    return Refused(503, "CRM not configured",
                   f"{system} is not configured: set {', '.join(variables)}")


@dataclass(frozen=True)
class RestApi:
    """A CRM's REST API as LBX reads it: GET with our own credentials, JSON back."""

    system: str
    base_url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    timeout: float = 10.0

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The JSON the CRM answers; None when it has no such record (404, 204).

        Raises:
            Refused: the CRM could not be asked or answered nonsense (502); nothing was
                written, and the CRM's retry (or the next change) will bring the record.
        """
        try:
            response = httpx.get(self.base_url + path, params=dict(params or {}),
                                 headers=self.headers, timeout=self.timeout)
            if response.status_code in {204, 404} or _says_not_found(response):
                return None
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("%s re-read of %s failed: %s", self.system, path, _failure(error))
            raise Refused(502, "CRM unavailable",
                          f"{self.system} could not be asked for the record; try again later"
                          ) from None


def _failure(error: Exception) -> str:
    """What went wrong, for the log, never the URL: a Bitrix24 URL holds its secret."""
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    return type(error).__name__


def _says_not_found(response: httpx.Response) -> bool:
    """Bitrix24 answers a missing record with 400 and ``Not found`` rather than 404."""
    return response.status_code == 400 and "not found" in response.text.lower()  # noqa: PLR2004


def linked_customer(services: Services, system: str, record_id: str) -> UUID | None:
    """A customer that existed before the CRM and was linked to this record, if any."""
    found = customer_by_external_id(services.store, system, record_id)
    return None if found is None else UUID(found)


def record(services: Services, system: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Make the customer what the CRM record says; report what happened to it.

    ``fields`` are the command's (``record_id``, ``name``, requisites, ``manager``,
    ``tags``). A value the command refuses (a ИНН with a wrong check digit, a phone with
    words in it) is left out and reported under ``ignored``, and the rest is recorded: one
    mistyped field in the CRM must not stop a new manager or a new name from arriving.
    """
    record_id = str(fields["record_id"])
    command, ignored = _command(system, fields, linked_customer(services, system, record_id))
    if command is None:
        return {"record": record_id, "outcome": "invalid", "ignored": ignored}
    context = Context(actor=f"crm:{system}", source="crm",
                      idempotency_key=delivery_key(command, services.runtime))
    try:
        outcome = dispatch(command, context, services.runtime)
    except CustomerClosedError:
        log.info("%s record %s: the customer is closed; nothing recorded", system, record_id)
        return {"record": record_id, "customer_id": str(command.target), "outcome": "closed"}
    result = outcome.result
    status = ("created" if result["created"] else "updated" if result["changed"]
              else "unchanged")
    if outcome.replayed:
        status = "unchanged"
    answer = {"record": record_id, "customer_id": result["customer_id"], "outcome": status}
    return {**answer, "ignored": ignored} if ignored else answer


def _command(
    system: str, fields: dict[str, Any], linked: UUID | None
) -> tuple[SyncCrmCustomer | None, list[dict[str, str]]]:
    """The command, less any field it refuses; None when what is refused is essential."""
    ignored: list[dict[str, str]] = []
    fields = dict(fields)
    for _ in range(len(fields)):
        try:
            return SyncCrmCustomer(source=system, customer_id=linked, **fields), ignored
        except ValidationError as error:
            problems = {str(e["loc"][0]) if e["loc"] else "record":
                        str(e["msg"]).removeprefix("Value error, ") for e in error.errors()}
        ignored.extend({"field": name, "message": why} for name, why in problems.items())
        log.warning("%s record %s: ignored %s", system, fields.get("record_id"), problems)
        if set(problems) & _ESSENTIAL or not set(problems) <= set(fields):
            return None, ignored
        for name in problems:
            fields.pop(name)
    return None, ignored


def form_fields(body: bytes, content_type: str) -> dict[str, str]:
    """A webhook's fields as flat bracketed keys (``data[FIELDS][ID]``), from a form or JSON.

    Both CRMs send PHP-style forms; Bitrix24 can send JSON too, which is flattened to the
    same keys so that one reader serves both.

    Raises:
        Refused: the body is neither (422).
    """
    if "json" in content_type.lower():
        flat: dict[str, str] = {}
        _flatten(json_object_of(body), "", flat)
        return flat
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError) as error:
        raise malformed(f"the form cannot be read: {error}") from None


def _flatten(value: Any, prefix: str, into: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}[{key}]" if prefix else str(key), into)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _flatten(inner, f"{prefix}[{index}]", into)
    elif value is not None:
        into[prefix] = str(value)
