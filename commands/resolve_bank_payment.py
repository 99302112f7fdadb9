"""ResolveBankPayment: an accountant assigns a queued bank line to a customer.

The resolution and the payment it makes are one decision, so they are saved in one
transaction: the ``BankPaymentResolved`` event (who, in ``meta.actor``, and why, in
``meta.reason``) and the ``PaymentReceived`` on the customer's book. The payment takes the
line's own payment id (``bank:<key>``) and the bank's booking date, exactly as if the
import had matched it, so the book cannot tell, and need not care, who found the customer.

A line the import held as a possible duplicate may instead be **linked** to the payment
typed in by hand (``existing_payment_id``): ``BankPaymentLinked`` on the line and
``PaymentLinkedToBankLine`` on the book, which claims that payment for this line; no money
moves, and no second line can link to the same payment.

Recording the line as a new payment asks the book the import's question first
(``Customer.possible_duplicate``): a payment typed in by hand like it (same money, within
three days, not yet claimed by a bank line) refuses the resolution with the same
``possible-duplicate-payment`` problem that ``RecordPayment`` answers the other way round,
unless ``not_a_duplicate`` says it is another payment; the resolution then names the
payment it was told apart from (``distinct_from``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar
from uuid import UUID

from pydantic import Field, model_validator

from commands.base import Command, Reason, field_rule
from commands.record_payment import OVERRIDE, duplicate_refusal
from commands.unit_of_work import execute
from ledger.banking import BankLineLikeTypedPayment, BankPayment, BankPaymentNotFound
from ledger.errors import NotFound

if TYPE_CHECKING:
    from datetime import date

    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.customers import Customer
    from ledger.events import Provenance

InvoiceId = Annotated[str, Field(min_length=1, max_length=100)]
PaymentId = Annotated[str, Field(min_length=1, max_length=100)]


class ResolveBankPayment(Command):
    """Assign an unmatched or ambiguous bank line to a customer (and optionally invoices).

    Without ``invoice_ids`` the money settles the customer's oldest open invoices first.
    With ``existing_payment_id`` the line is that payment, already on the customer's book
    (typed in by hand): nothing new is recorded, and ``invoice_ids`` must be empty.
    ``not_a_duplicate`` records the line even though the book holds a payment typed in by
    hand like it.
    """

    bank_payment_id: UUID
    customer_id: UUID
    invoice_ids: Annotated[list[InvoiceId], Field(max_length=50)] = Field(default_factory=list)
    existing_payment_id: PaymentId | None = None
    reason: Reason
    not_a_duplicate: bool = False

    late_fields: ClassVar[frozenset[str]] = frozenset({OVERRIDE})

    @model_validator(mode="after")
    def _link_or_pay(self) -> ResolveBankPayment:
        if self.existing_payment_id is not None and self.invoice_ids:
            raise field_rule("invoice_ids", "an existing payment keeps its own allocation")
        return self


def load_bank_payment(runtime: Runtime, bank_payment_id: UUID) -> BankPayment:
    """The bank line with this id.

    Raises:
        BankPaymentNotFound: no line has it.
    """
    try:
        return runtime.ledger.load(bank_payment_id, BankPayment)
    except NotFound:
        raise BankPaymentNotFound(bank_payment_id=str(bank_payment_id)) from None


def handle(command: ResolveBankPayment, context: Context, runtime: Runtime) -> Outcome:
    """Record the resolution and the customer's payment together."""

    def decide(provenance: Provenance) -> Decision:
        line = load_bank_payment(runtime, command.bank_payment_id)
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        resolved_on = context.effective_date or runtime.clock.today()
        if command.existing_payment_id is not None:
            return _link(provenance, command, line, customer, resolved_on)
        facts = line.state.line
        twin = customer.possible_duplicate(facts.amount, facts.booked_on, from_bank_line=True)
        payment_id = line.resolve(  # refuses first what is no queued payment at all
            provenance, resolved_on, customer_id=customer.id,
            invoice_ids=command.invoice_ids, reason=command.reason,
            distinct_from=twin.payment_id if twin else None,
        )
        if twin is not None and not command.not_a_duplicate:
            raise duplicate_refusal(runtime, customer, twin, BankLineLikeTypedPayment)
        allocations = customer.receive_payment(
            provenance, facts.booked_on, payment_id=payment_id, amount=facts.amount,
            invoice_ids=command.invoice_ids, payer_name=facts.counterparty_name,
            payer_inn=facts.counterparty_inn, reference=facts.reference,
            method="bank_transfer", today=runtime.clock.today(),  # reactivation: today
        )
        return [line, customer], {"payment_id": payment_id, "customer_id": str(customer.id),
                                  "allocations": allocations}

    return execute(runtime, context, command, command.bank_payment_id, decide)


def _link(provenance: Provenance, command: ResolveBankPayment, line: BankPayment,
          customer: Customer, resolved_on: date) -> Decision:
    """Resolve the line as the customer's existing payment: no money moves."""
    assert command.existing_payment_id is not None  # noqa: S101  (the caller checked)
    line.link(provenance, resolved_on, customer_id=customer.id,
              payment_id=command.existing_payment_id, reason=command.reason)
    customer.link_bank_line(provenance, resolved_on, payment_id=command.existing_payment_id,
                            bank_payment_id=str(line.id), amount=line.state.line.amount)
    return [line, customer], {"payment_id": command.existing_payment_id,
                              "customer_id": str(customer.id), "allocations": {},
                              "linked": True}

