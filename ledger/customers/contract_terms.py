"""When a subscription's contract term ends: the day "at the end of the term" means.

A subscription may have a fixed term (``term_end``): the customer committed to it, so a
cancellation "at the end of the term" ends service on that day, not at the end of the
billing period it was asked in. A term that renews itself (``auto_renew``) runs again for
the same length — a year for a contract from 1 March to 1 March, 90 days for one of 90
days — so after the first term, "the end of the term" is the end of the renewal running
then. Without a fixed term, the term is the billing period (the caller's fallback).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledger.customers.state import Subscription


def term_end_after(sub: Subscription, on: date) -> date | None:
    """The end (exclusive) of the contract term running on ``on``; ``None`` when none runs.

    ``None`` without a fixed term, and after a term that does not renew has ended.
    """
    first_end, start = sub.term_end, sub.started_on
    if first_end is None or first_end <= start:
        return None
    if on < first_end:
        return first_end
    if not sub.auto_renew:
        return None
    months = (first_end.year - start.year) * 12 + first_end.month - start.month
    if months > 0 and _months_after(start, months) == first_end:
        renewals = 1
        while (end := _months_after(start, months * (renewals + 1))) <= on:
            renewals += 1
        return end
    length = (first_end - start).days
    return first_end + timedelta(days=length * ((on - first_end).days // length + 1))


def _months_after(day: date, months: int) -> date:
    """``day`` moved by whole months, on the same day of the month or the month's last."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))
