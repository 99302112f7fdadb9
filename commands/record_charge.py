"""RecordCharge: a one-off charge (a service, a fee), invoiced at once or with the next bill."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import AmountText, CustomerCommand, Text, money
from commands.invoicing import issue_due_invoices
from commands.unit_of_work import execute

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class RecordCharge(CustomerCommand):
    """Charge the customer once.

    ``amount`` is the price as agreed: before VAT for a customer billed VAT-exclusive,
    VAT included for one billed VAT-inclusive. Without ``vat_rate`` the charge is recorded
    with the customer's rate, else the one its tariffs agree on (refused at ``vat_rate``
    when they disagree), else none. With ``invoice_now`` (the default) an invoice is issued
    at once; otherwise the charge waits for the next bill run.
    """

    amount: AmountText
    description: Text
    charge_id: Annotated[
        str, Field(min_length=1, max_length=100, pattern=r"^[\w.@/-]+$")] | None = None
    vat_rate: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    invoice_now: bool = True


def handle(command: RecordCharge, context: Context, runtime: Runtime) -> Outcome:
    """Record the charge and, unless told to wait, invoice everything due today."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        today = context.effective_date or runtime.clock.today()
        charge_id = command.charge_id or context.derive_id(customer.id, "charge")
        customer.record_charge(
            provenance, today, charge_id=charge_id,
            amount=money(command.amount, customer.state.profile.currency),
            vat_rate=command.vat_rate, description=command.description,
            catalog=runtime.definition,
        )
        result: dict[str, object] = {"charge_id": charge_id}
        if not command.invoice_now:
            return [customer], result
        series, issued = issue_due_invoices(runtime, provenance, [customer], today)
        if issued:
            result.update(invoice_id=issued[0].invoice_id, number=issued[0].number,
                          total=issued[0].total)
        return [customer, *([series] if series else [])], result

    return execute(runtime, context, command, command.customer_id, decide)
