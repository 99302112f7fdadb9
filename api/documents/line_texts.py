"""A line's description in the document's language, with the period's last day.

The bill run writes descriptions in English from templates (``ledger/billing/line_texts.py``
and the plan-change ones of ``ledger/system_texts.py``), with the half-open period the
ledger counts with: «Старт: Абонентская плата 2026-01-01 → 2026-02-01». A Russian счёт,
акт or 1C ``Содержание`` must say «Старт: Абонентская плата, 01.01.2026–31.01.2026», as
the header's «Период оказания услуг» does. So a description is recognised by the template
that wrote it and rewritten with the same mechanism the workspace uses for system texts
(``projections.messages``: a message id and typed values, translated from the gettext
catalogues of ``api/web/locale``, here ``documents.po``). Its message ids are the
documents' own, since they say the last day where the ledger's say the end. A text no
template knows (a one-off charge a person described) is printed exactly as typed.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from api.documents.labels import date_short, money_text, quantity_text
from ledger import system_texts as st
from ledger.billing import line_texts as lt
from ledger.money import Money
from projections.messages import Message, Style, encode, render

if TYPE_CHECKING:
    from decimal import Decimal

    from api.documents.amount_words import Language

MESSAGES: dict[st.SystemText, Message] = {
    lt.FEE_CREDIT_LINE: Message(
        "{plan}: {component}, {first} to {last}, unused after the end of service"),
    lt.LATE_USAGE_LINE: Message("{plan}: {component}, {first} to {last}, late usage correction"),
    lt.MINIMUM_LINE: Message("{plan}: minimum charge, {first} to {last}"),
    st.UNUSED_PART_LINE: Message("{plan}: unused part of the period, {first} to {last}"),
    st.REMAINING_PART_LINE: Message("{plan}: remaining part of the period, {first} to {last}"),
    lt.FEE_LINE: Message("{plan}: {component}, {first} to {last}"),
}
"""Each template the ledger writes, and the message a document prints it as, tried in this
order: the fee's template, most general, last (a minimum charge or a plan change's part
would also read as a fee of a component named «minimum charge» or «unused part»)."""
QUANTITY = Message("{text}, quantity {quantity}")
"""A line whose price per unit is no whole number of kopecks: its quantity is said here."""
QUANTITY_FORMULA = Message("{text}, {quantity} × {price} × {days}/{period_days} days")
"""The same, for a prorated seat fee: seats × price × days served / days in the period."""
DOCUMENT_MESSAGES = (*MESSAGES.values(), QUANTITY, QUANTITY_FORMULA)


def describe(text: str, language: Language) -> str:
    """A recorded description as a document in ``language`` prints it."""
    for template, message in MESSAGES.items():
        fields = template.read(text)
        if fields is not None:
            start, end = date.fromisoformat(fields["start"]), date.fromisoformat(fields["end"])
            values: dict[str, Any] = {name: value for name, value in fields.items()
                                      if name not in {"start", "end"}}
            values |= {"first": encode(start), "last": encode(end - timedelta(days=1))}
            return render(message, values, _style(language))
    return text


def with_quantity(text: str, quantity: Decimal, price: Money | None, days: tuple[int, int] | None,
                  language: Language) -> str:
    """``text`` and the quantity a line is billed for, with its price and days when known."""
    values: dict[str, Any] = {"text": text, "quantity": quantity_text(quantity, language)}
    if price is None or days is None:
        return render(QUANTITY, values, _style(language))
    values |= {"price": money_text(price, language), "days": days[0], "period_days": days[1]}
    return render(QUANTITY_FORMULA, values, _style(language))


@cache
def _style(language: Language) -> Style:
    """Translated from the workspace's catalogues; dates and money as documents print them."""
    from api.web.i18n import translations  # noqa: PLC0415  (api.web imports the documents)

    def day(value: str) -> str:
        return date_short(date.fromisoformat(value), language)

    def money(minor: int, currency: str) -> str:
        return money_text(Money(minor, currency), language)

    return Style(translate=translations(language).gettext, money=money, date=day,
                 number=str)
