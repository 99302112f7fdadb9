"""Bitrix24 events: a company or contact was added or changed; LBX reads it back.

Authenticity, twice: the handler URL carries a secret derived from the installation secret
(``/v1/crm/bitrix24/{secret}``), and every event carries ``auth[application_token]``, which
must equal ``LBX_BITRIX24_APP_TOKEN`` (compared in constant time). Either wrong answers 401
and writes nothing; a missing configured token answers 503, because then no event could be
told from a forgery. The event's ``auth[client_endpoint]`` and ``auth[domain]`` are never
used: the record is read again through the inbound webhook LBX was given
(``LBX_BITRIX24_URL``), so a forged endpoint cannot feed LBX its own data.

What becomes a customer: each company (``company:<id>``) and each contact
(``contact:<id>``). What is read: ``crm.company.get`` / ``crm.contact.get`` (title or name,
the first e-mail and phone, the address), ``crm.requisite.list`` for ИНН, КПП and ОГРН,
and ``user.get`` for the responsible user's name (the manager). Bitrix24 has no tags on
companies, so a Bitrix24 delivery leaves the customer's tags as they are.

Which events: ``ONCRMCOMPANYADD``, ``ONCRMCOMPANYUPDATE``, ``ONCRMCONTACTADD`` and
``ONCRMCONTACTUPDATE``. Every other event (deletions, deals, invoices) is acknowledged and
ignored. The body may be a form (as Bitrix24 sends it) or JSON.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Any

from api.crm.common import (
    RestApi,
    check_url_secret,
    form_fields,
    not_configured,
    record,
    unauthenticated,
)

if TYPE_CHECKING:
    from api.bootstrap import Services

log = logging.getLogger(__name__)

SYSTEM = "bitrix24"
EVENTS = {"ONCRMCOMPANYADD": "company", "ONCRMCOMPANYUPDATE": "company",
          "ONCRMCONTACTADD": "contact", "ONCRMCONTACTUPDATE": "contact"}
_ENTITY_TYPE = {"company": "4", "contact": "3"}
"""Bitrix24's CRM entity type ids, as ``crm.requisite.list`` filters by them."""


def check_token(services: Services, fields: dict[str, str]) -> None:
    """Refuse (401) an event whose application token is not the configured one."""
    expected = services.settings.bitrix24_app_token
    if not expected:
        raise not_configured(SYSTEM, "LBX_BITRIX24_APP_TOKEN")
    presented = fields.get("auth[application_token]", "")
    if not hmac.compare_digest(expected.encode(), presented.encode()):
        log.warning("bitrix24 event with a wrong application token refused")
        raise unauthenticated("auth[application_token] is not this portal's application token",
                              field="auth[application_token]")


def api_of(services: Services) -> RestApi:
    """The portal's REST API through LBX's inbound webhook, or 503 when not configured."""
    if not services.settings.bitrix24_url:
        raise not_configured(SYSTEM, "LBX_BITRIX24_URL")
    return RestApi(SYSTEM, services.settings.bitrix24_url)


def handle(body: bytes, content_type: str, secret: str, services: Services) -> dict[str, Any]:
    """Answer one event (see the module docstring for every case).

    Raises:
        Refused: wrong secret or token (401), not configured (503), unreadable (422),
            Bitrix24 unavailable (502).
    """
    check_url_secret(services.settings, SYSTEM, secret)
    fields = form_fields(body, content_type)
    check_token(services, fields)
    event = fields.get("event", "").strip().upper()
    entity_id = fields.get("data[FIELDS][ID]", "").strip()
    kind = EVENTS.get(event)
    if kind is None or not entity_id.isdigit():
        log.info("bitrix24 event %s %s: acknowledged, ignored", event, entity_id)
        return {"status": "ok", "customers": []}
    api = api_of(services)
    found = customer_fields(api, kind, entity_id)
    result = (record(services, SYSTEM, found) if found is not None
              else {"record": f"{kind}:{entity_id}", "outcome": "missing"})
    return {"status": "ok", "customers": [result]}


def customer_fields(api: RestApi, kind: str, record_id: str) -> dict[str, Any] | None:
    """The customer a company or contact describes, as Bitrix24 says now; None if gone."""
    found = _result(api.get(f"/crm.{kind}.get.json", {"id": record_id}))
    if not isinstance(found, dict):
        return None
    name = found.get("TITLE") if kind == "company" else " ".join(
        str(found.get(part) or "").strip() for part in ("LAST_NAME", "NAME", "SECOND_NAME")
    ).strip()
    fields: dict[str, Any] = {
        "record_id": f"{kind}:{record_id}",
        "name": str(name or "").strip() or None,  # empty: leave it as it is
        "email": _first(found.get("EMAIL")), "phone": _first(found.get("PHONE")),
        "address": str(found.get("ADDRESS") or "").strip() or None,
        "manager": _user_name(api, found.get("ASSIGNED_BY_ID")),
    }
    fields.update(_requisites(api, kind, record_id))
    return fields


def _result(answer: Any) -> Any:
    return answer.get("result") if isinstance(answer, dict) else None


def _first(multifield: Any) -> str | None:
    """The first value of a Bitrix24 multi-field (``[{"VALUE": ..., "VALUE_TYPE": ...}]``)."""
    if isinstance(multifield, list):
        for item in multifield:
            if isinstance(item, dict) and str(item.get("VALUE") or "").strip():
                return str(item["VALUE"]).strip()
    return None


def _requisites(api: RestApi, kind: str, record_id: str) -> dict[str, str | None]:
    """ИНН, КПП and ОГРН from the record's first requisite (``crm.requisite.list``)."""
    rows = _result(api.get("/crm.requisite.list.json", {
        "filter[ENTITY_TYPE_ID]": _ENTITY_TYPE[kind], "filter[ENTITY_ID]": record_id}))
    first = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
    found = {name: str(first.get(key) or "").strip() or None
             for name, key in (("inn", "RQ_INN"), ("kpp", "RQ_KPP"), ("ogrn", "RQ_OGRN"))}
    found["ogrn"] = found["ogrn"] or str(first.get("RQ_OGRNIP") or "").strip() or None
    return found


def _user_name(api: RestApi, user_id: Any) -> str | None:
    """The responsible user's name (the customer's manager), read from Bitrix24."""
    if not str(user_id or "").isdigit():
        return None
    users = _result(api.get("/user.get.json", {"ID": str(user_id)}))
    user = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
    name = " ".join(str(user.get(part) or "").strip() for part in ("NAME", "LAST_NAME"))
    return name.strip() or None
