"""When an invoice has an act: only once, and only if, its services were rendered.

Why refuse (409) rather than print: an act (акт оказанных услуг) is a primary document
(402-ФЗ ст. 9) stating «услуги выполнены полностью и в срок». Printed for a voided
invoice it confirms revenue the ledger says never existed; for a credit (negative)
invoice it confirms days that were not served; before its date it confirms services
still to come, which a later cancellation may take back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.errors import Conflict, Term

if TYPE_CHECKING:
    from datetime import date

    from ledger.customers.billing_events import InvoiceIssued, InvoiceVoided


class NoAct(Conflict):
    """Raised when an act is asked of an invoice that confirms no services rendered (yet).

    A voided invoice billed nothing; a credit (negative) invoice gives back days not
    served; an invoice whose period has not ended has services still to render.
    """

    title = "No act for this invoice"
    field = "kind"
    template = "invoice {number}: no act — {why}"


def ensure_act(event: InvoiceIssued, voided: InvoiceVoided | None, day: date,
               today: date) -> None:
    """Refuse (409) an act that would confirm services not, or not yet, rendered."""
    if voided is not None:
        raise NoAct(number=event.number,
                    why="it was voided on {voided_on} ({reason}) and bills nothing",
                    voided_on=voided.effective_date,
                    reason=voided.meta.reason or Term("no reason given"))
    if event.total.minor < 0:
        raise NoAct(number=event.number,
                    why="it is a credit of {total} for days not served (a correction); the act"
                        " of the invoice that charged those days stands", total=event.total)
    if day > today:
        raise NoAct(number=event.number,
                    why="its services run until {day}; the act is dated that day and can be"
                        " made from then on (today is {today})", day=day, today=today)
