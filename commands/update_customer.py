"""UpdateCustomer: change profile fields (name, requisites, contacts, billing terms)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints

from commands.base import CustomerCommand, Text
from commands.register_customer import Inn, Kpp
from commands.unit_of_work import execute
from ledger.customers import VatMode

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class UpdateCustomer(CustomerCommand):
    """Change the fields given; fields left out stay as they are."""

    name: Text | None = None
    inn: Inn | None = None
    kpp: Kpp | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    manager: Text | None = None
    vat_mode: VatMode | None = None
    vat_rate: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the caller set, as they will be stored."""
        return self.model_dump(mode="json", exclude_unset=True, exclude={"customer_id"})


def handle(command: UpdateCustomer, context: Context, runtime: Runtime) -> Outcome:
    """Record only the fields that really change."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        changed = customer.update_profile(
            provenance, context.effective_date or runtime.clock.today(), command.changes()
        )
        return [customer], {"changed": changed}

    return execute(runtime, context, command, command.customer_id, decide)
