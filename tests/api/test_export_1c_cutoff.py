"""Accounting out: reproducible files and the cut-off ``as_known_at``.

The January of ``test_export_1c.py``, exported on 1 March (default cut-off: 6 February
00:00 Moscow time); then later events — a backdated payment, a rename, a void — and
what they do, or do not do, to the files.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from api.accounting import export_1c_xlsx, export_1c_xml, export_period, export_register
from api.accounting.period import SETTLE
from commands.record_payment import RecordPayment
from commands.update_customer import UpdateCustomer
from commands.void_invoice import VoidInvoice
from tests.api.test_export_1c import (
    DEFAULT_CUTOFF,
    ED,
    JAN_1,
    JAN_31,
    ZERO,
    body,
    january,
    payments,
    sales,
    sheet,
    text,
)
from tests.api.test_export_1c import services as services  # noqa: PLC0414  (the fixture)
from tests.support.collections import on
from tests.support.dsl import send

if TYPE_CHECKING:
    from api.bootstrap import Services


def late_records(services: Services, as_known_at: datetime | None = None) -> int:
    """How many records dated in January came after the cut-off (said beside the file)."""
    return export_register(services, export_period(services, JAN_1, JAN_31,
                                                   as_known_at)).late_records


def test_the_same_request_gives_the_same_bytes(services: Services) -> None:
    january(services)
    xml, xlsx = export_1c_xml(services, JAN_1, JAN_31), export_1c_xlsx(services, JAN_1, JAN_31)
    on(services, date(2026, 4, 15))  # later, and nothing new happened to January
    assert export_1c_xml(services, JAN_1, JAN_31) == xml
    assert export_1c_xlsx(services, JAN_1, JAN_31) == xlsx


def test_a_backdated_payment_recorded_later_changes_only_later_cutoffs(
    services: Services,
) -> None:
    story = january(services)
    xml, xlsx = export_1c_xml(services, JAN_1, JAN_31), export_1c_xlsx(services, JAN_1, JAN_31)
    on(services, date(2026, 3, 2))  # typed in on 2 March, dated 30 January
    send(services, RecordPayment(customer_id=story["petrov"], amount="500.00", currency="RUB",
                                 reference="п/п 9", received_on=date(2026, 1, 30)))
    on(services, date(2026, 3, 3))
    # the default cut-off (6 February): the same documents; the file now says one record
    # dated in January came later, and asks for a later cut-off
    assert export_1c_xml(services, JAN_1, JAN_31) == xml
    assert export_1c_xlsx(services, JAN_1, JAN_31) == xlsx
    assert late_records(services) == 1
    cutoff = datetime.fromisoformat(DEFAULT_CUTOFF)
    assert export_1c_xml(services, JAN_1, JAN_31, as_known_at=cutoff) == xml
    assert export_1c_xlsx(services, JAN_1, JAN_31, as_known_at=cutoff) == xlsx
    later = datetime(2026, 3, 3, tzinfo=UTC)
    assert payments(export_1c_xml(services, JAN_1, JAN_31, as_known_at=later)) == [
        ("2026-01-25T12:00:00", "п/п 17", "7707049388", Decimal("1220.00")),
        ("2026-01-30T12:00:00", "п/п 9", "500100732259", Decimal("500.00"))]


def test_a_rename_after_the_cutoff_leaves_the_file_as_it_was(services: Services) -> None:
    story = january(services)
    xml = export_1c_xml(services, JAN_1, JAN_31)
    send(services, UpdateCustomer(customer_id=story["romashka"], name="АО Ромашка"))
    assert export_1c_xml(services, JAN_1, JAN_31) == xml
    later = export_1c_xml(services, JAN_1, JAN_31, as_known_at=services.runtime.clock.now())
    names = {text(c, "КлючевыеСвойства/Наименование")
             for c in body(later).iter(ED + "Справочник.Контрагенты")}
    assert names == {"АО Ромашка", "ИП Петров Пётр"}


def test_a_void_in_a_later_month_reverses_the_earlier_sale_there(services: Services) -> None:
    story = january(services)
    january_file = export_1c_xml(services, JAN_1, JAN_31)
    on(services, date(2026, 3, 5))
    send(services, VoidInvoice(customer_id=story["petrov"], invoice_id=story["third"]["invoice_id"],
                               reason="Обучение перенесено"))
    assert export_1c_xml(services, JAN_1, JAN_31) == january_file  # closed: as known then
    now = services.runtime.clock.now()
    assert "LBX-2026-000003" in sales(export_1c_xml(services, JAN_1, JAN_31,
                                                     as_known_at=now))  # a sale of January
    on(services, date(2026, 3, 6))  # March is open: its default cut-off is a minute ago
    march = sheet(export_1c_xlsx(services, date(2026, 3, 1), date(2026, 3, 31)), "Корректировки")
    assert [row[1:4] + row[8:12] for row in march[1:]] == [
        ["LBX-2026-000003", "Аннулирование", "LBX-2026-000003", "без НДС",
         Decimal("-500.00"), ZERO, Decimal("-500.00")]]


def test_an_open_period_is_exported_as_known_now_and_says_it_is_preliminary(
    services: Services,
) -> None:
    january(services)
    on(services, date(2026, 2, 2))
    moment = services.runtime.clock.now()
    xlsx = export_1c_xlsx(services, JAN_1, JAN_31)
    about = dict(row[:2] for row in sheet(xlsx, "Параметры")[1:])
    assert about["Данные на (время записи в LBX)"] == (moment - SETTLE).isoformat()
    assert str(about["Статус"]).startswith("предварительно")
    assert "предварительно".encode() in export_1c_xml(services, JAN_1, JAN_31)


def test_a_void_after_the_period_but_before_its_cutoff_is_counted_once(
    services: Services,
) -> None:
    story = january(services)
    on(services, date(2026, 2, 3))  # voided on 3 February: January's cut-off is 6 February
    send(services, VoidInvoice(customer_id=story["petrov"], invoice_id=story["third"]["invoice_id"],
                               reason="Обучение перенесено"))
    on(services, date(2026, 3, 1))
    assert "LBX-2026-000003" in sales(export_1c_xml(services, JAN_1, JAN_31))
    january_sheet = sheet(export_1c_xlsx(services, JAN_1, JAN_31), "Корректировки")
    assert all(row[1] != "LBX-2026-000003" for row in january_sheet[1:])
    february = sheet(export_1c_xlsx(services, date(2026, 2, 1), date(2026, 2, 28)),
                     "Корректировки")
    assert [row[1:4] + row[8:12] for row in february[1:]] == [
        ["LBX-2026-000003", "Аннулирование", "LBX-2026-000003", "без НДС",
         Decimal("-500.00"), ZERO, Decimal("-500.00")]]


def test_a_void_within_the_period_leaves_the_sale_out_and_is_no_correction(
    services: Services,
) -> None:
    january(services)  # LBX-2026-000004: issued 20 January, voided 21 January
    xlsx = export_1c_xlsx(services, JAN_1, JAN_31)
    assert "LBX-2026-000004" not in sales(export_1c_xml(services, JAN_1, JAN_31))
    assert all("LBX-2026-000004" not in row for row in sheet(xlsx, "Реализация")[1:])
    assert all("LBX-2026-000004" not in row for row in sheet(xlsx, "Корректировки")[1:])


def test_a_preliminary_file_is_reproduced_by_the_cutoff_it_states(services: Services) -> None:
    story = january(services)
    on(services, date(2026, 2, 2))
    xlsx = export_1c_xlsx(services, JAN_1, JAN_31)
    stated = services.runtime.clock.now() - SETTLE
    assert stated < services.runtime.clock.now()
    # recorded at the very instant of the export (stamped before its commit)
    send(services, RecordPayment(customer_id=story["petrov"], amount="500.00", currency="RUB",
                                 reference="п/п 10", received_on=date(2026, 1, 31)))
    again = export_1c_xlsx(services, JAN_1, JAN_31, as_known_at=stated)
    assert again == xlsx  # the payment is not in it, only counted as late
    assert late_records(services, stated) == 1


def test_records_dated_in_a_closed_period_but_recorded_later_are_counted_beside_the_file(
    services: Services,
) -> None:
    story = january(services)
    assert late_records(services) == 0
    on(services, date(2026, 3, 2))  # after January's cut-off, dated in January
    send(services, RecordPayment(customer_id=story["petrov"], amount="500.00", currency="RUB",
                                 reference="п/п 9", received_on=date(2026, 1, 30)))
    on(services, date(2026, 3, 3))
    assert late_records(services) == 1
    february = export_1c_xml(services, date(2026, 2, 1), date(2026, 2, 28))
    assert payments(february) == []  # February selects by date received: never there
    later = export_1c_xml(services, JAN_1, JAN_31, as_known_at=services.runtime.clock.now())
    assert late_records(services, services.runtime.clock.now()) == 0
    assert ("2026-01-30T12:00:00", "п/п 9", "500100732259", Decimal("500.00")) in payments(later)


def test_corrections_stay_out_of_the_xml_and_its_comment_counts_them(
    services: Services,
) -> None:
    january(services)  # one credit note, 28 January
    xml = export_1c_xml(services, JAN_1, JAN_31)
    assert list(body(xml).iter(ED + "Документ.КорректировкаРеализации")) == []
    assert ("Корректировки (кредит-ноты, аннулирования, счета с суммой ниже нуля): 1 - не "
            "выгружаются").encode() in xml
