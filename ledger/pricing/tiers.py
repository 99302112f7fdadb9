"""Price tiers: the bands that graduated and volume pricing share, and their rules.

Why a module of its own: both tiered models take the same tiers, checked by the same
rules and described on the invoice line the same way. Tier ``up_to`` is the last unit
of the tier (inclusive); tiers follow each other with no gap, and the last has no
bound. A quantity of 0 lies in the first tier, so a first-tier flat fee is charged even
at zero usage (Stripe's rule).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import with_config

from ledger.pricing.values import (
    STRICT,
    PriceDecimal,
    checked_price,
    is_whole,
    set_field,
)
from ledger.pricing_errors import InvalidTiers

if TYPE_CHECKING:
    from collections.abc import Sequence


@with_config(STRICT)
@dataclass(frozen=True, slots=True)
class Tier:
    """A price band: units up to and including ``up_to`` (``None``: no bound)."""

    up_to: int | None
    unit_price: PriceDecimal
    flat_fee: PriceDecimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.up_to is not None and not is_whole(self.up_to, least=1):
            raise InvalidTiers(why="a tier bound is a whole number ≥ 1, got {up_to!r}",
                               up_to=self.up_to)
        set_field(self, "unit_price", checked_price(self.unit_price, "unit_price"))
        set_field(self, "flat_fee", checked_price(self.flat_fee, "flat_fee"))

    def describe_price(self) -> str:
        """The tier's price as text: ``"6.50"`` or ``"10 + 2 flat"``."""
        flat = f" + {self.flat_fee} flat" if self.flat_fee else ""
        return f"{self.unit_price}{flat}"


def checked_tiers(tiers: Sequence[Tier]) -> tuple[Tier, ...]:
    """The tiers as a tuple, refused unless bounds strictly increase and only the last is open."""
    checked = tuple(tiers)
    if not checked:
        raise InvalidTiers(why="at least one tier is needed")
    if checked[-1].up_to is not None:
        raise InvalidTiers(why="the last tier must have no upper bound (up_to: null)")
    bounds = [tier.up_to for tier in checked[:-1] if tier.up_to is not None]
    if len(bounds) != len(checked) - 1:
        raise InvalidTiers(why="only the last tier may be unbounded")
    if any(b <= a for a, b in itertools.pairwise(bounds)):
        raise InvalidTiers(why="tier bounds must strictly increase: {bounds}", bounds=bounds)
    return checked


def describe_tiers(name: str, tiers: Sequence[Tier]) -> str:
    """The tiers as text for the invoice line: ``"volume: up to 5 at 7; above 5 at 6"``."""
    parts: list[str] = []
    lower = 0
    for tier in tiers:
        if tier.up_to is None:
            band = f"above {lower}" if lower else "any quantity"
        else:
            band = f"up to {tier.up_to}" if not lower else f"{lower + 1}–{tier.up_to}"
        parts.append(f"{band} at {tier.describe_price()}")
        lower = tier.up_to or lower
    return f"{name}: " + "; ".join(parts)
