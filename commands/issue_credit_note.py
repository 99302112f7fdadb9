"""IssueCreditNote: correct an issued invoice in full or by lines; the amount becomes credit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import CustomerCommand, Reason
from commands.invoicing import open_series
from commands.unit_of_work import execute
from ledger.errors import InvalidField, NotFound

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.customers.billing_events import LineRecord
    from ledger.events import Provenance


class IssueCreditNote(CustomerCommand):
    """Credit the listed lines of an invoice (all it has left when ``line_ids`` is empty).

    A line is credited whole and at most once: a note without ``line_ids`` credits every
    line that no earlier note credited.
    """

    invoice_id: Annotated[str, Field(min_length=1, max_length=100)]
    line_ids: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list)
    reason: Reason


def _lines(runtime: Runtime, command: IssueCreditNote) -> list[LineRecord]:
    """The invoice's lines to credit: those named, else every line no note credited yet.

    Read from the customer's history, which also says which lines earlier notes credited
    (a snapshot taken before the state kept that holds no trace of them); a named line
    already credited is refused, naming it, and nothing is written.
    """
    from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued  # noqa: PLC0415

    issued: InvoiceIssued | None = None
    credited: set[str] = set()
    for event in runtime.ledger.customer_history(command.customer_id):
        if isinstance(event, InvoiceIssued) and event.invoice_id == command.invoice_id:
            issued = event
        elif isinstance(event, CreditNoteIssued) and event.invoice_id == command.invoice_id:
            credited.update(line.line_id for line in event.lines)
    if issued is None:
        raise NotFound("no invoice {invoice_id}", field="invoice_id",
                       invoice_id=command.invoice_id)
    if not command.line_ids:
        return [line for line in issued.lines if line.line_id not in credited]
    wanted = set(command.line_ids)
    if unknown := sorted(wanted - {line.line_id for line in issued.lines}):
        raise InvalidField(field="line_ids", why="not lines of invoice {number}: {lines}",
                           number=issued.number, lines=", ".join(unknown))
    if again := sorted(wanted & credited):
        raise InvalidField(field="line_ids", why="already credited on invoice {number}: {lines}",
                           number=issued.number, lines=", ".join(again))
    return [line for line in issued.lines if line.line_id in wanted]


def handle(command: IssueCreditNote, context: Context, runtime: Runtime) -> Outcome:
    """Number the credit note in its own series and record it, both on the business day.

    The note is dated the context's date (else today), or the latest date its series already
    numbered if that is later (numbers follow dates); a suspended customer's debt is judged
    on the real business day, the clock's. The lines are chosen inside the decision, so a
    retry of a note already recorded gets its first outcome, not "already credited".
    """

    def decide(provenance: Provenance) -> Decision:
        lines = _lines(runtime, command)
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        wanted = context.effective_date or runtime.clock.today()
        series = open_series(runtime, provenance, wanted, "credit_note")
        dated = series.dated(wanted)  # numbers follow dates
        credit_note_id = context.derive_id(customer.id, "credit-note")
        (number,) = series.allocate(provenance, dated, [credit_note_id])
        total = customer.credit_invoice(provenance, command.invoice_id, lines,
                                        credit_note_id=credit_note_id, number=number,
                                        reason=command.reason, on=dated,
                                        today=runtime.clock.today())
        return [customer, series], {"credit_note_id": credit_note_id, "number": number,
                                    "total": total.to_decimal_string()}

    return execute(runtime, context, command, command.customer_id, decide)
