"""CancelSubscription: end a subscription now or at the end of its current period."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from commands.base import CustomerCommand, Reason
from commands.unit_of_work import execute

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class CancelSubscription(CustomerCommand):
    """Cancel; ``immediate`` ends service on ``effective_date`` and credits days billed beyond."""

    subscription_id: Annotated[str, Field(min_length=1, max_length=100)]
    effective_date: date
    when: Literal["immediate", "end_of_term"] = "end_of_term"
    reason: Reason | None = None


def handle(command: CancelSubscription, context: Context, runtime: Runtime) -> Outcome:
    """Record the cancellation and when service ends."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        ends = customer.cancel_subscription(
            provenance, command.subscription_id, command.effective_date, when=command.when,
            catalog=runtime.definition, reason=command.reason,
        )
        return [customer], {"service_ends": ends.isoformat()}

    return execute(runtime, context, command, command.customer_id, decide)
