"""RecordCharge: a one-off charge (a service, a fee), with VAT by the customer's terms."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import AmountText, CustomerCommand, Text, money
from commands.unit_of_work import execute
from ledger.customers import VatMode
from ledger.errors import InvalidField
from ledger.vat import VatRate, vat_for_line

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class RecordCharge(CustomerCommand):
    """Charge the customer once. ``amount`` is as priced: net or VAT-inclusive per the customer."""

    amount: AmountText
    description: Text
    charge_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    vat_rate: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None


def handle(command: RecordCharge, context: Context, runtime: Runtime) -> Outcome:
    """Split the price into net and VAT (half-up, per line) and record the charge."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id)
        profile = customer.state.profile
        price = money(command.amount, profile.currency)
        if price.minor <= 0:
            raise InvalidField(field="amount", why="a charge must be positive; use an adjustment")
        rate = command.vat_rate if command.vat_rate is not None else profile.vat_rate
        mode = profile.vat_mode if rate is not None else VatMode.NONE
        line = vat_for_line(price, VatRate(rate), mode)
        charge_id = command.charge_id or context.derive_id(customer.id, "charge")
        customer.record_charge(
            provenance, context.effective_date or runtime.clock.today(),
            charge_id=charge_id, net=line.net, vat=line.vat, vat_rate=rate,
            description=command.description,
        )
        return [customer], {"charge_id": charge_id, "amount": line.gross.to_decimal_string()}

    return execute(runtime, context, command, command.customer_id, decide)
