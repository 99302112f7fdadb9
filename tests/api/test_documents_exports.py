"""Registers as CSV and XLSX: the same rows in both, money as numbers beside a currency."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from openpyxl import load_workbook

from api.documents import export_register
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from ledger.access import Role
from ledger.errors import CustomerNotFound, InvalidField
from tests.api.conftest import auth
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from uuid import UUID

    from fastapi.testclient import TestClient

    from api.bootstrap import Services
    from ledger.clock import SimulatedClock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def history(services: Services) -> UUID:
    """A customer invoiced 1220.00 on 15 January and paying 1000.00 on account."""
    customer = register(services, "C-1", name="ООО «Ромашка»", inn="7707049388",
                        kpp="770701001", vat_rate=Decimal(22))
    send(services, RecordCharge(customer_id=customer, amount="1000.00", description="Услуги"))
    send(services, RecordPayment(customer_id=customer, amount="1000.00", currency="RUB",
                                 reference="п/п 17", payer_inn="7707049388"))
    services.runner.catch_up()
    return customer


def sheet_rows(content: bytes) -> tuple[list[list[Any]], Any]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)], sheet


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_the_invoice_register_as_xlsx_has_numbers_dates_and_a_currency(
    services: Services,
) -> None:
    history(services)
    found = export_register(services, "invoices", "xlsx")
    assert (found.media_type, found.filename) == (XLSX, "invoices.xlsx")
    rows, sheet = sheet_rows(found.content)
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert len(rows) == 2
    assert row["number"] == "LBX-2026-000001"
    assert row["customer"] == "ООО «Ромашка»"
    assert row["inn"] == "7707049388"
    assert row["currency"] == "RUB"
    assert (row["net"], row["vat"], row["total"], row["paid"], row["open"]) == (
        1000, 220, 1220, 1000, 220)
    assert row["issued_on"] == datetime(2026, 1, 15)  # noqa: DTZ001  (a spreadsheet date)
    assert row["status"] == "partially_paid"
    total = sheet.cell(row=2, column=header.index("total") + 1)
    assert total.data_type == "n"
    assert total.number_format == "#,##0.00"
    assert sheet.cell(row=1, column=1).font.bold


def test_csv_and_xlsx_carry_the_same_payments(services: Services) -> None:
    customer = history(services)
    as_csv = csv_rows(export_register(services, "payments", "csv").content)
    rows, _ = sheet_rows(export_register(services, "payments", "xlsx").content)
    assert len(as_csv) == len(rows) - 1 == 1
    assert as_csv[0]["amount"] == "1000.00"
    assert as_csv[0]["currency"] == "RUB"
    assert as_csv[0]["customer_id"] == str(customer)
    assert as_csv[0]["reference"] == "п/п 17"
    assert as_csv[0]["received_on"] == "2026-01-15"
    assert rows[1][rows[0].index("amount")] == 1000
    assert not csv_rows(export_register(services, "payments", "csv",
                                        date_from=date(2026, 2, 1)).content)


def test_the_debt_register_ages_what_is_open(services: Services) -> None:
    history(services)
    aged = csv_rows(export_register(services, "debts", "csv", as_of=date(2026, 3, 1)).content)
    assert len(aged) == 1
    assert (aged[0]["days_31_60"], aged[0]["unapplied"], aged[0]["total"],
            aged[0]["currency"]) == ("220.00", "0.00", "220.00", "RUB")
    current = csv_rows(export_register(services, "debts", "csv").content)
    assert current[0]["current"] == "220.00"


def test_the_statement_export_is_the_statement_the_api_serves(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = history(services)
    period = {"customer_id": customer, "date_from": date(2026, 1, 1),
              "date_to": date(2026, 1, 31)}
    exported = export_register(services, "statement", "csv", **period)
    served = client.get(f"/v1/customers/{customer}/statement?from=2026-01-01&to=2026-01-31"
                        "&format=csv", headers=auth(keys[Role.ACCOUNTANT]))
    assert exported.content.decode("utf-8") == served.text
    rows, _ = sheet_rows(export_register(services, "statement", "xlsx", **period).content)
    assert rows[0] == ["date", "kind", "document", "description", "currency", "debit",
                       "credit", "balance"]
    assert [r[1] for r in rows[1:]] == ["opening", "invoice", "payment", "closing"]
    assert rows[-1][5:] == [1220, 1000, 220]


def test_bad_exports_are_refused_naming_the_filter(services: Services) -> None:
    with pytest.raises(InvalidField) as caught:
        export_register(services, "statement", "csv")
    assert caught.value.field == "customer_id"
    with pytest.raises(InvalidField) as caught:
        export_register(services, "invoices", "csv", status="lost")
    assert caught.value.field == "status"
    with pytest.raises(InvalidField) as caught:
        export_register(services, "ledger", "csv")  # type: ignore[arg-type]
    assert caught.value.field == "register"
    with pytest.raises(CustomerNotFound):
        export_register(services, "statement", "csv",
                        customer_id="00000000-0000-0000-0000-000000000000",
                        date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))


def test_exports_over_http(
    services: Services, client: TestClient, keys: dict[Role, str], clock: SimulatedClock,
) -> None:
    customer = history(services)
    clock.move_to(date(2026, 1, 20))
    headers = auth(keys[Role.AUDITOR])
    response = client.get("/v1/exports/invoices.xlsx", headers=headers)
    assert (response.status_code, response.headers["content-type"]) == (200, XLSX)
    assert 'filename="invoices.xlsx"' in response.headers["content-disposition"]
    response = client.get(f"/v1/exports/statement.csv?customer_id={customer}"
                          "&from=2026-01-01&to=2026-01-31", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "statement-C-1-2026-01-01-2026-01-31.csv" in response.headers["content-disposition"]


@pytest.mark.parametrize(("path", "status", "field"), [
    ("/v1/exports/ledger.csv", 422, "register"),
    ("/v1/exports/invoices.pdf", 422, "fmt"),
    ("/v1/exports/statement.csv", 422, "customer_id"),
    ("/v1/exports/statement.csv?customer_id={c}&from=2026-02-01&to=2026-01-01", 422, "from"),
    ("/v1/exports/statement.csv?customer_id={c}&from=2026-01-01", 422, "to"),
    ("/v1/exports/debts.csv?as_of=0001-01-01", 422, "as_of"),
    ("/v1/exports/statement.csv?customer_id=00000000-0000-0000-0000-000000000000"
     "&from=2026-01-01&to=2026-01-31", 404, "customer_id"),
])
def test_bad_export_requests_are_problems_naming_the_field(
    services: Services, client: TestClient, keys: dict[Role, str],
    path: str, status: int, field: str,
) -> None:
    customer = history(services)
    response = client.get(path.format(c=customer), headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


def test_the_served_statement_csv_names_a_bad_date_by_its_query_name(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = history(services)
    response = client.get(f"/v1/customers/{customer}/statement?from=1999-01-01&to=2026-01-31"
                          "&format=csv", headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "from"
