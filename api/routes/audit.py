"""Audit over HTTP (auditors, accountants, admins): raw events, replay, chains, exports.

Everything here reads the event store itself, never a projection: an auditor checks the
source of truth.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Query, Response

from api.auth import ACCOUNTANT, AUDITOR, Principal, require, roles_extra
from api.deps import ServicesDep
from api.documents.tables import csv_text
from ledger.audit import replay, verify_chain
from ledger.errors import InvalidField

router = APIRouter(prefix="/v1/audit", tags=["audit"])
Auditor = Annotated[Principal, Depends(require(AUDITOR, ACCOUNTANT))]
"""Who may read the audit trail: auditors, and accountants (it is read-only, and they are
trusted with the ledger; the workspace shows them the same raw events)."""
EXTRA = roles_extra(AUDITOR, ACCOUNTANT)


def _events(services: ServicesDep, customer_id: UUID) -> list[Any]:
    return services.ledger.customer_history(customer_id)


def _raw(event: Any) -> dict[str, Any]:
    data: dict[str, Any] = event.model_dump(mode="json")
    data["event_type"] = type(event).__name__
    return data


@router.get("/customers/{customer_id}/events", openapi_extra=EXTRA, summary="Raw history")
def customer_events(services: ServicesDep, _: Auditor, customer_id: UUID) -> dict[str, Any]:
    """Every stored event of the customer with all its metadata and hashes, oldest first."""
    return {"customer_id": str(customer_id),
            "items": [_raw(e) for e in _events(services, customer_id)]}


@router.get("/customers/{customer_id}/replay", openapi_extra=EXTRA, summary="Replay as of")
def customer_replay(
    services: ServicesDep, _: Auditor, customer_id: UUID,
    version: Annotated[int | None, Query(ge=1)] = None,
    recorded_at: datetime | None = None,
    effective_on: date | None = None,
) -> dict[str, Any]:
    """The customer's state as of a version, a recorded instant, or a business date."""
    if sum(x is not None for x in (version, recorded_at, effective_on)) != 1:
        raise InvalidField(field="version",
                           why="give exactly one of version, recorded_at, effective_on")
    if recorded_at is not None and recorded_at.tzinfo is None:
        raise InvalidField(field="recorded_at", why="give a time zone, e.g. 2026-01-31T23:59:59Z")
    customer = replay(_events(services, customer_id), version=version,
                      recorded_at=recorded_at, effective_on=effective_on)
    if customer is None:
        return {"customer_id": str(customer_id), "existed": False}
    state = customer.state
    return {
        "customer_id": str(customer_id),
        "existed": True,
        "version": customer.version,
        "state": state.model_dump(mode="json", exclude={"balances"}),
        "balances": [
            {"currency": b.currency, "receivable": b.receivable.to_decimal_string(),
             "credit": b.credit.to_decimal_string(), **b.model_dump(mode="json")}
            for b in state.balances.values()
        ],
    }


@router.get("/customers/{customer_id}/verify", openapi_extra=EXTRA, summary="Verify a chain")
def customer_verify(services: ServicesDep, _: Auditor, customer_id: UUID) -> dict[str, Any]:
    """Check every hash and link of the customer's history."""
    _events(services, customer_id)
    report = verify_chain(customer_id, (s for _, s in services.ledger.stored_states(customer_id)))
    return {"customer_id": str(customer_id), "ok": report.ok, "events": report.events,
            "first_broken_version": report.first_broken_version, "problem": report.problem}


@router.get("/verify", openapi_extra=EXTRA, summary="Verify every customer's chain")
def verify_all(services: ServicesDep, _: Auditor) -> dict[str, Any]:
    """Check every customer's chain; list the broken ones."""
    broken, checked = [], 0
    for customer_id in services.ledger.customer_ids():
        stored = (s for _, s in services.ledger.stored_states(customer_id))
        report = verify_chain(customer_id, stored)
        checked += 1
        if not report.ok:
            broken.append({"customer_id": str(customer_id),
                           "first_broken_version": report.first_broken_version,
                           "problem": report.problem})
    return {"ok": not broken, "customers": checked, "broken": broken}


@router.get("/customers/{customer_id}/export", openapi_extra=EXTRA, summary="Export history")
def customer_export(
    services: ServicesDep, _: Auditor, customer_id: UUID,
    export_format: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response:
    """The full history as JSON or CSV (one row per event, metadata in columns)."""
    events = [_raw(e) for e in _events(services, customer_id)]
    name = f"customer-{customer_id}-history.{export_format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if export_format == "json":
        return Response(orjson.dumps(events, option=orjson.OPT_INDENT_2),
                        media_type="application/json", headers=headers)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["version", "event_type", "recorded_at", "effective_date", "actor", "source",
                     "reason", "correlation_id", "idempotency_key", "hash", "prev_hash", "data"])
    meta_keys = {"originator_id", "originator_version", "timestamp", "meta", "hash",
                 "prev_hash", "event_type", "originator_topic"}
    for e in events:
        meta = e["meta"]
        writer.writerow([
            e["originator_version"], e["event_type"], e["timestamp"], meta["effective_date"],
            csv_text(str(meta["actor"])), csv_text(str(meta["source"])),
            csv_text(meta["reason"] or ""), meta["correlation_id"],
            csv_text(meta["idempotency_key"] or ""), e["hash"], e["prev_hash"],
            csv_text(orjson.dumps({k: v for k, v in e.items() if k not in meta_keys}).decode()),
        ])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
