"""GrantDiscount: a percentage or fixed discount that later bill runs apply."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from commands.base import AmountText, CustomerCommand, Text, field_rule, money
from commands.unit_of_work import execute
from ledger.errors import InvalidField

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.customers import Customer
    from ledger.events import Provenance


class GrantDiscount(CustomerCommand):
    """Grant ``percent`` off, or a fixed ``amount`` off, for N periods, until a date, or forever."""

    kind: Literal["percent", "fixed"]
    percent: Annotated[Decimal, Field(decimal_places=4)] | None = None
    amount: AmountText | None = None
    component: Annotated[str, Field(min_length=1, max_length=63)] | None = None
    periods: Annotated[int, Field(ge=1, le=1200)] | None = None
    until: date | None = None
    position: Annotated[int, Field(ge=0, le=1000)] = 0
    description: Text = "Discount"

    @model_validator(mode="after")
    def _one_value(self) -> GrantDiscount:
        """One size, the kind's: the field at fault is the other one given, or the one missing."""
        given, other = ("percent", "amount") if self.kind == "percent" else ("amount", "percent")
        if getattr(self, other) is not None or getattr(self, given) is None:
            at_fault = other if getattr(self, other) is not None else given
            raise field_rule(at_fault, f"a {self.kind} discount takes '{given}' and no '{other}'")
        return self


def handle(command: GrantDiscount, context: Context, runtime: Runtime) -> Outcome:
    """Validate the discount's size and record it on the customer."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        if command.percent is not None and not Decimal(0) < command.percent <= Decimal(100):
            raise InvalidField(field="percent", why="a discount is more than 0 % and at most 100 %")
        amount = None
        if command.amount is not None:
            amount = money(command.amount, customer.state.profile.currency)
            if amount.minor <= 0:
                raise InvalidField(field="amount", why="a fixed discount must be positive")
        if command.component is not None:
            ensure_component(customer, command.component, runtime)
        discount_id = context.derive_id(customer.id, "discount")
        customer.grant_discount(
            provenance, context.effective_date or runtime.clock.today(),
            discount_id=discount_id, kind=command.kind, percent=command.percent, amount=amount,
            component=command.component, periods=command.periods, until=command.until,
            position=command.position, description=command.description,
        )
        return [customer], {"discount_id": discount_id}

    return execute(runtime, context, command, command.customer_id, decide)


def ensure_component(
    customer: Customer, component: str, runtime: Runtime, *, field: str = "component",
) -> None:
    """Refuse a discount on a component none of the customer's tariffs has: it never applies.

    The tariffs are those of every subscription, and the plans changes will move them to.
    ``field`` is the command's field at fault (a coupon's ``code``, which names it).
    """
    plans = [(sub.tariff_code, sub.tariff_version) for sub in customer.state.subscriptions.values()]
    plans += [(sub.pending.tariff_code, sub.pending.tariff_version)
              for sub in customer.state.subscriptions.values() if sub.pending is not None]
    if not any(runtime.definition(*plan).component(component) for plan in plans):
        raise InvalidField(field=field, why=(
            "no subscription of the customer has a component {component!r}; a discount on it"
            " would never apply"), component=component)
