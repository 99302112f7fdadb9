"""One recorded invoice line as a document prints it: description, quantity, price, VAT.

Why quantity × price must be the sum: an accountant checks the arithmetic of every line of
a счёт or акт (docs/documents.md promises it). A price per unit is printed in kopecks, so
when the line's sum is no whole number of kopecks per unit (3 seats prorated to 709.67;
65 000 API calls for 49.00) the line is printed as 1 × its sum, and its quantity (with
seats × price × days served / days in the period, when the line says them) goes into
the description. Whether the line carries VAT comes from its invoice's recorded VAT mode
(``ledger.vat.charged_rate``), never from its amounts alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from api.documents.line_texts import describe, with_quantity
from ledger.money import Money
from ledger.vat import charged_rate

if TYPE_CHECKING:
    from api.documents.amount_words import Language
    from ledger.customers.billing_events import LineRecord
    from ledger.vat import VatMode

_SEAT_FORMULA = re.compile(
    r"[−-]?\d+(?:\.\d+)? = [−-]?(?P<price>\d+(?:\.\d+)?) × \d+ seats? × (?P<days>\d+)/(?P<of>\d+)"
    r"(?:, .*)?", re.ASCII | re.DOTALL)
"""The formula of a prorated seat fee, ``709.67 = 333.33 × 3 seats × 22/31`` (fees.py)."""


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """One line: what, how many, at what price, and its VAT (``vat_rate`` None: без НДС)."""

    position: int
    description: str
    quantity: Decimal
    unit_price: Money
    discount: Money
    net: Money
    vat_rate: Decimal | None
    vat: Money
    total: Money
    price_includes_vat: bool = False
    """The price (as agreed) holds VAT: the customer is billed VAT-inclusive."""

    @property
    def amount(self) -> Money:
        """Quantity × price less the discount, the sum printed beside the price.

        «Сумма с НДС» (the line's total) when the price holds VAT, else «Сумма без НДС»
        (its net): price and sum are always in the same terms.
        """
        return self.total if self.price_includes_vat else self.net


def document_line(
    position: int, line: LineRecord, language: Language, mode: VatMode | None,
) -> DocumentLine:
    """A recorded line as printed, in ``language``, its VAT read in the invoice's ``mode``.

    Its price is in the same terms (with or without VAT) as the sum beside it, so that
    quantity × price − discount is that sum, exactly.
    """
    quantity = line.quantity or Decimal(1)
    description = describe(line.description, language)
    price = Money.of(Fraction(line.amount.amount) / Fraction(quantity), line.amount.currency)
    if price.times(Fraction(quantity)) != line.amount:
        description = _quantity_said(description, line, quantity, language)
        quantity, price = Decimal(1), line.amount
    return DocumentLine(
        position=position, description=description, quantity=quantity, unit_price=price,
        discount=line.discount, net=line.net,
        vat_rate=charged_rate(line.vat_rate, mode=mode, vat=line.vat, net=line.net),
        vat=line.vat, total=line.total, price_includes_vat=_priced_with_vat(line),
    )


def _quantity_said(text: str, line: LineRecord, quantity: Decimal, language: Language) -> str:
    seats = _SEAT_FORMULA.fullmatch(line.formula)
    if seats is None:
        return with_quantity(text, quantity, None, None, language)
    price = Money.of(Decimal(seats["price"]), line.amount.currency)
    return with_quantity(text, quantity, price, (int(seats["days"]), int(seats["of"])),
                         language)


def _priced_with_vat(line: LineRecord) -> bool:
    """True when the recorded amount held VAT (VAT-inclusive billing).

    Exclusive: net = amount − discount and VAT comes on top; inclusive: total = amount −
    discount and VAT is inside it. A line without VAT is both, and priced without VAT.
    """
    return bool(line.vat.minor) and line.total == line.amount - line.discount
