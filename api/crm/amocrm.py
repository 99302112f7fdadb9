"""amoCRM webhooks: a contact, company or lead was added or changed; LBX reads it back.

Authenticity: amoCRM signs nothing. The webhook URL carries a secret derived from the
installation secret (``/v1/crm/amocrm/{secret}``, shown by ``GET /v1/crm/webhooks``); a
wrong one answers 401 and writes nothing. The body (``contacts[update][0][id]=…``) is used
for the ids alone: every record is read again from amoCRM's REST API with LBX's own token
(``LBX_AMOCRM_URL``, ``LBX_AMOCRM_TOKEN``). Without them the webhook answers 503.

What becomes a customer: each contact and each company, under ``contact:<id>`` and
``company:<id>`` (so the customer's external key is ``amocrm:contact:12345``). A lead's
event re-reads the lead and syncs its company, or else its main contact. What is read:
the name, the ИНН, КПП, ОГРН and address (custom fields so named, or a legal-entity
field), the first e-mail and phone, the responsible user's name as the manager, and the
tags: the record's own and those of all its leads ("deal tags"). As with every field, a
record that has none (no tags, no leads) leaves the customer's tags as they are.

Which events: ``add``, ``update`` and ``restore`` of contacts and companies; ``add``,
``update`` and ``status`` of leads. Others (``delete``, notes, tasks, unknown entities)
are acknowledged and ignored: LBX never deletes a customer because a CRM did.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from api.crm.common import RestApi, check_url_secret, form_fields, not_configured, record

if TYPE_CHECKING:
    from api.bootstrap import Services

log = logging.getLogger(__name__)

SYSTEM = "amocrm"
_EVENT = re.compile(r"^(contacts|companies|leads)\[(\w+)\]\[(\d+)\]\[id\]$")
_ACTED_ON = {"contacts": {"add", "update", "restore"}, "companies": {"add", "update", "restore"},
             "leads": {"add", "update", "status"}}
_FIELDS = {"inn": ("INN", "ИНН"), "kpp": ("KPP", "КПП"), "ogrn": ("OGRN", "ОГРН"),
           "address": ("ADDRESS", "АДРЕС", "ЮРИДИЧЕСКИЙ АДРЕС")}


def api_of(services: Services) -> RestApi:
    """The REST API of amoCRM with LBX's token, or 503 when it is not configured."""
    settings = services.settings
    if not (settings.amocrm_url and settings.amocrm_token):
        raise not_configured(SYSTEM, "LBX_AMOCRM_URL", "LBX_AMOCRM_TOKEN")
    return RestApi(SYSTEM, settings.amocrm_url,
                   {"Authorization": f"Bearer {settings.amocrm_token}"})


def mentioned(fields: dict[str, str]) -> list[tuple[str, str]]:
    """The (entity, id) pairs the webhook names in events LBX acts on, without repeats.

    The body's other fields are not read, except a contact's ``type``: amoCRM sends a
    company's events among the contacts with ``type=company``.
    """
    found: dict[tuple[str, str], None] = {}
    for key, value in fields.items():
        match = _EVENT.match(key)
        if match and match[2] in _ACTED_ON[match[1]] and value.strip().isdigit():
            entity = match[1]
            if fields.get(f"{entity}[{match[2]}][{match[3]}][type]") == "company":
                entity = "companies"  # amoCRM may send a company among the contacts
            found[(entity, value.strip())] = None
        elif match:
            log.info("amocrm %s %s %s: acknowledged, ignored", match[1], match[2], value)
    return list(found)


def handle(body: bytes, content_type: str, secret: str, services: Services) -> dict[str, Any]:
    """Answer one webhook (see the module docstring for every case).

    Raises:
        Refused: wrong secret (401), not configured (503), unreadable (422), amoCRM
            unavailable (502).
    """
    check_url_secret(services.settings, SYSTEM, secret)
    api = api_of(services)
    results = []
    for entity, entity_id in mentioned(form_fields(body, content_type)):
        target = customer_entity(api, entity, entity_id)
        if target is None:
            results.append({"record": f"{entity}:{entity_id}", "outcome": "missing"})
            continue
        fields = customer_fields(api, *target)
        results.append(record(services, SYSTEM, fields) if fields is not None else
                       {"record": f"{target[0]}:{target[1]}", "outcome": "missing"})
    return {"status": "ok", "customers": results}


def customer_entity(api: RestApi, entity: str, entity_id: str) -> tuple[str, str] | None:
    """Which record is the customer: the contact or company itself, or a lead's customer."""
    if entity == "contacts":
        return "contact", entity_id
    if entity == "companies":
        return "company", entity_id
    lead = api.get(f"/api/v4/leads/{entity_id}", {"with": "contacts"})
    embedded = _embedded(lead)
    companies = [c for c in embedded.get("companies", []) if isinstance(c, dict)]
    if companies:
        return "company", str(companies[0].get("id"))
    contacts = [c for c in embedded.get("contacts", []) if isinstance(c, dict)]
    main = [c for c in contacts if c.get("is_main")] or contacts
    if main:
        return "contact", str(main[0].get("id"))
    log.info("amocrm lead %s has no contact or company; nothing to sync", entity_id)
    return None


def customer_fields(api: RestApi, kind: str, record_id: str) -> dict[str, Any] | None:
    """The customer a contact or company describes, as amoCRM says now; None if gone."""
    path = "contacts" if kind == "contact" else "companies"
    found = api.get(f"/api/v4/{path}/{record_id}", {"with": "leads"})
    if not isinstance(found, dict):
        return None
    custom = _custom_values(found)
    fields: dict[str, Any] = {
        "record_id": f"{kind}:{record_id}",
        "name": str(found.get("name") or "").strip() or None,  # empty: leave it as it is
        "email": custom.get("EMAIL"), "phone": custom.get("PHONE"),
        "manager": _user_name(api, found.get("responsible_user_id")),
        # no tags says nothing: the accountant's tags stay (docs/crm.md)
        "tags": _tags(found) + _lead_tags(api, found) or None,
    }
    for name, labels in _FIELDS.items():
        fields[name] = next((custom[label] for label in labels if label in custom), None)
    fields.update({k: v for k, v in _legal_entity(found).items() if not fields.get(k)})
    return fields


def _embedded(found: Any) -> dict[str, Any]:
    embedded = found.get("_embedded") if isinstance(found, dict) else None
    return embedded if isinstance(embedded, dict) else {}


def _tags(found: Any) -> list[str]:
    return [str(t["name"]) for t in _embedded(found).get("tags", [])
            if isinstance(t, dict) and t.get("name")]


def _lead_tags(api: RestApi, found: dict[str, Any]) -> list[str]:
    """The tags of every lead of the record: its deal tags, read again in one request."""
    ids = [str(lead.get("id")) for lead in _embedded(found).get("leads", [])
           if isinstance(lead, dict) and lead.get("id")]
    if not ids:
        return []
    leads = _embedded(api.get("/api/v4/leads", {"filter[id][]": ids})).get("leads", [])
    return [tag for lead in leads for tag in _tags(lead)]


def _custom_values(found: dict[str, Any]) -> dict[str, str]:
    """The first value of each custom field, by upper-case code and by upper-case name."""
    values: dict[str, str] = {}
    for custom in found.get("custom_fields_values") or []:
        if not isinstance(custom, dict) or not custom.get("values"):
            continue
        first = custom["values"][0]
        value = first.get("value") if isinstance(first, dict) else None
        if isinstance(value, str | int) and str(value).strip():
            for label in (custom.get("field_code"), custom.get("field_name")):
                if label:
                    values.setdefault(str(label).strip().upper(), str(value).strip())
    return values


def _legal_entity(found: dict[str, Any]) -> dict[str, str | None]:
    """ИНН, КПП and address from amoCRM's legal-entity field, if the record has one."""
    for custom in found.get("custom_fields_values") or []:
        if isinstance(custom, dict) and custom.get("field_type") == "legal_entity":
            for item in custom.get("values") or []:
                entity = item.get("value") if isinstance(item, dict) else None
                if isinstance(entity, dict):
                    kpp = entity.get("kpp") or entity.get("tax_registration_reason_code")
                    return {"inn": str(entity.get("vat_id") or "").strip() or None,
                            "kpp": str(kpp or "").strip() or None,
                            "address": str(entity.get("address") or "").strip() or None}
    return {}


def _user_name(api: RestApi, user_id: Any) -> str | None:
    """The responsible user's name (the customer's manager), read from amoCRM."""
    if not isinstance(user_id, int) or user_id <= 0:
        return None
    user = api.get(f"/api/v4/users/{user_id}")
    name = user.get("name") if isinstance(user, dict) else None
    return str(name).strip() if name else None
