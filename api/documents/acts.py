"""When an invoice has an act: only once, and only if, its services were rendered.

Why refuse (409) rather than print: an act (акт оказанных услуг) is a primary document
(402-ФЗ ст. 9) stating «услуги выполнены полностью и в срок». Printed for a voided
invoice it confirms revenue the ledger says never existed; for a credit (negative)
invoice it confirms days that were not served; before its date it confirms services
still to come, which a later cancellation may take back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.errors import Conflict

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
        why = (f"it was voided on {voided.effective_date.isoformat()}"
               f" ({voided.meta.reason or 'no reason given'}) and bills nothing")
    elif event.total.minor < 0:
        why = (f"it is a credit of {event.total} for days not served (a correction); the "
               "act of the invoice that charged those days stands")
    elif day > today:
        why = (f"its services run until {day.isoformat()}; the act is dated that day and "
               f"can be made from then on (today is {today.isoformat()})")
    else:
        return
    raise NoAct(number=event.number, why=why)
