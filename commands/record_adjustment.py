"""RecordAdjustment: a manual correction of what a customer owes, always with a reason."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from commands.base import AmountText, CurrencyCode, CustomerCommand, Reason, money
from commands.unit_of_work import execute

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class RecordAdjustment(CustomerCommand):
    """Positive ``amount`` raises what the customer owes; negative lowers it."""

    amount: AmountText
    currency: CurrencyCode
    reason: Reason
    effective_on: date | None = None


def handle(command: RecordAdjustment, context: Context, runtime: Runtime) -> Outcome:
    """Record the signed correction and its reason; a credit may reactivate the customer."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        adjustment_id = context.derive_id(customer.id, "adjustment")
        customer.record_adjustment(
            provenance,
            command.effective_on or context.effective_date or runtime.clock.today(),
            adjustment_id=adjustment_id,
            amount=money(command.amount, command.currency),
            reason=command.reason,
            today=runtime.clock.today(),
        )
        return [customer], {"adjustment_id": adjustment_id}

    return execute(runtime, context, command, command.customer_id, decide)
