"""Accounting out: a month of sales and payments, exported for 1C and read back.

The story (every amount exact, VAT per line, half-up): ООО Ромашка is billed VAT-exclusive
at 22 %, ИП Петров without VAT. In January 2026:

- 10 Jan: LBX-2026-000001 to Ромашка, 1000.00 + 22 % = 1220.00;
- 12 Jan: LBX-2026-000002 to Ромашка, 33.33 + 10 % (3.333 → 3.33) = 36.66;
- 15 Jan: LBX-2026-000003 to Петров, 500.00 без НДС;
- 20 Jan: LBX-2026-000004 to Ромашка, 200.00 + 22 % = 244.00, voided on 21 Jan;
- 25 Jan: Ромашка pays 1220.00 by п/п 17 for LBX-2026-000001;
- 28 Jan: a credit note cancels LBX-2026-000002 (−36.66, VAT −3.33);
- 3 Feb: LBX-2026-000005 to Ромашка (February: not in January's export).

The export is made on 1 March, so January is closed and its default cut-off is
6 February 00:00 Moscow time (the period's end plus five days).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from defusedxml import ElementTree
from openpyxl import load_workbook

from api.accounting import export_1c_xlsx, export_1c_xml
from api.accounting.enterprise_data import FORMAT, VatRateNotIn1C
from api.accounting.organisation import SellerUnknown
from api.bootstrap import bootstrap
from api.company import demo_company_profile
from commands.issue_credit_note import IssueCreditNote
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from commands.register_customer import RegisterCustomer
from commands.void_invoice import VoidInvoice
from ledger.errors import InvalidField
from projections import queries
from tests.support.collections import on
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from uuid import UUID
    from xml.etree.ElementTree import Element

    from api.bootstrap import Services
    from ledger.clock import SimulatedClock

JAN_1, JAN_31 = date(2026, 1, 1), date(2026, 1, 31)
SELLER = demo_company_profile().as_of(JAN_31)
ED = "{" + FORMAT + "}"
DEFAULT_CUTOFF = "2026-02-06T00:00:00+03:00"
ZERO = Decimal(0)


@pytest.fixture
def services(backend_env: dict[str, str], clock: SimulatedClock,
             tmp_path: Path) -> Iterator[Services]:
    """LBX on one backend with our company's requisites configured (1C needs them)."""
    seller = tmp_path / "company.yaml"
    seller.write_text(yaml.safe_dump(demo_company_profile().to_data(), allow_unicode=True),
                      encoding="utf-8")
    built = bootstrap({**backend_env, "LBX_COMPANY_FILE": str(seller)}, clock=clock)
    try:
        yield built
    finally:
        built.close()


def charge(services: Services, customer: UUID, day: date, amount: str,
           description: str, vat_rate: str | None = None) -> dict[str, Any]:
    """Bill a one-off service on ``day``; the invoice's id and number."""
    on(services, day)
    return send(services, RecordCharge(customer_id=customer, amount=amount,
                                       description=description, vat_rate=vat_rate)).result


def january(services: Services) -> dict[str, Any]:
    """The story of the module docstring; ids of what a test refers to."""
    on(services, date(2026, 1, 10))
    romashka = register(services, "A-1", name="ООО Ромашка", inn="7707049388", kpp="770701001",
                        vat_mode="exclusive", vat_rate="22")
    petrov = register(services, "B-1", name="ИП Петров Пётр", inn="500100732259")
    first = charge(services, romashka, date(2026, 1, 10), "1000.00", "Внедрение")
    second = charge(services, romashka, date(2026, 1, 12), "33.33", "Консультация", "10")
    third = charge(services, petrov, date(2026, 1, 15), "500.00", "Обучение")
    fourth = charge(services, romashka, date(2026, 1, 20), "200.00", "Ошибочный счёт")
    on(services, date(2026, 1, 21))
    send(services, VoidInvoice(customer_id=romashka, invoice_id=fourth["invoice_id"],
                               reason="Выставлен по ошибке"))
    on(services, date(2026, 1, 25))
    send(services, RecordPayment(customer_id=romashka, amount="1220.00", currency="RUB",
                                 reference="п/п 17", received_on=date(2026, 1, 25),
                                 invoice_ids=[first["invoice_id"]]))
    on(services, date(2026, 1, 28))
    send(services, IssueCreditNote(customer_id=romashka, invoice_id=second["invoice_id"],
                                   reason="Консультация не состоялась"))
    charge(services, romashka, date(2026, 2, 3), "100.00", "Февраль")
    on(services, date(2026, 3, 1))
    return {"romashka": romashka, "petrov": petrov, "first": first, "second": second,
            "third": third, "fourth": fourth}


def body(xml: bytes) -> Element:
    """The parsed message's Body (defusedxml: the file is read like untrusted input)."""
    root = ElementTree.fromstring(xml)
    found = root.find(ED + "Body")
    assert found is not None
    return found


def text(element: Element, path: str) -> str:
    """The text at ``path`` (ED-qualified steps separated by ``/``)."""
    found = element.find("/".join(ED + step for step in path.split("/")))
    assert found is not None, path
    return found.text or ""


def sales(xml: bytes) -> dict[str, dict[str, Any]]:
    """Each sale by number: its sum, counterparty ИНН and (rate, sum, VAT) rows."""
    return {
        text(d, "КлючевыеСвойства/Номер"): {
            "date": text(d, "КлючевыеСвойства/Дата"),
            "sum": Decimal(text(d, "Сумма")),
            "inn": text(d, "Контрагент/ИНН"),
            "rows": [(text(r, "СтавкаНДС"), Decimal(text(r, "Сумма")),
                      Decimal(text(r, "СуммаНДС"))) for r in d.iter(ED + "Строка")],
        }
        for d in body(xml).iter(ED + "Документ.РеализацияТоваровУслуг")
    }


def payments(xml: bytes) -> list[tuple[str, str, str, Decimal]]:
    """Each payment: date, number, payer ИНН, sum."""
    return [(text(p, "КлючевыеСвойства/Дата"), text(p, "КлючевыеСвойства/Номер"),
             text(p, "Контрагент/ИНН"), Decimal(text(p, "Сумма")))
            for p in body(xml).iter(ED + "Документ.ПоступлениеБезналичныхДенежныхСредств")]


def sheet(xlsx: bytes, name: str) -> list[list[Any]]:
    """A sheet's rows (header first); numbers come back as text-exact Decimals."""
    book = load_workbook(io.BytesIO(xlsx))
    return [[Decimal(str(v)) if isinstance(v, float | int) and not isinstance(v, bool) else v
             for v in row] for row in book[name].iter_rows(values_only=True)]


def test_counterparties_carry_their_inn_and_kpp(services: Services) -> None:
    january(services)
    xml = export_1c_xml(services, JAN_1, JAN_31)
    found = {text(c, "КлючевыеСвойства/ИНН"): c
             for c in body(xml).iter(ED + "Справочник.Контрагенты")}
    assert set(found) == {"7707049388", "500100732259"}
    romashka, petrov = found["7707049388"], found["500100732259"]
    assert text(romashka, "КлючевыеСвойства/Наименование") == "ООО Ромашка"
    assert text(romashka, "КлючевыеСвойства/КПП") == "770701001"
    assert text(romashka, "КлючевыеСвойства/ЮридическоеФизическоеЛицо") == "ЮридическоеЛицо"
    assert petrov.find(f"{ED}КлючевыеСвойства/{ED}КПП") is None  # an ИП has no КПП
    assert text(petrov, "КлючевыеСвойства/ЮридическоеФизическоеЛицо") == "ФизическоеЛицо"


def test_each_sale_carries_its_sum_and_vat_by_rate(services: Services) -> None:
    january(services)
    found = sales(export_1c_xml(services, JAN_1, JAN_31))
    assert found == {
        "LBX-2026-000001": {"date": "2026-01-10T12:00:00", "sum": Decimal("1220.00"),
                            "inn": "7707049388",
                            "rows": [("НДС22", Decimal("1220.00"), Decimal("220.00"))]},
        "LBX-2026-000002": {"date": "2026-01-12T12:00:00", "sum": Decimal("36.66"),
                            "inn": "7707049388",
                            "rows": [("НДС10", Decimal("36.66"), Decimal("3.33"))]},
        "LBX-2026-000003": {"date": "2026-01-15T12:00:00", "sum": Decimal("500.00"),
                            "inn": "500100732259",
                            "rows": [("БезНДС", Decimal("500.00"), Decimal("0.00"))]},
    }  # LBX-2026-000004 was voided; LBX-2026-000005 is February's


def test_documents_name_our_organisation_and_the_message_its_format(services: Services) -> None:
    january(services)
    xml = export_1c_xml(services, JAN_1, JAN_31)
    root = ElementTree.fromstring(xml)
    message = "{http://www.1c.ru/SSL/Exchange/Message}"
    assert root.findtext(f"{message}Header/{message}Format") == FORMAT
    assert root.findtext(f"{message}Header/{message}CreationDate") == "2026-02-06T00:00:00"
    sale = next(body(xml).iter(ED + "Документ.РеализацияТоваровУслуг"))
    assert text(sale, "КлючевыеСвойства/Организация/ИНН") == SELLER.inn == "7709543218"
    assert text(sale, "КлючевыеСвойства/Организация/КПП") == SELLER.kpp
    assert text(sale, "КлючевыеСвойства/Организация/Наименование") == SELLER.name
    assert text(sale, "Налогообложение") == "ПродажаОблагаетсяНДС"
    assert b"2026-02-06T00:00:00+03:00" in xml  # the file states its cut-off


def test_a_sale_without_vat_says_so(services: Services) -> None:
    january(services)
    found = [d for d in body(export_1c_xml(services, JAN_1, JAN_31))
             .iter(ED + "Документ.РеализацияТоваровУслуг")
             if text(d, "КлючевыеСвойства/Номер") == "LBX-2026-000003"]
    assert text(found[0], "Налогообложение") == "ПродажаНеОблагаетсяНДС"


def test_sales_tie_to_the_invoice_register(services: Services) -> None:
    january(services)
    services.await_position(services.ledger.max_position())
    register_rows = queries.invoices(services.store, today="2026-03-01",
                                     period_from="2026-01-01", period_to="2026-01-31").items
    expected = sum(Decimal(r["total"]).scaleb(-2) for r in register_rows if not r["void"])
    exported = sum(s["sum"] for s in sales(export_1c_xml(services, JAN_1, JAN_31)).values())
    assert exported == expected == Decimal("1756.66")


def test_payments_carry_their_dates_and_document_numbers(services: Services) -> None:
    january(services)
    assert payments(export_1c_xml(services, JAN_1, JAN_31)) == [
        ("2026-01-25T12:00:00", "п/п 17", "7707049388", Decimal("1220.00"))]
    rows = sheet(export_1c_xlsx(services, JAN_1, JAN_31), "Оплаты")
    assert rows[0][:9] == ["Дата", "Номер документа", "Контрагент", "ИНН", "КПП",
                           "Плательщик", "ИНН плательщика", "Валюта", "Сумма"]
    assert rows[1][0].date() == date(2026, 1, 25)  # a date cell reads back as a datetime
    assert rows[1][1:5] == ["п/п 17", "ООО Ромашка", "7707049388", "770701001"]
    assert rows[1][7:11] == ["RUB", Decimal("1220.00"), "bank_transfer", "LBX-2026-000001"]


def test_payments_can_be_left_out_for_a_base_that_loads_the_bank_statement(
    services: Services,
) -> None:
    january(services)
    xml = export_1c_xml(services, JAN_1, JAN_31, payments=False)
    assert payments(xml) == []
    assert set(sales(xml)) == {"LBX-2026-000001", "LBX-2026-000002", "LBX-2026-000003"}
    assert xml != export_1c_xml(services, JAN_1, JAN_31)


def test_the_workbook_lists_sales_by_rate_with_money_as_numbers(services: Services) -> None:
    january(services)
    xlsx = export_1c_xlsx(services, JAN_1, JAN_31)
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["Реализация", "Корректировки", "Оплаты", "Контрагенты",
                               "НДС по ставкам", "Параметры"]
    total_cell = book["Реализация"]["J2"]
    assert total_cell.data_type == "n"
    assert total_cell.number_format == "#,##0.00"
    assert [row[1:] for row in sheet(xlsx, "Реализация")[1:]] == [
        ["LBX-2026-000001", "ООО Ромашка", "7707049388", "770701001", "RUB", "22%",
         Decimal("1000.00"), Decimal("220.00"), Decimal("1220.00")],
        ["LBX-2026-000002", "ООО Ромашка", "7707049388", "770701001", "RUB", "10%",
         Decimal("33.33"), Decimal("3.33"), Decimal("36.66")],
        ["LBX-2026-000003", "ИП Петров Пётр", "500100732259", None, "RUB", "без НДС",
         Decimal("500.00"), ZERO, Decimal("500.00")],
    ]
    assert [row[:3] for row in sheet(xlsx, "Контрагенты")[1:]] == [
        ["ИП Петров Пётр", "500100732259", None], ["ООО Ромашка", "7707049388", "770701001"]]


def test_a_credit_note_is_a_correction_and_vat_by_rate_nets_it(services: Services) -> None:
    story = january(services)
    xlsx = export_1c_xlsx(services, JAN_1, JAN_31)
    (correction,) = sheet(xlsx, "Корректировки")[1:]
    assert correction[2:4] == ["Кредит-нота", story["second"]["number"]]
    assert correction[8:13] == ["10%", Decimal("-33.33"), Decimal("-3.33"), Decimal("-36.66"),
                                "Консультация не состоялась"]
    assert sheet(xlsx, "НДС по ставкам")[1:] == [
        ["RUB", "10%", Decimal("33.33"), Decimal("3.33"), Decimal("36.66"),
         Decimal("-33.33"), Decimal("-3.33"), Decimal("-36.66"),
         ZERO, ZERO, ZERO],
        ["RUB", "22%", Decimal("1000.00"), Decimal("220.00"), Decimal("1220.00"),
         ZERO, ZERO, ZERO,
         Decimal("1000.00"), Decimal("220.00"), Decimal("1220.00")],
        ["RUB", "без НДС", Decimal("500.00"), ZERO, Decimal("500.00"),
         ZERO, ZERO, ZERO,
         Decimal("500.00"), ZERO, Decimal("500.00")],
    ]


@pytest.mark.parametrize(("period_from", "period_to", "as_known_at", "field"), [
    (JAN_31, JAN_1, None, "to"),
    (date(2025, 1, 1), date(2026, 1, 31), None, "to"),
    (date(1999, 12, 31), JAN_31, None, "from"),
    (JAN_1, JAN_31, datetime(2026, 2, 6), "as_known_at"),  # noqa: DTZ001  (no zone: refused)
    (JAN_1, JAN_31, datetime(2027, 1, 1, tzinfo=UTC), "as_known_at"),
])
def test_a_bad_period_or_cutoff_is_refused_naming_the_field(
    services: Services, period_from: date, period_to: date, as_known_at: datetime | None,
    field: str,
) -> None:
    with pytest.raises(InvalidField) as refused:
        export_1c_xlsx(services, period_from, period_to, as_known_at)
    assert refused.value.field == field


def test_a_control_character_in_a_name_does_not_break_the_file(services: Services) -> None:
    checked = RegisterCustomer(external_key="C-1", name="ООО Лютик")  # names are checked now;
    customer = send(services, checked.model_copy(  # one a CRM sent before is in the history
        update={"name": "ООО\x01 Лютик"})).target_id
    charge(services, customer, date(2026, 1, 15), "100.00", "Услуги")
    xml = export_1c_xml(services, JAN_1, JAN_31, as_known_at=services.runtime.clock.now())
    (party,) = body(xml).iter(ED + "Справочник.Контрагенты")
    assert text(party, "КлючевыеСвойства/Наименование") == "ООО Лютик"
    xlsx = export_1c_xlsx(services, JAN_1, JAN_31, as_known_at=services.runtime.clock.now())
    assert sheet(xlsx, "Контрагенты")[1][0] == "ООО Лютик"


def test_a_rate_1c_does_not_know_is_refused_naming_the_document(services: Services) -> None:
    customer = register(services, "C-1", name="ООО Лютик", vat_mode="exclusive")
    charge(services, customer, date(2026, 1, 15), "100.00", "Особая ставка", "12.5")
    with pytest.raises(VatRateNotIn1C, match="LBX-2026-000001"):
        export_1c_xml(services, JAN_1, JAN_31, as_known_at=services.runtime.clock.now())


def test_documents_not_in_roubles_stay_in_the_workbook_only(services: Services) -> None:
    customer = register(services, "U-1", name="Acme Inc", currency="USD")
    charge(services, customer, date(2026, 1, 15), "100.00", "Support")
    now = services.runtime.clock.now()
    xml = export_1c_xml(services, JAN_1, JAN_31, as_known_at=now)
    assert sales(xml) == {}
    assert "Не в рублях, не выгружено: 1".encode() in xml
    rows = sheet(export_1c_xlsx(services, JAN_1, JAN_31, as_known_at=now), "Реализация")
    assert rows[1][5:] == ["USD", "без НДС", Decimal("100.00"), ZERO, Decimal("100.00")]


def test_without_our_company_requisites_there_is_no_1c_file(
    backend_env: dict[str, str], clock: SimulatedClock,
) -> None:
    bare = bootstrap(backend_env, clock=clock)
    try:
        with pytest.raises(SellerUnknown):
            export_1c_xml(bare, JAN_1, JAN_31)
        assert export_1c_xlsx(bare, JAN_1, JAN_31)  # the workbook needs no organisation
    finally:
        bare.close()


def test_our_inn_alone_names_the_organisation(
    backend_env: dict[str, str], clock: SimulatedClock,
) -> None:
    own = bootstrap({**backend_env, "LBX_OWN_INN": "7707083893"}, clock=clock)
    try:
        customer = register(own, "C-1", name="ООО Лютик")
        charge(own, customer, date(2026, 1, 15), "100.00", "Услуги")
        xml = export_1c_xml(own, JAN_1, JAN_31, as_known_at=own.runtime.clock.now())
        sale = next(body(xml).iter(ED + "Документ.РеализацияТоваровУслуг"))
        organisation = sale.find(f"{ED}КлючевыеСвойства/{ED}Организация")
        assert organisation is not None
        assert [(e.tag.removeprefix(ED), e.text) for e in organisation] == [
            ("ИНН", "7707083893"), ("ЮридическоеФизическоеЛицо", "ЮридическоеЛицо")]
    finally:
        own.close()
