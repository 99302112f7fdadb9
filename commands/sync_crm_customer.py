"""SyncCrmCustomer: make a customer what a CRM record now says it is (create or update).

The customer's id follows from the CRM and its record id alone — ``customer_id_for(
"amocrm:contact:12345")`` — so the first delivery registers it and every later one finds
it, without a lookup table that could fall out of step with the ledger. A customer that
existed before the CRM knew it may be linked instead (``customer_id``, found by the caller
from the customer's ``external_ids``).

A delivery that would change nothing writes nothing at all: not even an idempotency record,
so a CRM that repeats a webhook a hundred times leaves the log as it was. Fields the CRM
leaves empty are left as they are: an empty field in the CRM does not erase a ИНН an
accountant typed in, and an empty name does not rename the customer. Only a customer
registered from a record without a name gets a placeholder (``amoCRM contact 12345``), which
the CRM's first real name then replaces. Tags follow the same rule: ``tags`` of None, or
none at all, says nothing about them, so a CRM record without tags keeps the tags an
accountant gave the customer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from pydantic import StringConstraints

from commands.base import Command, CurrencyCode, Outcome, Text
from commands.register_customer import Email, Inn, Kpp, Ogrn, Phone, SystemName, Tags
from commands.unit_of_work import execute
from ledger.customers import Customer, customer_id_for
from ledger.errors import CustomerNotFound, NotFound

if TYPE_CHECKING:
    from commands.base import Context
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance

RecordId = Annotated[str, StringConstraints(pattern=r"^[\w.:-]{1,60}$")]
"""The CRM's own id of the record, qualified by its kind (``contact:12345``)."""
_PROFILE = ("name", "inn", "kpp", "ogrn", "email", "phone", "address", "manager")
_SYSTEM_NAMES = {"amocrm": "amoCRM", "bitrix24": "Bitrix24"}


class SyncCrmCustomer(Command):
    """Create or update the customer a CRM record describes, as the CRM says it now is."""

    source: SystemName
    record_id: RecordId
    customer_id: UUID | None = None
    name: Text | None = None
    currency: CurrencyCode = "RUB"
    inn: Inn | None = None
    kpp: Kpp | None = None
    ogrn: Ogrn | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Text | None = None
    manager: Text | None = None
    tags: Tags | None = None

    @property
    def external_key(self) -> str:
        """The key a customer created from this record is registered under."""
        return f"{self.source}:{self.record_id}"

    @property
    def placeholder_name(self) -> str:
        """A new customer's name when the record has none: ``amoCRM contact 12345``."""
        system = _SYSTEM_NAMES.get(self.source, self.source)
        return f"{system} {self.record_id.replace(':', ' ')}"

    @property
    def target(self) -> UUID:
        """The linked customer, else the one derived from the record."""
        return self.customer_id or customer_id_for(self.external_key)

    def changes(self) -> dict[str, Any]:
        """What the CRM says about an existing customer (empty fields say nothing)."""
        fields = self.model_dump(mode="json", include=set(_PROFILE), exclude_none=True)
        if self.tags:
            fields["tags"] = list(self.tags)
        fields["external_ids"] = {self.source: self.record_id}
        return fields


def pending_changes(command: SyncCrmCustomer, runtime: Runtime) -> dict[str, Any] | None:
    """What the command would change on its customer; None when it would create one.

    Read from the store, not the cache: another process may have changed the customer, and
    an answer of "nothing changed" is never checked by a save.
    """
    try:
        customer = runtime.ledger.customer(command.target, fresh=True)
    except NotFound:
        return None
    return customer.profile_changes(command.changes())


def delivery_key(command: SyncCrmCustomer, runtime: Runtime) -> str:
    """An idempotency key for one delivery: the record, the customer's version, the content.

    Two copies of one delivery arriving together share the key, so only one is recorded.
    The version keeps a later return to an earlier content (A, B, then A again) from being
    mistaken for a retry of the first A.
    """
    try:
        version = runtime.ledger.customer(command.target, fresh=True).version
    except NotFound:
        version = 0
    return f"{command.external_key}@{version}:{command.fingerprint()[:32]}"


def handle(command: SyncCrmCustomer, context: Context, runtime: Runtime) -> Outcome:
    """Register the customer, or record what changed; write nothing when nothing did."""
    customer_id = command.target
    changes = pending_changes(command, runtime)
    if changes == {}:
        version = runtime.ledger.customer(customer_id, fresh=True).version
        return Outcome(command=command.command_name, target_id=customer_id, version=version,
                       events=[], result=_result(customer_id, created=False, changed=False))

    def decide(provenance: Provenance) -> Decision:
        today = context.effective_date or runtime.clock.today()
        if not runtime.ledger.exists(customer_id):
            if customer_id != customer_id_for(command.external_key):
                raise CustomerNotFound(customer=str(customer_id))
            registration = command.model_dump(exclude={"source", "record_id", "customer_id"})
            registration["tags"] = registration["tags"] or []
            registration["name"] = registration["name"] or command.placeholder_name
            customer = Customer.register(
                provenance, today, external_key=command.external_key,
                external_ids={command.source: command.record_id}, **registration)
            return [customer], _result(customer_id, created=True, changed=True)
        customer = runtime.ledger.customer(customer_id, for_update=True)
        changed = customer.update_profile(provenance, today, command.changes())
        return [customer], _result(customer_id, created=False, changed=changed)

    return execute(runtime, context, command, customer_id, decide)


def _result(customer_id: UUID, *, created: bool, changed: bool) -> dict[str, Any]:
    return {"customer_id": str(customer_id), "created": created, "changed": changed}
