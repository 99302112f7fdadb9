"""VoidInvoice: cancel an invoice nothing has settled; its number is never reused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import CustomerCommand, Reason
from commands.unit_of_work import execute

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class VoidInvoice(CustomerCommand):
    """Void an unpaid invoice, saying why (a settled invoice takes a credit note instead)."""

    invoice_id: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Reason


def handle(command: VoidInvoice, context: Context, runtime: Runtime) -> Outcome:
    """Record the void, dated the business day (the company's, not UTC's).

    A suspended customer whose overdue debt this invoice was is reactivated, judged on the
    real business day (the clock's), never on a back-dated one.
    """

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        customer.void_invoice(provenance, command.invoice_id, command.reason,
                              on=context.effective_date or runtime.clock.today(),
                              today=runtime.clock.today())
        return [customer], {"invoice_id": command.invoice_id}

    return execute(runtime, context, command, command.customer_id, decide)
