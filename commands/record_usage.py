"""RecordUsage: units of a metered component, recorded once per client usage id."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import CustomerCommand
from commands.unit_of_work import execute

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class RecordUsage(CustomerCommand):
    """Record usage. A ``usage_id`` seen before is ignored (the client may resend freely).

    Late usage for a period that is still open is billed with it; for a period already
    invoiced it is billed as a correction line on the next invoice.
    """

    subscription_id: Annotated[str, Field(min_length=1, max_length=100)]
    component: Annotated[str, Field(min_length=1, max_length=63)]
    usage_id: Annotated[str, Field(min_length=1, max_length=200)]
    quantity: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
    occurred_on: date


def handle(command: RecordUsage, context: Context, runtime: Runtime) -> Outcome:
    """Record the usage unless its id was recorded before."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        recorded = customer.record_usage(
            provenance, usage_id=command.usage_id, subscription_id=command.subscription_id,
            component=command.component, quantity=command.quantity,
            occurred_on=command.occurred_on, catalog=runtime.definition,
        )
        return [customer], {"usage_id": command.usage_id, "duplicate": not recorded}

    return execute(runtime, context, command, command.customer_id, decide)
