"""UpdateCustomer: change profile fields (name, requisites, contacts, billing terms)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from commands.base import CustomerCommand, Text
from commands.register_customer import Email, ExternalIds, Inn, Kpp, Ogrn, Phone, Tags
from commands.unit_of_work import execute
from ledger.customers import VatMode
from ledger.customers.vat_mode_change import ensure_billed_days_keep_their_mode
from ledger.customers.vat_modes import ensure_own_mode_kept

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class UpdateCustomer(CustomerCommand):
    """Change the fields given; fields left out stay as they are.

    ``tags`` replace the customer's tags; ``external_ids`` add or change the keys of the
    systems named and keep the others. ``vat_mode`` set to null clears the customer's own
    VAT mode, refused while its tariffs disagree on theirs. A change of the mode the
    customer's invoices are read in is refused while a subscription has days billed in the
    old one that a credit could still give back (``ledger.customers.vat_mode_change``).
    """

    name: Text | None = None
    inn: Inn | None = None
    kpp: Kpp | None = None
    ogrn: Ogrn | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Text | None = None
    manager: Text | None = None
    tags: Tags | None = None
    external_ids: ExternalIds | None = None
    vat_mode: VatMode | None = None
    vat_rate: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the caller set, as they will be stored."""
        return self.model_dump(mode="json", exclude_unset=True, exclude={"customer_id"})


def handle(command: UpdateCustomer, context: Context, runtime: Runtime) -> Outcome:
    """Record only the fields that really change; keep a VAT mode the tariffs or billed days need.

    The new mode reads every invoice made from now on, whatever the change's effective
    date: the credits it could read start on the business day, or on that date when earlier.
    """

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        today = runtime.clock.today()
        effective = context.effective_date or today
        if "vat_mode" in command.model_fields_set:
            ensure_own_mode_kept(customer.state, runtime.definition, command.vat_mode, today)
            ensure_billed_days_keep_their_mode(customer.state, runtime.definition,
                                               command.vat_mode, min(effective, today))
        changed = customer.update_profile(provenance, effective, command.changes())
        return [customer], {"changed": changed}

    return execute(runtime, context, command, command.customer_id, decide)
