"""RecordChargeback: the payer's bank took a payment back; the invoices it settled reopen."""

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


class RecordChargeback(CustomerCommand):
    """Record a chargeback of ``amount`` on ``payment_id`` (a gateway's or bank's notice).

    The reason (e.g. the bank's reason code) is optional: a chargeback is imposed on us.
    """

    payment_id: Annotated[str, Field(min_length=1, max_length=100)]
    amount: AmountText
    currency: CurrencyCode
    reason: Reason | None = None
    charged_back_on: date | None = None


def handle(command: RecordChargeback, context: Context, runtime: Runtime) -> Outcome:
    """Record the chargeback and the allocations it undid."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        chargeback_id = context.derive_id(customer.id, "chargeback")
        reopened = customer.record_chargeback(
            provenance,
            command.charged_back_on or context.effective_date or runtime.clock.today(),
            chargeback_id=chargeback_id, payment_id=command.payment_id,
            amount=money(command.amount, command.currency), reason=command.reason,
        )
        return [customer], {"chargeback_id": chargeback_id, "reopened": {
            invoice_id: Money(minor, command.currency).to_decimal_string()
            for invoice_id, minor in reopened.items()}}

    return execute(runtime, context, command, command.customer_id, decide)
