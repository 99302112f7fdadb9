"""RegisterCustomer: open a customer's book under its external key."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import AfterValidator, Field, StringConstraints

from commands.base import Command, Context, CurrencyCode, ExternalKey, Outcome, Text
from commands.unit_of_work import execute
from ledger.customers import Customer, VatMode, customer_id_for
from ledger.errors import CustomerAlreadyExists, invalid_value
from ledger.requisites import inn_is_valid, ogrn_is_valid

if TYPE_CHECKING:
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance

def _inn(value: str) -> str:
    if not inn_is_valid(value):
        raise invalid_value("ИНН {inn}: wrong check digit", inn=value)
    return value


def _ogrn(value: str) -> str:
    if not ogrn_is_valid(value):
        raise invalid_value("ОГРН {ogrn}: wrong check digit", ogrn=value)
    return value


# [0-9], not \d: the patterns' \d would take any script's digits (full-width ７, Arabic ٧).
Inn = Annotated[str, StringConstraints(pattern=r"^([0-9]{10}|[0-9]{12})$"), AfterValidator(_inn)]
Kpp = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$")]
Ogrn = Annotated[str, StringConstraints(pattern=r"^([0-9]{13}|[0-9]{15})$"),
                 AfterValidator(_ogrn)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()-]{5,30}$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Tags = Annotated[list[Tag], Field(max_length=100)]
SystemName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,29}$")]
"""A source system's name as it prefixes keys (``amocrm``, ``bitrix24``)."""
ExternalIds = Annotated[dict[SystemName, ExternalKey], Field(max_length=20)]
"""The customer's key in each source system that knows it."""


class RegisterCustomer(Command):
    """Register a customer. The external key is the id other systems know it by."""

    target_from_body: ClassVar[bool] = True

    external_key: ExternalKey
    name: Text
    currency: CurrencyCode = "RUB"
    inn: Inn | None = None
    kpp: Kpp | None = None
    ogrn: Ogrn | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Text | None = None
    manager: Text | None = None
    tags: Tags = Field(default_factory=list)
    external_ids: ExternalIds = Field(default_factory=dict)
    vat_mode: VatMode | None = None
    vat_rate: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] = 10


def handle(command: RegisterCustomer, context: Context, runtime: Runtime) -> Outcome:
    """Open the book unless a customer with this external key already exists."""
    customer_id = customer_id_for(command.external_key)

    def decide(provenance: Provenance) -> Decision:
        if runtime.ledger.exists(customer_id):
            raise CustomerAlreadyExists(external_key=command.external_key)
        customer = Customer.register(
            provenance,
            context.effective_date or runtime.clock.today(),
            **command.model_dump(),
        )
        return [customer], {"customer_id": str(customer_id)}

    return execute(runtime, context, command, customer_id, decide)
