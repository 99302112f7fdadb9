"""The date of an act, one rule for the PDF and for 1C's realisation.

Why one rule: the act (акт оказанных услуг) and 1C's ``РеализацияТоваровУслуг`` record the
same fact, the services rendered, and its date fixes the period of the revenue and of the
VAT base (НК ст. 167). An invoice issued in advance for 15 January – 14 February is a
request for payment on 15 January, and a realisation on 14 February; March billed in
arrears on 1 April is a realisation of 31 March. Printed and exported apart, the two would
put the same sale in two periods.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from ledger.customers.billing_events import InvoiceIssued


def act_date(invoice: InvoiceIssued) -> date:
    """The last day of the period the invoice bills, or its issue date when it names none.

    The period is half-open (``[start, end)``), so its last day is ``end − 1 day``, whether
    the invoice was issued before it (in advance) or after it (in arrears, usage). One-off
    charges name no period: they are rendered the day they are invoiced.
    """
    return act_day(invoice.period_end, invoice.issued_on)


def act_day(period_end: date | None, issued_on: date) -> date:
    """:func:`act_date` from an invoice's period end (exclusive) and issue date alone."""
    if period_end is None:
        return issued_on
    return period_end - timedelta(days=1)
