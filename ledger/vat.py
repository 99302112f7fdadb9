"""VAT on one invoice line, the way a Russian invoice (счёт-фактура) shows it.

Why per line: the tax authority checks each line's VAT, and the document's VAT is
the sum of its rounded lines, not the VAT of its total (three lines of 33.33 at
22 % carry 7.33 each, 21.99 in all, where 99.99 × 22 % would give 22.00).

- exclusive: VAT is added on top: ``vat = amount × rate / 100``;
- inclusive: the amount already holds VAT: ``vat = amount × rate / (100 + rate)``;
- none (or the rate "без НДС"): no VAT is charged or shown.

Each VAT figure is rounded once, ROUND_HALF_UP, to the minor unit. Rates are
``Decimal`` percents (22, 10, 0). A 0 % rate and "без НДС" both carry no tax but
are different facts on the document, so they are different rates here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING

from ledger.money import Money
from ledger.pricing_errors import InvalidVatRate

if TYPE_CHECKING:
    from collections.abc import Iterable


class VatMode(StrEnum):
    """Whether line amounts exclude VAT, include it, or carry none."""

    EXCLUSIVE = "exclusive"
    INCLUSIVE = "inclusive"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class VatRate:
    """A VAT rate in percent, or ``None`` for "без НДС" (not subject to VAT)."""

    percent: Decimal | None

    def __post_init__(self) -> None:
        value = self.percent
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            raise InvalidVatRate(value=repr(value), why="a VAT rate is a Decimal percent")
        if not Decimal(value).is_finite() or value < 0:
            raise InvalidVatRate(value=str(value), why="a VAT rate must be 0 % or more")
        object.__setattr__(self, "percent", Decimal(value))

    @classmethod
    def exempt(cls) -> VatRate:
        """The rate "без НДС": no VAT is charged and the document says so."""
        return cls(None)

    @property
    def is_exempt(self) -> bool:
        """True for "без НДС"."""
        return self.percent is None

    def __str__(self) -> str:
        return "без НДС" if self.percent is None else f"{self.percent} %"


@dataclass(frozen=True, slots=True)
class VatLine:
    """A line amount split into its part before VAT, the VAT, and the total with VAT."""

    net: Money
    vat: Money
    gross: Money


def vat_for_line(amount: Money, rate: VatRate, mode: VatMode) -> VatLine:
    """Compute one line's VAT, rounded half-up to the minor unit.

    Args:
        amount: the line amount after discounts; excludes VAT in exclusive mode,
            includes it in inclusive mode. Credit lines (negative) mirror charges.
        rate: the line's VAT rate.
        mode: how ``amount`` relates to VAT.

    Returns:
        ``net + vat == gross`` always holds.
    """
    if mode is VatMode.NONE or rate.percent is None:
        return VatLine(net=amount, vat=Money.zero(amount.currency), gross=amount)
    percent = Fraction(rate.percent)
    if mode is VatMode.EXCLUSIVE:
        vat = amount.times(percent / 100)
        return VatLine(net=amount, vat=vat, gross=amount + vat)
    vat = amount.times(percent / (100 + percent))
    return VatLine(net=amount - vat, vat=vat, gross=amount)


def document_vat(lines: Iterable[VatLine], currency: str) -> VatLine:
    """Sum rounded lines into a document's totals: its VAT is the sum of the lines' VAT."""
    net = vat = gross = Money.zero(currency)
    for line in lines:
        net, vat, gross = net + line.net, vat + line.vat, gross + line.gross
    return VatLine(net=net, vat=vat, gross=gross)


def charged_rate(
    rate: Decimal | None, *, mode: VatMode | None, vat: Money, net: Money,
) -> Decimal | None:
    """The rate a recorded line was taxed at; None («без НДС») when it carried no VAT.

    A line keeps its tariff's rate even when its invoice was read in the mode ``none`` (a
    customer billed without VAT), so the mode decides, not the amounts: a 22 % line of
    0.02 has VAT 0.00 and is still a 22 % line. Invoices recorded before their mode was
    kept (``mode`` None, and no mode of the customer's own to derive it from) are read
    as before: a rate that would have charged VAT on the net but charged none was "none".
    """
    if rate is None or mode is VatMode.NONE:
        return None
    if mode is not None or vat.minor or not net.minor or not rate:
        return rate
    return None if net.times(Fraction(rate) / 100).minor else rate
