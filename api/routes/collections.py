"""Collections over HTTP: re-allocations, refunds, chargebacks, write-offs, dunning, statements.

Commands follow every command route (``Idempotency-Key``, strict body, 201 or a 200 replay),
dunning runs too: a retry under the same key answers the first run's report.
Who may do what: refunds and write-offs are an accountant's (money leaves, or debt is given
up); chargebacks come from a payment service or an accountant; the dunning policy is an
admin's, and dunning runs are the scheduler's (a service key) or an admin's. Aging and
statements are read by accountants and auditors. Amounts leave as exact decimal strings.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from fastapi import APIRouter, Body, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import ACCOUNTANT, ADMIN, AUDITOR, SERVICE, Principal, require, roles_extra
from api.bodies import BusinessDate
from api.command_routes import IdempotencyKey, command_route
from api.deps import CurrencyQuery, ServicesDep
from api.documents import export_register
from api.downloads import attachment
from api.errors import COMMAND_PROBLEMS
from api.present import money_text
from commands.base import Context
from commands.publish_dunning_policy import PublishDunningPolicy
from commands.reallocate_payment import ReallocatePayment
from commands.record_chargeback import RecordChargeback
from commands.refund_payment import RefundPayment
from commands.run_dunning import RunDunningFor, handle_many
from commands.write_off_debt import WriteOffDebt
from ledger.errors import CustomerNotFound, InvalidField
from projections import queries

router = APIRouter(prefix="/v1", tags=["collections"])

READ = (ACCOUNTANT, AUDITOR)
Reader = Annotated[Principal, Depends(require(*READ))]
WaitFor = Annotated[int | None, Query(ge=0, description="a command outcome's position")]
PAYMENT = "/customers/{customer_id}/payments/{payment_id}"

command_route(router, f"{PAYMENT}/reallocations", ReallocatePayment, (ACCOUNTANT,),
              "Re-allocate (or un-allocate) a payment, with a reason")
command_route(router, f"{PAYMENT}/refunds", RefundPayment, (ACCOUNTANT,),
              "Refund part of a payment not allocated to invoices")
command_route(router, "/customers/{customer_id}/refunds", RefundPayment, (ACCOUNTANT,),
              "Refund from the customer's credit (or, naming payment_id, against a payment)")
command_route(router, f"{PAYMENT}/chargebacks", RecordChargeback, (SERVICE, ACCOUNTANT),
              "Record a chargeback: the bank took a payment back")
command_route(router, "/customers/{customer_id}/write-offs", WriteOffDebt, (ACCOUNTANT,),
              "Write off bad debt on an invoice (reason and approver required)")
command_route(router, "/dunning-policy", PublishDunningPolicy, (ADMIN,),
              "Publish a new version of the dunning policy")


def _sync(services: ServicesDep, wait_for: WaitFor = None) -> ServicesDep:
    if wait_for:
        services.await_position(wait_for)
    return services


Views = Annotated[ServicesDep, Depends(_sync)]


class DunningRunRequest(BaseModel):
    """Which customers to dun (all when omitted), as of which day (today when omitted)."""

    model_config = ConfigDict(extra="forbid")

    as_of: BusinessDate | None = None
    customer_ids: Annotated[list[UUID], Field(max_length=10_000)] | None = None


@router.post("/dunning/runs", openapi_extra=roles_extra(SERVICE), summary="Run dunning",
             status_code=201, responses=COMMAND_PROBLEMS)
def run_dunning(
    body: Annotated[DunningRunRequest, Body()], key: IdempotencyKey, services: ServicesDep,
    principal: Annotated[Principal, Depends(require(SERVICE))], response: Response,
) -> dict[str, Any]:
    """Take every dunning step due; suspend and reactivate. Safe to repeat: no step twice.

    A retry under the same ``Idempotency-Key`` answers 200 with the first run's report
    (``Idempotent-Replayed: true``); the same key with another body answers 409.
    """
    if body.as_of is not None and body.as_of > services.runtime.clock.today():
        raise InvalidField(field="as_of", why=(
            "dunning judges how overdue invoices are today; a future date would remind, "
            "suspend and cancel before anything is due"))
    command = RunDunningFor.model_validate(body.model_dump(exclude_unset=True))
    context = Context(actor=principal.actor, source="api", idempotency_key=key)
    outcome = handle_many(command, context, services.runtime)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
        response.status_code = 200
    return {**outcome.result, "position": outcome.position}


def _money_row(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    return {k: money_text(v, row["currency"]) if k in columns else v for k, v in row.items()}


@router.get("/debts/aging", openapi_extra=roles_extra(*READ), summary="Debt aging")
def debt_aging(
    services: Views, _: Reader, as_of: BusinessDate | None = None, currency: CurrencyQuery = None,
) -> dict[str, Any]:
    """Open amounts by days overdue (current, 1–30, 31–60, 61–90, 90+), per customer and total."""
    day = as_of or services.runtime.clock.today()
    found = queries.aging(services.store, day, currency)
    money = (*queries.AGING_BUCKETS, "unapplied", "total")
    return {
        "as_of": day.isoformat(), "buckets": list(queries.AGING_BUCKETS),
        "items": [_money_row(r, money) for r in found["customers"]],
        "totals": [_money_row(r, money) for r in found["totals"]],
    }


@router.get("/dunning/steps", openapi_extra=roles_extra(*READ), summary="Dunning steps taken")
def dunning_steps(
    services: Views, _: Reader, customer_id: UUID | None = None, taken_on: date | None = None,
) -> dict[str, Any]:
    """Reminders, suspensions and cancellations taken, in order."""
    rows = queries.dunning_steps(
        services.store, customer_id=str(customer_id) if customer_id else None,
        taken_on=taken_on.isoformat() if taken_on else None)
    return {"items": [_money_row(r, ("open",)) for r in rows]}


@router.get("/customers/{customer_id}/statement", openapi_extra=roles_extra(*READ),
            summary="Statement of account (акт сверки), JSON or CSV")
def customer_statement(
    services: Views, _: Reader, customer_id: UUID,
    date_from: Annotated[date, Query(alias="from")], date_to: Annotated[date, Query(alias="to")],
    statement_format: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response:
    """Opening balance, every movement with the running balance, closing balance, by currency.

    A positive balance is what the customer owes; a negative one is their credit.
    """
    if date_from > date_to:
        raise InvalidField(field="from", why="the period starts after it ends")
    if statement_format == "csv":  # one implementation: the documents' statement register
        try:
            found_csv = export_register(services, "statement", "csv", customer_id=customer_id,
                                        date_from=date_from, date_to=date_to)
        except InvalidField as error:  # the function's argument names → the query's
            names = {"date_from": "from", "date_to": "to"}
            if error.field in names:
                raise InvalidField(error.wording, field=names[error.field],
                                   **error.facts) from None
            raise
        return Response(found_csv.content, media_type=found_csv.media_type,
                        headers=attachment(found_csv.filename))
    found = queries.statement(services.store, str(customer_id), date_from, date_to)
    if found is None:
        raise CustomerNotFound(customer=str(customer_id))
    lines = [_money_row(r, ("debit", "credit", "balance")) for r in found["lines"]]
    totals = [_money_row(t, ("opening", "debit", "credit", "closing")) for t in found["totals"]]
    body = {**found, "lines": lines, "totals": totals}
    return Response(orjson.dumps(body), media_type="application/json")
