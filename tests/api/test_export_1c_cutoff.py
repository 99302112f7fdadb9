"""Accounting out: reproducible files and the cut-off ``as_known_at``.

The January of ``test_export_1c.py``, exported on 1 March (default cut-off: 6 February
00:00 Moscow time); then later events — a backdated payment, a rename, a void — and
what they do, or do not do, to the files.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from api.accounting import export_1c_xlsx, export_1c_xml
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
    assert export_1c_xml(services, JAN_1, JAN_31) == xml  # the default cut-off: 6 February
    assert export_1c_xlsx(services, JAN_1, JAN_31) == xlsx
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
    assert "LBX-2026-000003" not in sales(export_1c_xml(services, JAN_1, JAN_31,
                                                         as_known_at=now))
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
    assert about["Данные на (время записи в LBX)"] == moment.isoformat()
    assert str(about["Статус"]).startswith("предварительно")
    assert "предварительно".encode() in export_1c_xml(services, JAN_1, JAN_31)
