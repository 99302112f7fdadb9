"""Invoice totals: the order of operations that turns draft lines into an amount due.

Why one function owns the order: discounts before VAT, VAT per line, credit last
is a tax rule, not a preference; applied in another order the same inputs give a
different VAT. The money policy pins it:

1. line amounts (charges, and negative proration credit_lines);
2. discounts, in their declared order, each on what the previous ones left.
   A discount never takes a charge below zero and is rounded once: a percent of
   the lines' remaining sum, or a fixed amount capped at that sum, is then split
   across the lines by largest remainder in proportion to their remaining amounts,
   so the parts add up exactly and each line's VAT is computed on what it really
   costs. A credit line (unused days given back) whose days an earlier invoice
   billed carries that invoice's share of discount (``carried_discount``), and the
   invoice's own discounts leave it alone; a credit without one (its days are
   charged on this same invoice) is shrunk by each percent discount, and by each
   fixed discount in the share of it that the line charging its days took
   (``charged_by``), so days billed at a discount are credited at that discount;
3. VAT per line, ROUND_HALF_UP (``ledger.vat``); a line may override the rate;
4. account credit, up to the total; the rest is the amount due.

Every document figure is the sum of its rounded lines. Discounts are positive
amounts taken off; credit lines keep their minus sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from ledger.errors import CurrencyMismatch, InvalidAmount
from ledger.money import Money, total
from ledger.pricing_errors import InvalidDiscount
from ledger.vat import VatMode, VatRate, vat_for_line

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True, slots=True)
class DraftLine:
    """A line before discounts and VAT.

    Attributes:
        amount: the line amount; negative for a credit (unused part of a plan).
        component: the tariff component it bills, for component discounts.
        vat_rate: this line's own VAT rate; ``None`` uses the invoice's rate.
        carried_discount: for a credit, the discount it gives back, decided by the
            invoice that billed its days (negative, at most the amount); the
            invoice's discounts then leave the line alone.
        charged_by: for a credit whose days a charge on this same invoice charges, the
            index of that charge: a fixed discount takes off the credit the share it
            took off the charge, so the days served cost the charge's net for them.
    """

    amount: Money
    component: str | None = None
    vat_rate: VatRate | None = None
    carried_discount: Money | None = None
    charged_by: int | None = None

    def __post_init__(self) -> None:
        carried = self.carried_discount
        if carried is not None and not self.amount <= carried <= Money.zero(carried.currency):
            why = "a credit of {amount} carries a discount between it and zero"
            raise InvalidDiscount(field="carried_discount", value=str(carried), why=why,
                                  amount=self.amount)


@dataclass(frozen=True, slots=True)
class DiscountSpec:
    """A discount: a percent or a fixed amount, on the whole invoice or one component."""

    percent: Decimal | None = None
    amount: Money | None = None
    component: str | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            why = "give either a percent or an amount"
            raise InvalidDiscount(value=f"{self.percent}/{self.amount}", why=why)
        if self.amount is not None and self.amount.is_negative:
            why = "a fixed discount cannot be negative"
            raise InvalidDiscount(field="amount", value=str(self.amount), why=why)
        if self.percent is not None:
            _check_percent(self.percent)

    @classmethod
    def percent_off(cls, percent: Decimal, *, component: str | None = None) -> DiscountSpec:
        """A discount of ``percent`` % (0–100) of the lines it applies to."""
        return cls(percent=percent, component=component, label=f"{percent} %")

    @classmethod
    def amount_off(cls, amount: Money, *, component: str | None = None) -> DiscountSpec:
        """A fixed discount, capped at what the lines it applies to still cost."""
        return cls(amount=amount, component=component, label=amount.to_decimal_string())

    def applies_to(self, line: DraftLine) -> bool:
        """True when the line is of the discounted component (any line, for the whole invoice)."""
        return self.component is None or line.component == self.component


def _check_percent(percent: object) -> None:
    if isinstance(percent, bool) or not isinstance(percent, Decimal | int):
        raise InvalidDiscount(value=repr(percent), why="a percent is a Decimal, never float")
    if not Decimal(percent).is_finite() or not 0 <= percent <= 100:  # noqa: PLR2004
        raise InvalidDiscount(value=str(percent), why="a percent must be within 0–100")


@dataclass(frozen=True, slots=True)
class LineTotals:
    """One line's figures: ``before_discount − discount`` is the VAT base; ``net + vat = total``."""

    before_discount: Money
    discount: Money
    net: Money
    vat: Money
    total: Money
    vat_rate: VatRate


@dataclass(frozen=True, slots=True)
class InvoiceTotals:
    """A document's figures, each the sum of its lines' rounded figures."""

    lines: tuple[LineTotals, ...]
    discounts_applied: tuple[Money, ...]
    subtotal: Money
    discount_total: Money
    net_total: Money
    vat_total: Money
    total: Money
    credit_applied: Money
    amount_due: Money


def compute_invoice(
    lines: Sequence[DraftLine],
    discounts: Sequence[DiscountSpec],
    vat_mode: VatMode,
    vat_rate: VatRate,
    credit_available: Money,
) -> InvoiceTotals:
    """Total an invoice: line amounts → discounts → VAT per line → account credit.

    Args:
        lines: the draft lines, in document order (results keep that order).
        discounts: the discounts, in the order they apply.
        vat_mode: whether line amounts exclude VAT, include it, or carry none.
        vat_rate: the invoice's VAT rate, for lines without their own.
        credit_available: the customer's credit balance; fixes the invoice currency.

    Returns:
        Per-line and document figures. ``amount_due`` is negative only when the
        lines themselves sum below zero (a credit note); credit is never applied then.

    Raises:
        CurrencyMismatch: a line or a fixed discount is in another currency.
        InvalidAmount: ``credit_available`` is negative.
    """
    currency = credit_available.currency
    _check_currency(lines, discounts, currency)
    if credit_available.is_negative:
        raise InvalidAmount(value=str(credit_available), why="available credit cannot be negative")
    taken, applied = _apply_discounts(lines, discounts, currency)
    results = tuple(
        _line_totals(line, off, vat_mode, vat_rate if line.vat_rate is None else line.vat_rate)
        for line, off in zip(lines, taken, strict=True)
    )
    document_total = total((line.total for line in results), currency)
    credit = min(credit_available, max(document_total, Money.zero(currency)))
    return InvoiceTotals(
        lines=results,
        discounts_applied=tuple(applied),
        subtotal=total((line.before_discount for line in results), currency),
        discount_total=total((line.discount for line in results), currency),
        net_total=total((line.net for line in results), currency),
        vat_total=total((line.vat for line in results), currency),
        total=document_total,
        credit_applied=credit,
        amount_due=document_total - credit,
    )


def _check_currency(
    lines: Sequence[DraftLine], discounts: Sequence[DiscountSpec], currency: str
) -> None:
    amounts = [line.amount for line in lines] + [d.amount for d in discounts if d.amount]
    amounts += [line.carried_discount for line in lines if line.carried_discount is not None]
    for amount in amounts:
        if amount.currency != currency:
            raise CurrencyMismatch(expected=currency, got=amount.currency)


def _apply_discounts(
    lines: Sequence[DraftLine], discounts: Sequence[DiscountSpec], currency: str
) -> tuple[list[Money], list[Money]]:
    """Return the discount taken off each line and the amount each discount applied.

    A credit line keeps the discount it carries. One without (its days are charged on
    this invoice, at this invoice's discounts) is shrunk by each percent discount, and by
    each fixed discount in the share of it its charge took (a fixed discount split over a
    charge of 1419.35 gives it 500.00: its credit of 967.74 shrinks by 500/1419.35 of it):
    days billed at a discount are credited at that discount, not at list price.
    """
    zero = Money.zero(currency)
    own = [line.carried_discount is None for line in lines]
    remaining = [max(line.amount, zero) for line in lines]
    credit_lines = [
        min(line.amount, zero) if mine else zero for line, mine in zip(lines, own, strict=True)
    ]
    taken = [line.carried_discount or zero for line in lines]
    applied: list[Money] = []
    for spec in discounts:
        eligible = [
            i for i, line in enumerate(lines) if remaining[i] > zero and spec.applies_to(line)
        ]
        base = total((remaining[i] for i in eligible), currency)
        off = _discount_on(spec, base)
        rate: dict[int, Fraction] = {}
        if off:
            shares = off.allocate([remaining[i].minor for i in eligible])
            for i, share in zip(eligible, shares, strict=True):
                rate[i] = Fraction(share.minor, remaining[i].minor)
                remaining[i] -= share
                taken[i] += share
        off += _shrink_credits(_credit_rates(spec, lines, rate), credit_lines, taken, currency)
        applied.append(off)
    return taken, applied


def _credit_rates(
    spec: DiscountSpec, lines: Sequence[DraftLine], rate: dict[int, Fraction]
) -> list[Fraction]:
    """What share of each credit line a discount takes off (of what is left of it).

    A percent discount takes its percent; a fixed one, the share it took of the charge on
    this invoice that charges the credit's days (``rate``: charge index → share taken).
    """
    if spec.percent is not None:
        percent = Fraction(spec.percent) / 100
        return [percent if spec.applies_to(line) else Fraction(0) for line in lines]
    return [
        rate.get(line.charged_by, Fraction(0))
        if line.charged_by is not None and spec.applies_to(line) else Fraction(0)
        for line in lines
    ]


def _shrink_credits(
    rates: Sequence[Fraction], credit_lines: list[Money], taken: list[Money], currency: str
) -> Money:
    """Take each rate off what is left of its credit line; return the (negative) sum."""
    shrunk = Money.zero(currency)
    for i, rate in enumerate(rates):
        if rate and credit_lines[i].is_negative:
            share = credit_lines[i].times(rate)
            credit_lines[i] -= share
            taken[i] += share
            shrunk += share
    return shrunk


def _discount_on(spec: DiscountSpec, base: Money) -> Money:
    """The discount on a remaining sum, rounded once and never more than the sum."""
    if spec.amount is not None:
        return min(spec.amount, base)
    return base.times(Fraction(spec.percent or 0) / 100)


def _line_totals(line: DraftLine, discount: Money, mode: VatMode, rate: VatRate) -> LineTotals:
    vat = vat_for_line(line.amount - discount, rate, mode)
    return LineTotals(
        before_discount=line.amount,
        discount=discount,
        net=vat.net,
        vat=vat.vat,
        total=vat.gross,
        vat_rate=rate,
    )
