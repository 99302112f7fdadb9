"""Audit over HTTP (auditors, accountants, admins): raw events, replay, chains, exports.

Everything here reads the event store itself, never a projection: an auditor checks the
source of truth. The raw events, the export and the chain check read the stored rows as
stored (state before upcasting, topic, ``class_version``) and parse none of them, so an
altered history still answers, and an outside verifier recomputes the stored hashes from
the export. Replay is the decoded view: it parses the events as the ledger's code reads
them today, and a row that no longer parses answers 409 (``HistoryUnreadable``).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Query, Response

from api.auth import ACCOUNTANT, AUDITOR, Principal, require, roles_extra
from api.deps import ServicesDep
from api.documents.tables import csv_text
from ledger.audit import replay
from ledger.errors import InvalidField

if TYPE_CHECKING:
    from ledger.audit import ChainReport

router = APIRouter(prefix="/v1/audit", tags=["audit"])
Auditor = Annotated[Principal, Depends(require(AUDITOR, ACCOUNTANT))]
"""Who may read the audit trail: auditors, and accountants (it is read-only, and they are
trusted with the ledger; the workspace shows them the same raw events)."""
EXTRA = roles_extra(AUDITOR, ACCOUNTANT)


def _events(services: ServicesDep, customer_id: UUID) -> list[Any]:
    return services.ledger.customer_history(customer_id)


ENVELOPE = ("event_type", "topic", "class_version")
"""Members a raw event has beside its stored state; with ``hash`` they are what its hash
leaves out: ``hash`` = SHA-256 of the rest as sorted-key compact JSON."""


def _raw(topic: str, state: dict[str, Any]) -> dict[str, Any]:
    """One stored row as stored: its state before upcasting, its topic and schema version."""
    return {**state, "class_version": state.get("class_version", 1),
            "event_type": topic.rpartition(":")[2].rpartition(".")[2], "topic": topic}


def raw_events(services: ServicesDep, customer_id: UUID) -> list[dict[str, Any]]:
    """The customer's stored rows as raw events, oldest first (nothing is parsed)."""
    return [_raw(topic, state) for topic, state in services.ledger.customer_rows(customer_id)]


def _report(report: ChainReport) -> dict[str, Any]:
    return {"ok": report.ok, "events": report.events,
            "first_broken_version": report.first_broken_version, "problem": report.problem,
            "snapshots": report.snapshots, "forged_snapshot": report.forged_snapshot,
            "snapshot_problem": report.snapshot_problem}


@router.get("/customers/{customer_id}/events", openapi_extra=EXTRA, summary="Raw history")
def customer_events(services: ServicesDep, _: Auditor, customer_id: UUID) -> dict[str, Any]:
    """Every stored event of the customer as stored, with its topic and schema version.

    Each item is the stored state before upcasting (what its ``hash`` covers) plus
    ``event_type``, ``topic`` and ``class_version``; drop those and ``hash`` and the
    SHA-256 of the sorted-key JSON of the rest is the item's ``hash``.
    """
    return {"customer_id": str(customer_id), "items": raw_events(services, customer_id)}


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
    """Check every hash and link of the customer's stored rows, then its stored snapshots.

    The rows are checked as stored, before any is parsed: an altered row answers
    ``ok: false`` naming its version. Each stored snapshot is compared with a replay of
    the events up to its version (``forged_snapshot`` names the first that differs).
    """
    return {"customer_id": str(customer_id),
            **_report(services.ledger.verify_customer(customer_id))}


@router.get("/verify", openapi_extra=EXTRA, summary="Verify every customer's chain")
def verify_all(services: ServicesDep, _: Auditor) -> dict[str, Any]:
    """Check every customer's chain and snapshots; list the broken ones.

    Every id that any customer event is stored under is checked, so a history whose
    registration was deleted is listed as broken at version 1, not left out.
    """
    broken, checked = [], 0
    for report in services.ledger.verify_customers():
        checked += 1
        if not report.ok:
            broken.append({"customer_id": str(report.aggregate_id),
                           **{k: v for k, v in _report(report).items()
                              if k in {"first_broken_version", "problem", "forged_snapshot",
                                       "snapshot_problem"}}})
    return {"ok": not broken, "customers": checked, "broken": broken}


@router.get("/customers/{customer_id}/export", openapi_extra=EXTRA, summary="Export history")
def customer_export(
    services: ServicesDep, _: Auditor, customer_id: UUID,
    export_format: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response:
    """The full history as stored, as JSON or CSV (one row per event, metadata in columns).

    The JSON items are the raw events (:func:`customer_events`); the CSV's ``data`` column
    holds the rest of each stored state, and ``topic`` and ``class_version`` have columns.
    """
    events = raw_events(services, customer_id)
    name = f"customer-{customer_id}-history.{export_format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if export_format == "json":
        return Response(orjson.dumps(events, option=orjson.OPT_INDENT_2),
                        media_type="application/json", headers=headers)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["version", "event_type", "recorded_at", "effective_date", "actor", "source",
                     "reason", "correlation_id", "causation_id", "idempotency_key", "hash",
                     "prev_hash", "topic", "class_version", "data"])
    meta_keys = {"originator_id", "originator_version", "timestamp", "meta", "hash",
                 "prev_hash", "originator_topic", *ENVELOPE}
    for e in events:
        meta: dict[str, Any] = e["meta"] if isinstance(e.get("meta"), dict) else {}
        writer.writerow([
            e.get("originator_version"), e["event_type"], csv_text(str(e.get("timestamp", ""))),
            csv_text(str(meta.get("effective_date") or "")),
            csv_text(str(meta.get("actor") or "")), csv_text(str(meta.get("source") or "")),
            csv_text(str(meta.get("reason") or "")),
            csv_text(str(meta.get("correlation_id") or "")),
            csv_text(str(meta.get("causation_id") or "")),
            csv_text(str(meta.get("idempotency_key") or "")), csv_text(str(e.get("hash", ""))),
            csv_text(str(e.get("prev_hash", ""))), e["topic"], e["class_version"],
            csv_text(orjson.dumps({k: v for k, v in e.items() if k not in meta_keys}).decode()),
        ])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
