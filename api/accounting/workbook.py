"""The register as an XLSX workbook for the accountant: sales, corrections, payments, VAT.

Money goes in as numbers (exact ``Decimal`` values, shown with two decimals), so the
accountant can sum and pivot; dates as dates. Text that starts with ``=`` (a customer
named ``=HYPERLINK(...)`` in a CRM) is stored as a string cell, never as a formula. The
workbook holds everything of the period, including what the 1C file leaves out
(corrections, documents not in roubles).

Reproducible: openpyxl stamps "modified" with the current time and the ZIP entries with the
time of writing; both are replaced by the cut-off, so the same register gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from api.accounting.enterprise_data import FORMAT
from api.documents.tables import keep_as_text
from ledger.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from openpyxl.worksheet.worksheet import Worksheet

    from api.accounting.register import Document, Line, Register

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "DD.MM.YYYY"
PARTY = ("Контрагент", "ИНН", "КПП")
KINDS = {"invoice": "Реализация", "credit_note": "Кредит-нота", "void": "Аннулирование",
         "credit_invoice": "Счёт ниже нуля"}
LATE_RECORDS = (
    "записи, датированные периодом, но внесённые в LBX после момента «Данные на», в этот "
    "файл не входят. Их число на момент выгрузки указано рядом с файлом (заголовок "
    "X-LBX-Late-Records, вывод «lbx export 1c»), а не в нём: иначе тот же момент давал бы "
    "другой файл. Если оно больше нуля, выгрузите период снова с более поздним моментом "
    "(as_known_at) и загрузите новый файл: 1С обновит уже загруженные документы.")
"""What the «Параметры» sheet says of late records (docs/integrations.md, «Late records»)."""


def workbook(register: Register) -> bytes:
    """The workbook of the register, XLSX bytes."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    _sales(book.create_sheet("Реализация"), register)
    _corrections(book.create_sheet("Корректировки"), register)
    _payments(book.create_sheet("Оплаты"), register)
    _counterparties(book.create_sheet("Контрагенты"), register)
    _vat(book.create_sheet("НДС по ставкам"), register)
    _about(book.create_sheet("Параметры"), register)
    stamp = register.period.as_known_at.replace(tzinfo=None)  # openpyxl writes UTC, naive
    book.properties.creator = "LBX"
    book.properties.title = (f"Реализация и оплаты {register.period.date_from} — "
                             f"{register.period.date_to}")
    book.properties.created = book.properties.modified = stamp
    return _save(book, register.period.as_known_at)


def _save(book: Workbook, stamp: datetime) -> bytes:
    """Write the workbook, then give every ZIP entry the same fixed time."""
    first = io.BytesIO()
    with zipfile.ZipFile(first, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    fixed = io.BytesIO()
    when = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(first) as source, zipfile.ZipFile(fixed, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(entry.filename))
    return fixed.getvalue()


def _table(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A header row in bold, then rows; Money becomes a number, a date a date, None empty."""
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append([_cell(v) for v in values])
        for cell, value in zip(sheet[sheet.max_row], values, strict=True):
            keep_as_text(cell)
            if isinstance(value, Money):
                cell.number_format = MONEY_FORMAT
            elif hasattr(value, "isoformat"):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(title) + 2)


def _cell(value: Any) -> Any:
    """What a cell holds: a number for Money, text without characters XLSX refuses."""
    if isinstance(value, Money):
        return value.amount
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _by_rate(document: Document) -> list[tuple[str, list[Line]]]:
    groups: dict[str, list[Line]] = {}
    for line in document.lines:
        groups.setdefault(line.rate_label, []).append(line)
    return list(groups.items())


def _totals(lines: Sequence[Line], currency: str) -> list[Money]:
    net = vat = total = Money.zero(currency)
    for line in lines:
        net, vat, total = net + line.net, vat + line.vat, total + line.total
    return [net, vat, total]


def _party(register: Register, customer_id: str) -> list[Any]:
    party = register.counterparty(customer_id)
    return [party.name, party.inn, party.kpp]


def _sales(sheet: Worksheet, register: Register) -> None:
    header = ("Дата", "Номер", *PARTY, "Валюта", "Ставка НДС", "Сумма без НДС", "НДС",
              "Сумма с НДС")
    _table(sheet, header, (
        [d.on, d.number, *_party(register, d.customer_id), d.currency, rate,
         *_totals(lines, d.currency)]
        for d in register.sales for rate, lines in _by_rate(d)))


def _corrections(sheet: Worksheet, register: Register) -> None:
    header = ("Дата", "Номер", "Вид", "К счёту", *PARTY, "Валюта", "Ставка НДС",
              "Сумма без НДС", "НДС", "Сумма с НДС", "Причина")
    _table(sheet, header, (
        [d.on, d.number, KINDS[d.kind], d.invoice_number, *_party(register, d.customer_id),
         d.currency, rate, *_totals(lines, d.currency), d.reason]
        for d in register.corrections for rate, lines in _by_rate(d)))


def _payments(sheet: Worksheet, register: Register) -> None:
    header = ("Дата", "Номер документа", *PARTY, "Плательщик", "ИНН плательщика", "Валюта",
              "Сумма", "Способ", "Счета", "Платёж в LBX")
    _table(sheet, header, (
        [p.on, p.reference, *_party(register, p.customer_id), p.payer_name,
         p.payer_inn, p.amount.currency, p.amount, p.method,
         ", ".join(p.invoice_numbers), p.payment_id]
        for p in register.payments))


def _counterparties(sheet: Worksheet, register: Register) -> None:
    _table(sheet, ("Наименование", "ИНН", "КПП", "Ключ во внешней системе", "Клиент в LBX"), (
        [c.name, c.inn, c.kpp, c.external_key, c.customer_id]
        for c in register.counterparties))


def _vat(sheet: Worksheet, register: Register) -> None:
    """Per currency and rate: sales, corrections (negative) and their sum."""
    sums: dict[tuple[str, str], list[Money]] = {}
    for offset, documents in ((0, register.sales), (3, register.corrections)):
        for document in documents:
            for rate, lines in _by_rate(document):
                row = sums.setdefault((document.currency, rate),
                                      [Money.zero(document.currency)] * 6)
                for i, amount in enumerate(_totals(lines, document.currency)):
                    row[offset + i] += amount
    header = ("Валюта", "Ставка НДС", "Реализация без НДС", "НДС реализации",
              "Реализация с НДС", "Корректировки без НДС", "НДС корректировок",
              "Корректировки с НДС", "Итого без НДС", "Итого НДС", "Итого с НДС")
    _table(sheet, header, (
        [currency, rate, *row, row[0] + row[3], row[1] + row[4], row[2] + row[5]]
        for (currency, rate), row in sorted(sums.items())))


def _about(sheet: Worksheet, register: Register) -> None:
    period = register.period
    _table(sheet, ("Параметр", "Значение"), [
        ["Период с", period.date_from],
        ["Период по", period.date_to],
        ["Данные на (время записи в LBX)", period.local_cutoff().isoformat()],
        ["Статус", "предварительно: период ещё может измениться" if period.preliminary
         else "закрыт: повторная выгрузка даст тот же файл"],
        ["Поздние записи", LATE_RECORDS],
        ["Формат файла для 1С", FORMAT],
    ])
