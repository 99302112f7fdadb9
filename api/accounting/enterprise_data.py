"""The register as a 1C EnterpriseData message (the «универсальный формат» of 1C, XML).

What is written, and why so little: the counterparties (``Справочник.Контрагенты``), each
sale as ``Документ.РеализацияТоваровУслуг`` with its services, and each payment as
``Документ.ПоступлениеБезналичныхДенежныхСредств``. The element names follow 1C's published
format and public examples of it; LBX does not validate against 1C's XSD (it is not
shipped here), so the file keeps to the small, commonly used subset that
docs/integrations.md lists, and every value is one LBX knows exactly.

Reproducible by construction: objects come in the register's fixed order; every 1C
reference (``Ссылка``) is a UUID derived from LBX ids, so loading a file again updates the
same objects instead of adding copies; the only instant written is the cut-off.
Only documents in roubles are written: 1C books foreign-currency documents at an exchange
rate, which LBX does not keep; they stay in the workbook, and a comment counts them.

Corrections (credit notes, voids of an earlier period's invoices, and credit invoices —
an invoice below zero at some VAT rate, which a realisation cannot carry since its rows
are never negative) are not written either:
1C's ``Документ.КорректировкаРеализации`` must name the sale it corrects as 1C holds it and
carry each row's amounts before and after the correction (and, for a correction of an
earlier tax period, its own VAT treatment); without 1C's schema to check against, LBX
cannot write it faithfully, and a wrong correction posts wrong VAT. They are in the
workbook's «Корректировки» sheet, and the comment counts them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # writing only; tests read back with defusedxml
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from api.documents.line_texts import describe
from ledger.errors import Rejected
from ledger.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import date

    from api.accounting.organisation import Organisation
    from api.accounting.register import Counterparty, Document, Line, Payment, Register

FORMAT_VERSION = "1.8"
FORMAT = f"http://v8.1c.ru/edi/edi_stnd/EnterpriseData/{FORMAT_VERSION}"
MESSAGE = "http://www.1c.ru/SSL/Exchange/Message"
REFERENCES = uuid5(NAMESPACE_URL, "https://lbx.dev/accounting/1c")
"""The namespace of the UUIDs LBX gives 1C objects (``uuid5`` of it and an LBX id)."""
ROUBLE = ("RUB", "643", "руб.")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
VAT_RATES = {None: "БезНДС", Decimal(0): "НДС0", Decimal(5): "НДС5", Decimal(7): "НДС7",
             Decimal(10): "НДС10", Decimal(18): "НДС18", Decimal(20): "НДС20",
             Decimal(22): "НДС22"}
"""1C's names of VAT rates (the ``СтавкиНДС`` values), keyed by percent (None: без НДС)."""


class VatRateNotIn1C(Rejected):
    """Raised when a document carries a VAT rate that 1C has no value for (e.g. 12.5 %)."""

    title = "VAT rate unknown to 1C"
    template = "document {number}: 1C has no VAT rate {rate}; export it by hand"


def enterprise_data(
    register: Register, seller: Callable[[date], Organisation], *, with_payments: bool = True,
) -> bytes:
    """The EnterpriseData message of the register, UTF-8 XML bytes.

    ``seller`` gives our organisation as of a document's date; ``with_payments=False``
    leaves the payments out (for a base that gets them from the bank statement).
    """
    root = ET.Element("Message", {"xmlns:msg": MESSAGE,
                                  "xmlns:xs": "http://www.w3.org/2001/XMLSchema",
                                  "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    root.append(ET.Comment(_note(register)))
    header = _add(root, "msg:Header")
    _add(header, "msg:Format", FORMAT)
    _add(header, "msg:CreationDate", _instant(register))
    _add(header, "msg:AvailableVersion", FORMAT_VERSION)
    body = _add(root, "Body", attributes={"xmlns": FORMAT})
    roubles = [d for d in register.sales if d.currency == ROUBLE[0]]
    payments = [p for p in register.payments
                if with_payments and p.amount.currency == ROUBLE[0]]
    named = {d.customer_id for d in roubles} | {p.customer_id for p in payments}
    for counterparty in register.counterparties:
        if counterparty.customer_id in named:
            _counterparty(_add(body, "Справочник.Контрагенты"), counterparty)
    for document in roubles:
        _sale(body, document, register.counterparty(document.customer_id), seller(document.on))
    for payment in payments:
        _payment(body, payment, register.counterparty(payment.customer_id), seller(payment.on))
    ET.indent(root, space="  ")
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def reference(kind: str, *ids: str) -> str:
    """The UUID 1C knows an LBX object by (the same for the same object in every file)."""
    return str(uuid5(REFERENCES, ":".join((kind, *ids))))


def vat_rate_name(percent: Decimal | None, number: str) -> str:
    """1C's name of a VAT rate.

    Raises:
        VatRateNotIn1C: the rate has no 1C value.
    """
    try:
        return VAT_RATES[percent if percent is None else percent.normalize()]
    except KeyError:
        raise VatRateNotIn1C(number=number, rate=f"{percent} %") from None


def _note(register: Register) -> str:
    period = register.period
    other = sum(1 for d in register.sales if d.currency != ROUBLE[0]) + sum(
        1 for p in register.payments if p.amount.currency != ROUBLE[0])
    status = "предварительно, период ещё может измениться" if period.preliminary else "закрыт"
    return (f" LBX: реализация и оплаты с {period.date_from} по {period.date_to}, по данным "
            f"на {period.local_cutoff().isoformat()} ({status}). Не в рублях, не выгружено: "
            f"{other}. Корректировки (кредит-ноты, аннулирования, счета с суммой ниже нуля): "
            f"{len(register.corrections)} - не выгружаются, только в книге XLSX (лист "
            f"«Корректировки»). ")


def _instant(register: Register) -> str:
    return register.period.local_cutoff().replace(tzinfo=None).isoformat(timespec="seconds")


def _add(parent: ET.Element, tag: str, text: str | None = None,
         attributes: dict[str, str] | None = None) -> ET.Element:
    """A child element; characters XML 1.0 cannot carry (controls from a CRM) are dropped."""
    element = ET.SubElement(parent, tag, attributes or {})
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _party(parent: ET.Element, counterparty: Counterparty) -> None:
    """The key properties by which 1C finds a counterparty: its reference, name, ИНН, КПП."""
    _add(parent, "Ссылка", str(UUID(counterparty.customer_id)))
    _add(parent, "Наименование", counterparty.name)
    _add(parent, "НаименованиеПолное", counterparty.name)
    if counterparty.inn:
        _add(parent, "ИНН", counterparty.inn)
    if counterparty.kpp:
        _add(parent, "КПП", counterparty.kpp)
    person = counterparty.inn is not None and len(counterparty.inn) == 12  # noqa: PLR2004
    _add(parent, "ЮридическоеФизическоеЛицо", "ФизическоеЛицо" if person else "ЮридическоеЛицо")


def _counterparty(element: ET.Element, counterparty: Counterparty) -> None:
    _party(_add(element, "КлючевыеСвойства"), counterparty)


def _organisation(parent: ET.Element, organisation: Organisation, tag: str) -> None:
    element = _add(parent, tag)
    for name, value in (("Наименование", organisation.name),
                        ("НаименованиеПолное", organisation.name),
                        ("ИНН", organisation.inn), ("КПП", organisation.kpp)):
        if value:
            _add(element, name, value)
    _add(element, "ЮридическоеФизическоеЛицо", "ЮридическоеЛицо")


def _keys(element: ET.Element, ref: str, on: str, number: str, org: Organisation) -> None:
    keys = _add(element, "КлючевыеСвойства")
    _add(keys, "Ссылка", ref)
    _add(keys, "Дата", f"{on}T12:00:00")
    _add(keys, "Номер", number)
    _organisation(keys, org, "Организация")


def _currency(parent: ET.Element, tag: str) -> None:
    element = _add(parent, tag)
    _add(element, "Код", ROUBLE[1])
    _add(element, "Наименование", ROUBLE[2])


def _settlement(parent: ET.Element, counterparty: Counterparty, org: Organisation) -> None:
    """The contract the document settles under: one per customer («Договор LBX <key>»)."""
    data = _add(parent, "ДанныеВзаиморасчетов")
    contract = _add(data, "Договор")
    _add(contract, "Ссылка", reference("contract", counterparty.customer_id, ROUBLE[0]))
    _add(contract, "ВидДоговора", "СПокупателем")
    _organisation(contract, org, "Организация")
    _party(_add(contract, "Контрагент"), counterparty)
    _currency(contract, "ВалютаВзаиморасчетов")
    _add(contract, "РасчетыВУсловныхЕдиницах", "false")
    _add(contract, "Наименование", f"Договор LBX {counterparty.external_key}")
    _currency(data, "ВалютаВзаиморасчетов")
    _add(data, "КурсВзаиморасчетов", "1")
    _add(data, "КратностьВзаиморасчетов", "1")
    _add(data, "РасчетыВУсловныхЕдиницах", "false")


def _sale(body: ET.Element, document: Document, counterparty: Counterparty,
          org: Organisation) -> None:
    element = _add(body, "Документ.РеализацияТоваровУслуг")
    _keys(element, reference("invoice", document.document_id), str(document.on),
          document.number, org)
    _add(element, "ВидОперации", "РеализацияКлиенту")
    _currency(element, "Валюта")
    _add(element, "Сумма", document.total.to_decimal_string())
    _add(element, "СуммаВключаетНДС", "true")
    _party(_add(element, "Контрагент"), counterparty)
    _settlement(element, counterparty, org)
    taxed = any(line.percent is not None for line in document.lines)
    _add(element, "Налогообложение", "ПродажаОблагаетсяНДС" if taxed else "ПродажаНеОблагаетсяНДС")
    services = _add(element, "Услуги")
    for name, percent, lines in _services(document.lines):
        row = _add(services, "Строка")
        item = _add(row, "Номенклатура")
        _add(item, "Наименование", name)
        _add(item, "НаименованиеПолное", name)
        total = _sum(line.total for line in lines)
        _add(row, "Количество", "1")
        _add(row, "Сумма", total.to_decimal_string())
        _add(row, "Цена", total.to_decimal_string())
        _add(row, "СтавкаНДС", vat_rate_name(percent, document.number))
        _add(row, "СуммаНДС", _sum(line.vat for line in lines).to_decimal_string())
        _add(row, "Содержание", "; ".join(describe(line.description, "ru") for line in lines))


def _services(lines: Iterable[Line]) -> list[tuple[str, Decimal | None, list[Line]]]:
    """Lines grouped by service and rate, in first-seen order, no row below zero.

    A sales document in 1C expects rows that are not negative. A plan change's credit for
    the old tariff (a negative group of its own, now that the new tariff's charge is booked
    under the new tariff) joins the largest row of the same rate, which it reduces; its
    description stays in that row's ``Содержание``. The register sends an invoice to the
    corrections when some rate sums below zero, so each rate has a row to join. The sums
    and VAT of the document stay exactly those of its rounded lines.
    """
    groups: dict[tuple[str, Decimal | None], list[Line]] = {}
    for line in lines:
        groups.setdefault((_service_name(line), line.percent), []).append(line)
    while negative := [key for key, group in groups.items() if _sum_of(group).minor < 0]:
        key = negative[0]
        hosts = [other for other in groups if other[1] == key[1] and other != key]
        if not hosts:  # a rate below zero: the register keeps such invoices out
            break
        host = max(hosts, key=lambda other: _sum_of(groups[other]).minor)
        groups[host] += groups.pop(key)
    return [(name, percent, group) for (name, percent), group in groups.items()]


def _sum_of(lines: Iterable[Line]) -> Money:
    return _sum(line.total for line in lines)


def _service_name(line: Line) -> str:
    return f"Услуги LBX: {line.tariff_code}" if line.tariff_code else "Услуги LBX: разовые"


def _payment(body: ET.Element, payment: Payment, counterparty: Counterparty,
             org: Organisation) -> None:
    element = _add(body, "Документ.ПоступлениеБезналичныхДенежныхСредств")
    number = payment.reference or payment.payment_id
    _keys(element, reference("payment", payment.customer_id, payment.payment_id),
          str(payment.on), number, org)
    _add(element, "ВидОперации", "ПоступлениеОплатыОтКлиента")
    _currency(element, "Валюта")
    _add(element, "Сумма", payment.amount.to_decimal_string())
    _party(_add(element, "Контрагент"), counterparty)
    _add(element, "НомерВходящегоДокумента", number)
    _add(element, "ДатаВходящегоДокумента", str(payment.on))
    paid = ", ".join(payment.invoice_numbers)
    _add(element, "НазначениеПлатежа", f"Оплата по счетам {paid}" if paid else "Оплата")
    row = _add(_add(element, "РасшифровкаПлатежа"), "Строка")
    _settlement(row, counterparty, org)
    _add(row, "Сумма", payment.amount.to_decimal_string())


def _sum(amounts: Iterable[Money]) -> Money:
    total = Money.zero(ROUBLE[0])  # only rouble documents are written
    for amount in amounts:
        total += amount
    return total
