"""Billing over HTTP: bill runs, change previews, and the tariff catalog as a file."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Body, Depends, Query, Response

from api.auth import ACCOUNTANT, ADMIN, SERVICE, Principal, require, roles_extra
from api.bodies import body_of
from api.deps import ServicesDep
from commands.base import Context
from commands.change_subscription import PreviewSubscriptionChange
from commands.change_subscription import preview_change as preview
from commands.dispatch import dispatch
from commands.publish_tariff import PublishTariff
from commands.run_billing import RunBilling, run_billing
from commands.run_dunning import run_dunning_for
from ledger.errors import InvalidField
from ledger.tariffs import Tariff
from ledger.tariffs.aggregate import TariffPublished
from ledger.tariffs.catalog_file import CatalogEntry, read_catalog, write_catalog

router = APIRouter(prefix="/v1", tags=["billing"])
PreviewBody = body_of(PreviewSubscriptionChange, ("customer_id", "subscription_id"))
BillRunBody = body_of(RunBilling)  # bounds ``as_of`` like every command date (api/bodies.py)


@router.post("/bill-runs", openapi_extra=roles_extra(ACCOUNTANT), summary="Run billing")
def bill_run(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require(ACCOUNTANT))],
    body: Annotated[BillRunBody, Body()],  # type: ignore[valid-type]
) -> dict[str, Any]:
    """Bill every customer for what is due by ``as_of`` (or show it, with ``dry_run``).

    Idempotent by construction: running a date again bills nothing twice, so no
    Idempotency-Key is needed.
    """
    command = RunBilling(**body.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
    if not command.dry_run and command.as_of > services.runtime.clock.today():
        raise InvalidField(field="as_of", why=(
            "a real bill run cannot be dated in the future (it would bill periods that have "
            "not begun and dun invoices that are not due); use dry_run to look ahead"))
    context = Context(actor=principal.actor, source="api", idempotency_key=f"bill-run/{uuid4()}")
    report = run_billing(command, context, services.runtime, services.ledger.customer_ids())
    steps = 0
    if not command.dry_run:  # dunning follows every real bill run, as it does the daily one
        steps = len(run_dunning_for(services.runtime, services.ledger.customer_ids(),
                                    command.as_of, context).steps)
    return {
        "as_of": report.as_of, "dry_run": report.dry_run, "customers": report.customers,
        "invoices": [vars(i) for i in report.invoices], "totals": report.totals(),
        "skipped": [{"customer_id": c, "why": why} for c, why in report.skipped],
        "dunning_steps": steps,
    }


@router.post("/customers/{customer_id}/subscriptions/{subscription_id}/changes/preview",
             openapi_extra=roles_extra(SERVICE, ACCOUNTANT),
             summary="Preview a subscription change (writes nothing)")
def preview_change(
    services: ServicesDep, customer_id: UUID, subscription_id: str,
    body: Annotated[PreviewBody, Body()],  # type: ignore[valid-type]
    principal: Annotated[Principal, Depends(require(SERVICE, ACCOUNTANT))],
) -> dict[str, Any]:
    """The correction lines the change would create, each with its formula.

    ``lapsed``: the individual prices the change would end, one sentence each.
    """
    command = PreviewSubscriptionChange(customer_id=customer_id, subscription_id=subscription_id,
                                        **body.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
    context = Context(actor=principal.actor, source="api", idempotency_key="preview")
    shown = preview(command, context, services.runtime)
    return {"lines": shown.lines, "lapsed": shown.lapsed}


@router.get("/tariffs/export", openapi_extra=roles_extra(ADMIN, ACCOUNTANT),
            summary="The catalog as a YAML or JSON file")
def export_catalog(
    services: ServicesDep, _: Annotated[Principal, Depends(require(ADMIN, ACCOUNTANT))],
    file_format: Annotated[Literal["yaml", "json"], Query(alias="format")] = "yaml",
) -> Response:
    """The latest version of every tariff, ready to edit and import again."""
    tariffs = [services.ledger.load(tariff_id, Tariff)
               for tariff_id in services.ledger.ids_created_by(TariffPublished)]
    entries = sorted(
        (CatalogEntry(code=t.state.code, definition=t.definition_of(None)[1]) for t in tariffs),
        key=lambda entry: entry.code,
    )
    media = "application/json" if file_format == "json" else "application/yaml"
    return Response(write_catalog(entries, file_format), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="catalog.{file_format}"'})


@router.post("/tariffs/import", openapi_extra=roles_extra(ADMIN, ACCOUNTANT),
             summary="Publish every tariff of a YAML or JSON catalog file")
def import_catalog(
    services: ServicesDep, principal: Annotated[Principal, Depends(require(ADMIN, ACCOUNTANT))],
    text: Annotated[str, Body(media_type="text/plain")],
    file_format: Annotated[Literal["yaml", "json"], Query(alias="format")] = "yaml",
) -> dict[str, Any]:
    """Each tariff whose definition changed gets a new version; unchanged ones stay as they are.

    The whole file is validated before anything is published.
    """
    entries = read_catalog(text, file_format)
    results = []
    for entry in entries:
        context = Context(actor=principal.actor, source="import",
                          idempotency_key=f"catalog/{uuid4()}")
        outcome = dispatch(PublishTariff(code=entry.code, definition=entry.definition),
                           context, services.runtime)
        results.append(outcome.result)
    return {"published": results}
