"""Accounting out over HTTP: a period's sales and payments for 1C:Бухгалтерия (XML, XLSX).

Why GETs that return files: an export changes nothing, and the same URL (period and
cut-off) always answers the same bytes, so it can be bookmarked, cached and attached to
a month's closing. The answer states its cut-off in ``X-LBX-As-Known-At``; pass it back
as ``as_known_at`` to get the very same file later. ``X-LBX-Late-Records`` counts what is
dated in the period but was recorded after the cut-off (not in the file). See docs/integrations.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from api.accounting import export_period, export_register
from api.accounting.enterprise_data import enterprise_data
from api.accounting.organisation import organisations
from api.accounting.workbook import workbook
from api.auth import ACCOUNTANT, AUDITOR, Principal, require, roles_extra
from api.deps import ServicesDep
from api.errors import problem_responses

if TYPE_CHECKING:
    from api.accounting import Register

router = APIRouter(prefix="/v1/accounting", tags=["accounting"])

READ = (ACCOUNTANT, AUDITOR)
Reader = Annotated[Principal, Depends(require(*READ))]
XML = "application/xml"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DateFrom = Annotated[date, Query(alias="from", description="first business date, YYYY-MM-DD")]
DateTo = Annotated[date, Query(alias="to", description="last business date (included)")]
KnownAt = Annotated[datetime | None, Query(description=(
    "recorded-time cut-off with a zone (2026-02-05T00:00:00+03:00); default: the end of "
    "the period plus 5 days, or now if that is still to come"))]


def _file(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI answers of an export: the file, or a problem."""
    schema: dict[str, str] = {"type": "string"}
    if media_type == XLSX:
        schema["format"] = "binary"
    return {
        200: {"description": what, "content": {media_type: {"schema": schema}},
              "headers": {"X-LBX-As-Known-At": {
                  "description": "the cut-off the file is as known at",
                  "schema": {"type": "string", "format": "date-time"}},
                  "X-LBX-Late-Records": {
                  "description": ("documents and payments dated in the period but recorded "
                                  "after the cut-off, so not in the file: when above 0, "
                                  "export again with a later as_known_at"),
                  "schema": {"type": "integer", "minimum": 0}}}},
        **problem_responses(409),
    }


def _answer(content: bytes, media_type: str, register: Register, extension: str) -> Response:
    period = register.period
    name = f"lbx-1c-{period.date_from}_{period.date_to}.{extension}"
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-LBX-As-Known-At": period.local_cutoff().isoformat(),
        "X-LBX-Late-Records": str(register.late_records),
    })


@router.get("/1c/export.xml", openapi_extra=roles_extra(*READ), response_class=Response,
            responses=_file(XML, "EnterpriseData 1.8 message: counterparties, sales, payments"),
            summary="Sales and payments for 1C (EnterpriseData XML)")
def export_xml(
    services: ServicesDep, _: Reader, date_from: DateFrom, date_to: DateTo,
    as_known_at: KnownAt = None,
    payments: Annotated[bool, Query(description=(
        "false leaves payments out (the base loads them from the bank statement)"))] = True,
) -> Response:
    """The period's counterparties, sales and payments in roubles, as known at the cut-off.

    Sales are ``Документ.РеализацияТоваровУслуг``, payments
    ``Документ.ПоступлениеБезналичныхДенежныхСредств``.

    409 when our company's ИНН is not configured (``LBX_COMPANY_FILE`` or ``LBX_OWN_INN``).
    """
    seller = organisations(services.settings)
    period = export_period(services, date_from, date_to, as_known_at)
    register = export_register(services, period)
    return _answer(enterprise_data(register, seller, with_payments=payments), XML, register,
                   "xml")


@router.get("/1c/export.xlsx", openapi_extra=roles_extra(*READ), response_class=Response,
            responses=_file(XLSX, "Workbook: Реализация, Корректировки, Оплаты, Контрагенты, "
                                  "НДС по ставкам, Параметры"),
            summary="Sales and payments for the accountant (XLSX)")
def export_xlsx(
    services: ServicesDep, _: Reader, date_from: DateFrom, date_to: DateTo,
    as_known_at: KnownAt = None,
) -> Response:
    """The same register as a workbook, with corrections and documents in any currency."""
    register = export_register(services, export_period(services, date_from, date_to,
                                                       as_known_at))
    return _answer(workbook(register), XLSX, register, "xlsx")
