"""The 1C export agrees with the documents: act dates, credit invoices, tariffs, VAT, late records.

- a sale (``РеализацияТоваровУслуг``) is dated, and falls in the period of, the act LBX
  prints for it: the last day of the period billed;
- an invoice below zero is no sale: it is a correction on the workbook's «Корректировки»
  sheet («Счёт ниже нуля»), and no exported row is below zero;
- a plan change's new-tariff charge is booked under the new tariff;
- «Без НДС» goes to 1C only for lines billed without VAT, however small;
- the «Параметры» sheet says where the late records are counted and what to do.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from openpyxl import load_workbook

from api.accounting import export_1c_xlsx, export_1c_xml
from api.documents.model import build_document
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from tests.api.test_documents_corrections import (
    bill,
    cancelled,
    flat,
    invoices_of,
    subscribed,
    upgraded,
)
from tests.api.test_export_1c import ED, body, sales, sheet, text
from tests.api.test_export_1c import services as services  # noqa: PLC0414  (the fixture)
from tests.support.collections import on
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from api.bootstrap import Services

JAN_1, JAN_31, FEB_1, FEB_28 = date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 1), date(
    2026, 2, 28)


def closed(services: Services, first: date, last: date) -> bytes:
    """The XML of a period closed long ago (made on 1 April)."""
    on(services, date(2026, 4, 1))
    return export_1c_xml(services, first, last)


def test_a_sale_is_dated_and_exported_with_the_act_it_is(services: Services) -> None:
    publish(services, "start", flat("Старт", "1000.00"))
    customer, _ = subscribed(services, "start", date(2026, 1, 15), anchor_day=15)
    bill(services, date(2026, 1, 15))  # in advance: 15 January to 14 February
    (invoice,) = invoices_of(services, customer)
    on(services, date(2026, 3, 10))
    act = build_document(services, invoice.invoice_id, "act")
    january = sales(export_1c_xml(services, JAN_1, JAN_31))
    february = sales(export_1c_xml(services, FEB_1, FEB_28))
    assert act.document_date == date(2026, 2, 14)
    assert january == {}
    assert {n: s["date"] for n, s in february.items()} == {
        invoice.number: "2026-02-14T12:00:00"}


def test_an_invoice_below_zero_is_a_correction_not_a_negative_sale(services: Services) -> None:
    customer = cancelled(services)
    credit = invoices_of(services, customer)[-1]
    xml = closed(services, JAN_1, JAN_31)
    found = sales(xml)
    assert credit.number not in found
    assert all(amount >= 0 for sale in found.values() for _rate, amount, _vat in sale["rows"])
    assert "счета с суммой ниже нуля): 1 - не выгружаются".encode() in xml
    rows = sheet(export_1c_xlsx(services, JAN_1, JAN_31), "Корректировки")
    assert [row[1:4] + row[8:12] for row in rows[1:]] == [
        [credit.number, "Счёт ниже нуля", credit.number, "22%", Decimal("-516.13"),
         Decimal("-113.55"), Decimal("-629.68")]]
    assert rows[1][0].date() == date(2026, 1, 16)


def test_the_new_plans_charge_is_booked_under_the_new_tariff(services: Services) -> None:
    customer = upgraded(services)
    change = invoices_of(services, customer)[-1]
    (sale,) = [s for s in body(closed(services, JAN_1, JAN_31))
               .iter(ED + "Документ.РеализацияТоваровУслуг")
               if text(s, "КлючевыеСвойства/Номер") == change.number]
    rows = [(text(r, "Номенклатура/Наименование"), text(r, "Сумма"), text(r, "Содержание"))
            for r in sale.iter(ED + "Строка")]
    # the old tariff's credit (−629.68) reduces the new tariff's row (1 889.04): no row < 0
    assert rows == [("Услуги LBX: pro", "1259.36",
                     "Про: оставшаяся часть периода, 16.01.2026–31.01.2026; Старт: перерасчёт "
                     "за неиспользованную часть периода, 16.01.2026–31.01.2026")]


def test_1c_gets_no_vat_only_for_lines_billed_without_vat(services: Services) -> None:
    on(services, date(2026, 1, 10))
    free = register(services, "A-1", name="ИП Петров", inn="500100732259", vat_mode="none",
                    vat_rate=Decimal(22))
    taxed = register(services, "B-1", name="ООО Ромашка", inn="7707049388",
                     vat_rate=Decimal(22))
    for customer in (free, taxed):
        send(services, RecordCharge(customer_id=customer, amount="0.02",
                                    description="Округление"))
    found = sales(closed(services, JAN_1, JAN_31))
    assert sorted(s["rows"][0] for s in found.values()) == [
        ("БезНДС", Decimal("0.02"), Decimal("0.00")), ("НДС22", Decimal("0.02"),
                                                       Decimal("0.00"))]


def test_the_parameters_sheet_says_where_late_records_are_counted(services: Services) -> None:
    customer = register(services, "A-1", name="ООО Ромашка", inn="7707049388")
    on(services, date(2026, 3, 1))
    before = export_1c_xlsx(services, JAN_1, JAN_31)
    on(services, date(2026, 3, 2))  # typed in on 2 March, dated 30 January: a late record
    send(services, RecordPayment(customer_id=customer, amount="100.00", currency="RUB",
                                 reference="п/п 1", received_on=date(2026, 1, 30)))
    after = export_1c_xlsx(services, JAN_1, JAN_31)
    about = {str(name): str(value) for name, value in
             load_workbook(io.BytesIO(after))["Параметры"].iter_rows(values_only=True)}
    assert "X-LBX-Late-Records" in about["Поздние записи"]
    assert "выгрузите период снова с более поздним моментом" in about["Поздние записи"]
    assert after == before  # the count is beside the file: the same cut-off, the same bytes
