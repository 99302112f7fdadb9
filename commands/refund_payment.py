"""RefundPayment: pay money back to a customer, against a payment or from their credit."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import AmountText, CurrencyCode, CustomerCommand, Reason, money
from commands.unit_of_work import execute
from ledger.money import Money

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class RefundPayment(CustomerCommand):
    """Refund ``amount`` against ``payment_id``, or from the customer's credit without it.

    Against a payment, at most its part not allocated to invoices (re-allocate first);
    from credit, at most the customer's credit.
    """

    amount: AmountText
    currency: CurrencyCode
    payment_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    reason: Reason
    refunded_on: date | None = None


def handle(command: RefundPayment, context: Context, runtime: Runtime) -> Outcome:
    """Record the refund; what the customer owes rises by as much as their credit falls."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        refund_id = context.derive_id(customer.id, "refund")
        sources = customer.refund(
            provenance, command.refunded_on or context.effective_date or runtime.clock.today(),
            refund_id=refund_id, amount=money(command.amount, command.currency),
            payment_id=command.payment_id, reason=command.reason,
        )
        return [customer], {"refund_id": refund_id, "sources": {
            source: Money(minor, command.currency).to_decimal_string()
            for source, minor in sources.items()}}

    return execute(runtime, context, command, command.customer_id, decide)
