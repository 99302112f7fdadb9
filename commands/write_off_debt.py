"""WriteOffDebt: give up bad debt on one invoice, with a reason and a second person's approval."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, StringConstraints

from commands.base import AmountText, CustomerCommand, Reason, money
from commands.unit_of_work import execute

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class WriteOffDebt(CustomerCommand):
    """Write off ``amount`` of ``invoice_id`` (its whole open amount when omitted).

    ``approver`` names who agreed; it must be someone other than the sender.
    """

    invoice_id: Annotated[str, Field(min_length=1, max_length=100)]
    amount: AmountText | None = None
    reason: Reason
    approver: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=200)]
    effective_on: date | None = None


def handle(command: WriteOffDebt, context: Context, runtime: Runtime) -> Outcome:
    """Record the write-off (and a reactivation, if it settles the overdue debt)."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        write_off_id = context.derive_id(customer.id, "write-off")
        currency = customer.invoice(command.invoice_id).currency
        amount = customer.write_off(
            provenance, command.effective_on or context.effective_date or runtime.clock.today(),
            write_off_id=write_off_id, invoice_id=command.invoice_id,
            amount=money(command.amount, currency) if command.amount is not None else None,
            reason=command.reason, approver=command.approver, today=runtime.clock.today(),
        )
        return [customer], {"write_off_id": write_off_id, "amount": amount.to_decimal_string(),
                            "status": customer.state.status.value}

    return execute(runtime, context, command, command.customer_id, decide)
