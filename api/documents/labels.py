"""Words and number formats of a document, in Russian and English.

Why hand-written formats instead of the locale library: a document must render to the same
bytes forever, and CLDR data changes between releases (the Russian group separator moved
from a no-break space to a narrow one). So thousands are grouped here by fixed rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.money import minor_digits

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

    from api.documents.amount_words import Language
    from ledger.money import Money

MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "invoice": "Счёт на оплату", "act": "Акт оказанных услуг", "no": "№", "of": "от",
        "credit_note": "Кредит-нота", "seller_credit_note": "Поставщик",
        "buyer_credit_note": "Покупатель", "item_credit_note": "Сторнируемые позиции",
        "count_credit_note": "Всего позиций {n}, на сумму {amount} {cur}",
        "corrects": "К счёту № {number} от {date}. Основание: {reason}. Задолженность "
                    "Покупателя уменьшается на сумму кредит-ноты.",
        "correction": "Корректировочный расчёт", "seller_correction": "Поставщик",
        "buyer_correction": "Покупатель", "item_correction": "Товары (работы, услуги)",
        "count_correction": "Всего позиций {n}, на сумму {amount} {cur}",
        "correction_words": "Сумма уменьшения задолженности Покупателя:",
        "correction_text": "Документ не является счётом на оплату: оплачивать его не нужно. "
                           "Сумма уменьшает задолженность Покупателя и зачитывается в оплату "
                           "его счетов, остаток — в счёт будущих платежей. Акт по этому "
                           "документу не составляется.",
        "voided": "АННУЛИРОВАН {date}. Причина: {reason}. Оплачивать этот документ не нужно.",
        "bank": "Банк получателя", "bik": "БИК", "acc": "Сч. №", "acc_corr": "Сч. №",
        "payee": "Получатель",
        "inn": "ИНН", "kpp": "КПП", "ogrn": "ОГРН", "seller_invoice": "Поставщик",
        "buyer_invoice": "Покупатель", "seller_act": "Исполнитель", "buyer_act": "Заказчик",
        "address": "Адрес", "corr": "к/с", "account": "р/с", "in_bank": "в",
        "pos": "№", "item_invoice": "Товары (работы, услуги)",
        "item_act": "Наименование работ, услуг", "qty": "Кол-во", "unit": "Ед.",
        "unit_name": "усл.", "price": "Цена", "discount": "Скидка",
        "net": "Сумма без НДС", "rate": "Ставка НДС", "vat": "Сумма НДС", "gross": "Всего",
        "price_incl": "Цена с НДС", "sum_incl": "Сумма с НДС", "vat_incl": "в т.ч. НДС",
        "credit_words": "Зачтён аванс {credit} {cur}, всего к оплате {due} {cur}:",
        "net_total": "Итого без НДС:", "vat_of": "НДС", "no_vat": "Без НДС",
        "total": "Итого с НДС:", "total_exempt": "Итого:", "credit": "Зачтён аванс:",
        "due_total": "Всего к оплате:",
        "count_invoice": "Всего наименований {n}, на сумму {amount} {cur}",
        "count_act": "Всего оказано услуг {n}, на сумму {amount} {cur}",
        "pay_by": "Оплатить не позднее {date}.",
        "purpose_hint": "В назначении платежа укажите: «{purpose}».",
        "purpose": "Оплата по счёту № {number} от {date}, {vat}",
        "qr_caption": "Оплата по QR-коду",
        "purpose_vat": "в т.ч. НДС {amounts}", "purpose_no_vat": "НДС не облагается",
        "period": "Период оказания услуг: {start} — {end}.",
        "act_text": "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий "
                    "по объёму, качеству и срокам оказания услуг не имеет.",
        "director": "Руководитель", "accountant": "Бухгалтер",
        "signature": "подпись", "stamp": "М.П.",
    },
    "en": {
        "invoice": "Invoice", "act": "Certificate of services rendered", "no": "No.",
        "credit_note": "Credit note", "seller_credit_note": "Seller",
        "buyer_credit_note": "Bill to", "item_credit_note": "Credited items",
        "count_credit_note": "{n} item(s) credited, total {amount} {cur}",
        "corrects": "Against invoice No. {number} of {date}. Reason: {reason}. The amount "
                    "owed by the customer is reduced by this credit note.",
        "correction": "Adjustment statement", "seller_correction": "Seller",
        "buyer_correction": "Bill to", "item_correction": "Description",
        "count_correction": "{n} item(s), total {amount} {cur}",
        "correction_words": "The customer's debt is reduced by:",
        "correction_text": "This is not an invoice: nothing is to be paid on it. The amount "
                           "reduces what the customer owes and settles their invoices; the "
                           "rest is credit for future invoices. No certificate of services "
                           "is issued for it.",
        "voided": "VOID since {date}. Reason: {reason}. Nothing is to be paid on this "
                  "document.",
        "of": "of", "bank": "Bank", "bik": "Bank code", "acc": "Account",
        "acc_corr": "Corr. account", "payee": "Payee",
        "inn": "Tax ID", "kpp": "Tax reg. code", "ogrn": "Reg. No.", "seller_invoice": "Seller",
        "buyer_invoice": "Bill to", "seller_act": "Provider", "buyer_act": "Customer",
        "address": "Address", "corr": "Corr. account", "account": "Account", "in_bank": "at",
        "pos": "#", "item_invoice": "Description", "item_act": "Services rendered",
        "qty": "Qty", "unit": "Unit", "unit_name": "svc", "price": "Unit price",
        "discount": "Discount", "net": "Net", "rate": "VAT rate", "vat": "VAT",
        "gross": "Total", "price_incl": "Unit price incl. VAT",
        "sum_incl": "Amount incl. VAT",
        "vat_incl": "incl. VAT",
        "credit_words": "Credit applied {credit} {cur}, amount due {due} {cur}:",
        "net_total": "Net total:", "vat_of": "VAT", "no_vat": "No VAT",
        "total": "Total incl. VAT:", "total_exempt": "Total:", "credit": "Credit applied:",
        "due_total": "Amount due:",
        "count_invoice": "{n} item(s), total {amount} {cur}",
        "count_act": "{n} service(s) rendered, total {amount} {cur}",
        "pay_by": "Please pay by {date}.",
        "purpose_hint": 'Payment reference: "{purpose}".',
        "purpose": "Invoice No. {number} of {date}, {vat}",
        "qr_caption": "Pay by QR code",
        "purpose_vat": "incl. VAT {amounts}", "purpose_no_vat": "VAT not applicable",
        "period": "Service period: {start} to {end}.",
        "act_text": "The services listed above have been rendered in full and on time. The "
                    "customer has no claims as to their scope, quality or timing.",
        "director": "Director", "accountant": "Accountant",
        "signature": "signature", "stamp": "Seal",
    },
}


def money_text(amount: Money, language: Language) -> str:
    """``1 220,00`` in Russian, ``1,220.00`` in English (fixed separators, never CLDR)."""
    sign = "-" if amount.minor < 0 else ""
    whole, _, fraction = abs(amount).to_decimal_string().partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    grouped = (" " if language == "ru" else ",").join(groups) or "0"
    if not minor_digits(amount.currency):
        return sign + grouped
    return f"{sign}{grouped}{',' if language == 'ru' else '.'}{fraction}"


def quantity_text(quantity: Decimal, language: Language) -> str:
    """A quantity without trailing zeros (``3``, ``1,5``)."""
    text = format(quantity.normalize(), "f")
    return text.replace(".", ",") if language == "ru" else text


def rate_text(rate: Decimal | None, language: Language) -> str:
    """``22 %``, or «Без НДС» / "No VAT"."""
    if rate is None:
        return LABELS[language]["no_vat"]
    return f"{quantity_text(rate, language)} %"


def date_long(day: date, language: Language) -> str:
    """«15 января 2026 г.» / "15 January 2026"."""
    if language == "ru":
        return f"{day.day} {MONTHS_RU[day.month - 1]} {day.year} г."
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def date_short(day: date, language: Language) -> str:
    """``15.01.2026`` / ``2026-01-15``."""
    return day.strftime("%d.%m.%Y") if language == "ru" else day.isoformat()


def currency_short(currency: str, language: Language) -> str:
    """«руб.» for roubles in Russian, otherwise the ISO code."""
    return "руб." if currency == "RUB" and language == "ru" else currency
