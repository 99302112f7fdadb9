"""ReallocatePayment: move a payment's money between invoices, or off them, saying why."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import AmountText, CustomerCommand, Reason, money
from commands.unit_of_work import execute
from ledger.money import Money

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance

Id = Annotated[str, Field(min_length=1, max_length=100)]


class ReallocatePayment(CustomerCommand):
    """Take ``remove`` off invoices and put ``add`` on others (invoice id → amount).

    Amounts are in the payment's currency. Removing without adding leaves the money as the
    customer's credit (un-allocation); what the customer owes does not change either way.
    """

    payment_id: Id
    remove: dict[Id, AmountText] = Field(default_factory=dict, max_length=100)
    add: dict[Id, AmountText] = Field(default_factory=dict, max_length=100)
    reason: Reason
    effective_on: date | None = None


def handle(command: ReallocatePayment, context: Context, runtime: Runtime) -> Outcome:
    """Record the re-allocation (and a reactivation, if it settles the overdue debt)."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        currency = customer.payment(command.payment_id).currency
        customer.reallocate_payment(
            provenance, command.effective_on or context.effective_date or runtime.clock.today(),
            payment_id=command.payment_id,
            removed={i: money(a, currency, "remove") for i, a in command.remove.items()},
            added={i: money(a, currency, "add") for i, a in command.add.items()},
            reason=command.reason, today=runtime.clock.today(),
        )
        allocations = customer.state.payments[command.payment_id].allocations
        return [customer], {
            "payment_id": command.payment_id,
            "allocations": {i: Money(m, currency).to_decimal_string()
                            for i, m in allocations.items()},
            "status": customer.state.status.value,
        }

    return execute(runtime, context, command, command.customer_id, decide)
