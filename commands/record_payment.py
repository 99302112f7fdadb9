"""RecordPayment: money received from a customer (typed in, sent by a service, imported)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import AmountText, CurrencyCode, CustomerCommand, money
from commands.unit_of_work import execute

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class RecordPayment(CustomerCommand):
    """Record a payment. ``received_on`` defaults to the context's date, else today.

    A suspended customer's debt is judged on the real business day (the clock's), never on
    a back-dated one: a payment dated in the past must not hide what is overdue today.

    The payment settles the invoices named in ``invoice_ids``, or else the oldest open
    invoices first; what is left over becomes credit for the next invoices.
    """

    amount: AmountText
    currency: CurrencyCode
    received_on: date | None = None
    payment_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    payer_name: Annotated[str, Field(max_length=300)] | None = None
    payer_inn: Annotated[str, Field(pattern=r"^(\d{10}|\d{12})$")] | None = None
    reference: Annotated[str, Field(max_length=300)] = ""
    method: Annotated[str, Field(max_length=50)] = "bank_transfer"
    invoice_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list)


def handle(command: RecordPayment, context: Context, runtime: Runtime) -> Outcome:
    """Record the payment on the customer's book."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        payment_id = command.payment_id or context.derive_id(customer.id, "payment")
        allocations = customer.receive_payment(
            provenance,
            command.received_on or context.effective_date or runtime.clock.today(),
            payment_id=payment_id,
            amount=money(command.amount, command.currency),
            payer_name=command.payer_name,
            payer_inn=command.payer_inn,
            reference=command.reference,
            method=command.method,
            invoice_ids=command.invoice_ids,
            today=runtime.clock.today(),  # reactivation: judged on the real business day
        )
        return [customer], {"payment_id": payment_id, "allocations": allocations}

    return execute(runtime, context, command, command.customer_id, decide)
