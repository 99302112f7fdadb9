"""RecordPayment: money received from a customer (typed in, sent by a service, imported).

A bank statement imported before a payment is typed in has already put that money on the
book; typing it in too would credit the customer twice. So a bank transfer that looks like
a payment from a bank line (``Customer.possible_duplicate``, the test the import applies
the other way round) is refused with :class:`~ledger.errors.PossibleDuplicatePayment`, and
nothing is written, unless the sender says it is another payment (``not_a_duplicate``);
the event then says which payment it was told apart from, in ``meta.reason``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import Field

from commands.base import AmountText, CurrencyCode, CustomerCommand, money
from commands.unit_of_work import execute
from ledger.customers.events import PaymentReceived
from ledger.errors import PossibleDuplicatePayment
from ledger.system_texts import ANOTHER_PAYMENT

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.customers import Customer
    from ledger.customers.payment_book import PaymentState
    from ledger.events import Provenance
    from ledger.money import Money

BANK_TRANSFER = "bank_transfer"
OVERRIDE = "not_a_duplicate"


class RecordPayment(CustomerCommand):
    """Record a payment. ``received_on`` defaults to the context's date, else today.

    A suspended customer's debt is judged on the real business day (the clock's), never on
    a back-dated one: a payment dated in the past must not hide what is overdue today.

    The payment settles the invoices named in ``invoice_ids``, or else the oldest open
    invoices first; what is left over becomes credit for the next invoices.

    A bank transfer of the same currency and amount as a payment a bank statement line put
    on the book, received within three days of it, is refused as a possible duplicate;
    ``not_a_duplicate`` records it all the same, as another payment.
    """

    amount: AmountText
    currency: CurrencyCode
    received_on: date | None = None
    payment_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    payer_name: Annotated[str, Field(max_length=300)] | None = None
    payer_inn: Annotated[str, Field(pattern=r"^(\d{10}|\d{12})$")] | None = None
    reference: Annotated[str, Field(max_length=300)] = ""
    method: Annotated[str, Field(max_length=50)] = BANK_TRANSFER
    invoice_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list)
    not_a_duplicate: bool = False

    late_fields: ClassVar[frozenset[str]] = frozenset({OVERRIDE})


def handle(command: RecordPayment, context: Context, runtime: Runtime) -> Outcome:
    """Record the payment on the customer's book, unless it may be a bank line's again."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        payment_id = command.payment_id or context.derive_id(customer.id, "payment")
        received_on = command.received_on or context.effective_date or runtime.clock.today()
        amount = money(command.amount, command.currency)
        twin = _from_the_statement(command, customer, payment_id, amount, received_on)
        if twin is not None and not command.not_a_duplicate:
            raise duplicate_refusal(runtime, customer, twin)
        allocations = customer.receive_payment(
            provenance, received_on, payment_id=payment_id, amount=amount,
            payer_name=command.payer_name, payer_inn=command.payer_inn,
            reference=command.reference, method=command.method,
            invoice_ids=command.invoice_ids,
            today=runtime.clock.today(),  # reactivation: judged on the real business day
            reason=_told_apart(twin),
        )
        return [customer], {"payment_id": payment_id, "allocations": allocations}

    return execute(runtime, context, command, command.customer_id, decide)


def _from_the_statement(
    command: RecordPayment, customer: Customer, payment_id: str, amount: Money,
    received_on: date,
) -> PaymentState | None:
    """The payment from a bank line that this one may be, or None.

    Only a bank transfer comes in as a line of its own on our statement (a gateway's card
    payment arrives inside the acquirer's settlement). A payment id already on the book is
    left for the book to refuse as such, and so is a retry under the same client key,
    whose derived id is the one recorded: the retry gets the original outcome.
    """
    if command.method != BANK_TRANSFER or payment_id in customer.state.payments:
        return None
    return customer.possible_duplicate(amount, received_on, from_bank_line=False)


def duplicate_refusal(
    runtime: Runtime, customer: Customer, twin: PaymentState,
    kind: type[PossibleDuplicatePayment] = PossibleDuplicatePayment,
) -> PossibleDuplicatePayment:
    """The refusal naming ``twin`` with its reference (read from the history: rare).

    ``kind`` words it for the side that asks: a payment typed in after its statement line
    (here), or a queued line resolved after a payment typed in (``ResolveBankPayment``).
    """
    reference = next((e.reference for e in runtime.ledger.customer_history(customer.id)
                      if isinstance(e, PaymentReceived) and e.payment_id == twin.payment_id),
                     "")
    return kind(payment_id=twin.payment_id, received_on=twin.received_on,
                reference=reference, override=OVERRIDE)


def _told_apart(twin: PaymentState | None) -> str | None:
    """What the event says when the sender overrode a possible duplicate (else nothing)."""
    if twin is None:
        return None
    return ANOTHER_PAYMENT.write(payment_id=twin.payment_id,
                                 received_on=twin.received_on.isoformat())
