"""SetIndividualPrice: an agreed special price (or tier table) for one component."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from commands.base import CustomerCommand, Price, Text
from commands.unit_of_work import execute

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class SetIndividualPrice(CustomerCommand):
    """Agree ``price`` (flat, seat, setup) or ``pricing`` tiers (metered), until ``until``.

    ``note`` says what was agreed; ``agreed_by`` and ``agreed_on`` say who agreed it and when.
    ``effective_from`` is its first day (``agreed_on`` when omitted, else the business date
    of recording); a day already billed is refused, since an issued invoice is never
    re-priced (a credit note corrects it). Every bill run applies it while it is in force.
    """

    subscription_id: Annotated[str, Field(min_length=1, max_length=100)]
    component: Annotated[str, Field(min_length=1, max_length=63)]
    price: Annotated[Price, Field(ge=0, max_digits=18)] | None = None
    pricing: dict[str, Any] | None = None
    until: date | None = None
    note: Text
    agreed_by: Text
    agreed_on: date | None = None
    effective_from: date | None = None


def handle(command: SetIndividualPrice, context: Context, runtime: Runtime) -> Outcome:
    """Validate against the tariff and record the condition."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        customer.set_individual_price(
            provenance, command.subscription_id, command.component, runtime.definition,
            price=command.price, pricing=command.pricing, until=command.until,
            note=command.note, agreed_by=command.agreed_by,
            agreed_on=command.agreed_on or context.effective_date or runtime.clock.today(),
            effective_from=command.effective_from,
        )
        return [customer], {}

    return execute(runtime, context, command, command.customer_id, decide)
