"""Management reports over HTTP: MRR movements and the MRR/ARR series, read from the views.

Why a router of its own: reports answer questions about the business as a whole (per
month and currency), not about one customer or document, and they grow on their own.
Amounts leave as exact decimal strings beside their currency, like every other figure.
A client that has just sent a command may pass ``wait_for`` to read its own write.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth import ACCOUNTANT, AUDITOR, Principal, require, roles_extra
from api.deps import ServicesDep
from api.present import money_text
from ledger.errors import InvalidField
from projections import queries

router = APIRouter(prefix="/v1/reports", tags=["reports"])

READ = (ACCOUNTANT, AUDITOR)
Reader = Annotated[Principal, Depends(require(*READ))]
MAX_MONTHS = 120
"""The longest range one request may ask for (ten years of months)."""
_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
MonthFrom = Annotated[str, Query(alias="from", pattern=_MONTH, description="first month, YYYY-MM")]
MonthTo = Annotated[str, Query(alias="to", pattern=_MONTH, description="last month, YYYY-MM")]
WaitFor = Annotated[int | None, Query(ge=0, description="a command outcome's position")]
MONEY = ("opening", *queries.MRR_KINDS, "closing", "closing_arr", "mrr", "arr")


def _sync(services: ServicesDep, wait_for: WaitFor = None) -> ServicesDep:
    if wait_for:
        services.await_position(wait_for)
    return services


Views = Annotated[ServicesDep, Depends(_sync)]


def _months(month_from: str, month_to: str) -> list[str]:
    """The months asked for, or a 422 naming the field at fault."""
    months = queries.months_between(month_from, month_to)
    if not months:
        raise InvalidField(field="to", why="the last month comes before the first")
    if len(months) > MAX_MONTHS:
        raise InvalidField(field="to", why="ask for at most {most} months at a time",
                           most=MAX_MONTHS)
    return months


def _present(row: dict[str, Any]) -> dict[str, Any]:
    currency = row["currency"]
    return {k: money_text(v, currency) if k in MONEY else v for k, v in row.items()}


@router.get("/mrr", openapi_extra=roles_extra(*READ), summary="MRR movements by month")
def mrr(services: Views, _: Reader, month_from: MonthFrom, month_to: MonthTo) -> dict[str, Any]:
    """Opening MRR, the five movements and closing MRR, per month and currency.

    MRR is tax-exclusive, after open-ended percent discounts, normalised to a month.
    Contraction and churn are negative, so ``closing = opening + the five movements``.
    """
    months = _months(month_from, month_to)
    rows = queries.mrr_movements(services.store, months[0], months[-1])
    return {"items": [_present(r) for r in rows]}


@router.get("/mrr/series", openapi_extra=roles_extra(*READ), summary="MRR and ARR by month")
def mrr_series(
    services: Views, _: Reader, month_from: MonthFrom, month_to: MonthTo
) -> dict[str, Any]:
    """MRR and ARR (12 × MRR) per currency at the end of each month, for charts."""
    months = _months(month_from, month_to)
    return {"items": [_present(r) for r in queries.mrr_by_month(services.store, months)]}
