"""Coupons: a code that grants a discount, with a usage limit and an expiry date.

A coupon is an aggregate of its own (its id follows from the code). Redeeming it records
``CouponRedeemed`` on the coupon and ``DiscountGranted`` on the customer in one
transaction, so the usage limit holds even when customers redeem at the same moment: the
second save of the same coupon version fails and is decided again on fresh state.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from ledger.aggregate import LedgerAggregate, StateEvent
from ledger.errors import Conflict, Rejected
from ledger.events import GENESIS_HASH, EventMeta, LedgerCreated
from ledger.money import Money

if TYPE_CHECKING:
    from ledger.events import Provenance

_COUPONS = uuid5(NAMESPACE_URL, "https://lbx.dev/coupons/")


def coupon_id_for(code: str) -> UUID:
    """The aggregate id of a coupon code (codes are case-insensitive)."""
    return uuid5(_COUPONS, code.upper())


class CouponState(BaseModel):
    """What a coupon grants and who has used it."""

    model_config = ConfigDict(extra="forbid")

    code: str
    kind: Literal["percent", "fixed"]
    percent: Decimal | None = None
    amount: Money | None = None
    component: str | None = None
    periods: int | None = None
    max_redemptions: int | None = None
    expires_on: date | None = None
    redeemed_by: list[str] = Field(default_factory=list)


class CouponCreated(LedgerCreated):
    """A coupon code was created."""

    code: str
    kind: Literal["percent", "fixed"]
    percent: Decimal | None = None
    amount: Money | None = None
    component: str | None = None
    periods: int | None = None
    max_redemptions: int | None = None
    expires_on: date | None = None

    def apply(self, aggregate: Any) -> None:
        """Open the coupon."""
        aggregate.begin(CouponState(**self.model_dump(include=set(CouponState.model_fields))))
        aggregate.chain(self)


class CouponRedeemed(StateEvent):
    """A customer redeemed the coupon."""

    customer_id: str

    def change(self, state: CouponState) -> None:
        """Count the redemption."""
        state.redeemed_by.append(self.customer_id)


class Coupon(LedgerAggregate[CouponState]):
    """One coupon code."""

    state_class: ClassVar[type[CouponState]] = CouponState

    @classmethod
    def create(cls, provenance: Provenance, effective_date: date, **terms: Any) -> Coupon:
        """Create a coupon code."""
        return cls._create(
            CouponCreated, id=coupon_id_for(terms["code"]), timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, effective_date, None), prev_hash=GENESIS_HASH,
            **terms,
        )

    def redeem(self, provenance: Provenance, on: date, customer_id: UUID) -> None:
        """Record a redemption, refusing an expired, exhausted or repeated one."""
        state = self.state
        if state.expires_on is not None and on > state.expires_on:
            raise Rejected("coupon {code} expired on {expires_on}", field="code",
                           code=state.code, expires_on=state.expires_on)
        if str(customer_id) in state.redeemed_by:
            raise Conflict("coupon {code} was already redeemed by this customer",
                           field="code", code=state.code)
        if state.max_redemptions is not None and len(state.redeemed_by) >= state.max_redemptions:
            raise Rejected("coupon {code} has been used up", field="code", code=state.code)
        self.record(CouponRedeemed, provenance, on, customer_id=str(customer_id))
