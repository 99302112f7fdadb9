"""CloseCustomer: end the relationship; the book stays, nothing more is recorded on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands.base import CustomerCommand, Reason
from commands.unit_of_work import execute

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class CloseCustomer(CustomerCommand):
    """Close a customer, saying why."""

    reason: Reason


def handle(command: CloseCustomer, context: Context, runtime: Runtime) -> Outcome:
    """Close the customer's book."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        customer.close(provenance, context.effective_date or runtime.clock.today(), command.reason)
        return [customer], {}

    return execute(runtime, context, command, command.customer_id, decide)
