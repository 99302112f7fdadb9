"""CreateCoupon and RedeemCoupon: a discount given by a code, with a usage limit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from commands.base import AmountText, Command, CustomerCommand, money
from commands.grant_discount import ensure_component
from commands.unit_of_work import execute
from ledger.coupons import Coupon, coupon_id_for
from ledger.errors import InvalidField, NotFound
from ledger.system_texts import COUPON

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.customers import Customer
    from ledger.events import Provenance

CouponCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{3,40}$")]


class CreateCoupon(Command):
    """Create a coupon: percent or fixed (in ``currency``), for N periods, with limits."""

    target_from_body: ClassVar[bool] = True

    code: CouponCode
    kind: Literal["percent", "fixed"]
    percent: Annotated[Decimal, Field(gt=0, le=100, decimal_places=4)] | None = None
    amount: AmountText | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    component: Annotated[str, Field(min_length=1, max_length=63)] | None = None
    periods: Annotated[int, Field(ge=1, le=1200)] | None = None
    max_redemptions: Annotated[int, Field(ge=1)] | None = None
    expires_on: date | None = None


class RedeemCoupon(CustomerCommand):
    """Redeem a coupon code for a customer: the customer gets its discount."""

    code: CouponCode


def handle_create(command: CreateCoupon, context: Context, runtime: Runtime) -> Outcome:
    """Create the coupon (a code exists once)."""
    coupon_id = coupon_id_for(command.code)

    def decide(provenance: Provenance) -> Decision:
        if runtime.ledger.exists(coupon_id):
            raise InvalidField(field="code", why="coupon {code} already exists",
                               code=command.code)
        amount = None
        if command.kind == "fixed":
            if command.amount is None or command.currency is None:
                raise InvalidField(field="amount", why="a fixed coupon needs amount and currency")
            amount = money(command.amount, command.currency)
            if amount.minor <= 0:
                raise InvalidField(field="amount", why="a fixed coupon must be positive")
        elif command.percent is None:
            raise InvalidField(field="percent", why="a percent coupon needs a percent")
        coupon = Coupon.create(
            provenance, context.effective_date or runtime.clock.today(),
            code=command.code.upper(), kind=command.kind, percent=command.percent,
            amount=amount, component=command.component, periods=command.periods,
            max_redemptions=command.max_redemptions, expires_on=command.expires_on,
        )
        return [coupon], {"code": command.code.upper()}

    return execute(runtime, context, command, coupon_id, decide)


def handle_redeem(command: RedeemCoupon, context: Context, runtime: Runtime) -> Outcome:
    """Redeem on the coupon and grant the discount on the customer, in one transaction."""

    def decide(provenance: Provenance) -> Decision:
        try:
            coupon = runtime.ledger.load(coupon_id_for(command.code), Coupon)
        except NotFound:
            raise NotFound("no coupon {code}", field="code", code=command.code) from None
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        today = context.effective_date or runtime.clock.today()
        coupon.redeem(provenance, today, customer.id)
        terms = coupon.state
        discount_id = context.derive_id(customer.id, "coupon")
        if terms.component is not None:
            ensure_component(customer, terms.component, runtime, field="code")
        customer.grant_discount(
            provenance, today, discount_id=discount_id, kind=terms.kind,
            percent=terms.percent, amount=terms.amount, component=terms.component,
            periods=terms.periods, until=None, position=next_position(customer),
            description=COUPON.write(code=terms.code),
        )
        return [customer, coupon], {"discount_id": discount_id, "code": terms.code}

    return execute(runtime, context, command, command.customer_id, decide)


def next_position(customer: Customer) -> int:
    """The position after every discount the customer has: a coupon applies after them.

    Discounts apply in ``position`` order, and equal positions in the order of their ids,
    which are hashes, not the order of granting. A coupon redeemed later therefore takes
    the next position, so it comes after the discounts granted before it (0 when it is
    the first).
    """
    return max((d.position + 1 for d in customer.state.discounts.values()), default=0)
