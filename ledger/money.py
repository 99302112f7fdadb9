"""Money: integer minor units plus an ISO 4217 currency, and nothing else.

Why a type of its own: a bare ``Decimal`` or ``int`` forgets its currency and its
rounding; a ``float`` cannot hold a kopeck exactly. ``Money`` keeps the amount as
an integer count of the currency's minor unit (kopecks, cents), refuses arithmetic
across currencies, and rounds exactly once, ROUND_HALF_UP, when a ``Decimal``
(a rate, a fraction, a price from a tariff) becomes an amount on a document.

Splits use the largest-remainder method, so the parts always add up to the whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING

from babel.numbers import get_currency_precision, list_currencies

from ledger.errors import InvalidAmount, UnknownCurrency

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


@cache
def minor_digits(currency: str) -> int:
    """Return how many decimal places the currency's minor unit has (CLDR data).

    Raises:
        UnknownCurrency: the code is not an ISO 4217 currency.
    """
    if currency not in _known_currencies():
        raise UnknownCurrency(currency=currency)
    return int(get_currency_precision(currency))


@cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def round_half_up(value: Decimal | Fraction) -> int:
    """Round an exact number of minor units to an integer, halves away from zero."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _exact_fraction(value: Decimal | Fraction | int) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount of one currency, held as an integer number of minor units."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise InvalidAmount(value=repr(self.minor), why="minor units must be an integer")
        minor_digits(self.currency)

    # -- construction -------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        """The zero amount of a currency."""
        return cls(0, currency)

    @classmethod
    def of(cls, amount: Decimal | Fraction | int | str, currency: str) -> Money:
        """Round an exact major-unit amount to the minor unit, ROUND_HALF_UP.

        Use this where a computed figure (a prorated fee, a tax) becomes a document
        amount. To accept an amount typed by a person, use :meth:`parse` instead,
        which refuses extra decimals rather than rounding them away.
        """
        exact = _exact_fraction(Decimal(amount) if isinstance(amount, str) else amount)
        scale = 10 ** minor_digits(currency)
        return cls(round_half_up(exact * scale), currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Read a decimal string ("1234.56") exactly; refuse what is not money.

        Raises:
            InvalidAmount: not a finite decimal, or more decimals than the currency has.
        """
        digits = minor_digits(currency)
        try:
            value = Decimal(text.strip())
        except (InvalidOperation, AttributeError):
            raise InvalidAmount(value=str(text), why="not a decimal number") from None
        if not value.is_finite():
            raise InvalidAmount(value=str(text), why="not a finite number")
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or "e" in text.lower():
            raise InvalidAmount(value=str(text), why="exponents are not accepted")
        if -exponent > digits:
            raise InvalidAmount(
                value=str(text), why="{currency} has at most {digits} decimal places",
                currency=currency, digits=digits,
            )
        return cls(int(value.scaleb(digits)), currency)

    # -- reading ------------------------------------------------------------------

    @property
    def amount(self) -> Decimal:
        """The amount in major units, exact (``Decimal('1234.56')``)."""
        return Decimal(self.minor).scaleb(-minor_digits(self.currency))

    def __str__(self) -> str:
        digits = minor_digits(self.currency)
        return f"{self.amount:.{digits}f} {self.currency}"

    def to_decimal_string(self) -> str:
        """The amount as a plain decimal string with all minor digits: ``"10.50"``."""
        return f"{self.amount:.{minor_digits(self.currency)}f}"

    # -- arithmetic ---------------------------------------------------------------

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            msg = f"cannot combine Money with {type(other).__name__}"
            raise TypeError(msg)
        if other.currency != self.currency:
            from ledger.errors import CurrencyMismatch  # noqa: PLC0415  (cycle-free)

            raise CurrencyMismatch(expected=self.currency, got=other.currency)
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._same(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._same(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._same(other).minor

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._same(other).minor

    def __gt__(self, other: Money) -> bool:
        return self.minor > self._same(other).minor

    def __ge__(self, other: Money) -> bool:
        return self.minor >= self._same(other).minor

    def __bool__(self) -> bool:
        return self.minor != 0

    @property
    def is_negative(self) -> bool:
        """True for an amount below zero."""
        return self.minor < 0

    def times(self, factor: Decimal | Fraction | int) -> Money:
        """Multiply by an exact factor and round once, ROUND_HALF_UP."""
        return Money(round_half_up(Fraction(self.minor) * _exact_fraction(factor)), self.currency)

    def allocate(self, weights: Sequence[int | Decimal | Fraction]) -> list[Money]:
        """Split into parts proportional to ``weights`` by the largest-remainder method.

        Each part gets the floor of its exact share; the kopecks left over go one by
        one to the parts with the largest fractional remainders (earlier parts win
        ties). The parts always sum to ``self``. Negative amounts split as the mirror
        image of the positive split.
        """
        exact_weights = [_exact_fraction(w) for w in weights]
        if not exact_weights or any(w < 0 for w in exact_weights):
            raise InvalidAmount(value=str(list(weights)), why="weights must be non-negative")
        total_weight = sum(exact_weights, Fraction(0))
        if total_weight == 0:
            raise InvalidAmount(value=str(list(weights)), why="weights must not all be zero")
        if self.minor < 0:
            return [-part for part in (-self).allocate(exact_weights)]
        shares = [Fraction(self.minor) * w / total_weight for w in exact_weights]
        floors = [int(share) for share in shares]
        leftover = self.minor - sum(floors)
        order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
        for i in order[:leftover]:
            floors[i] += 1
        return [Money(part, self.currency) for part in floors]


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Sum amounts of one currency; the empty sum is zero in ``currency``."""
    result = Money.zero(currency)
    for amount in amounts:
        result += amount
    return result
