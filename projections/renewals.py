"""The renewal calendar: each subscription's next renewal and contract end.

Dates come only from events (the first renewal worked out when the subscription started,
then each billed period's end), never from "today", so a rebuild gives the same rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.customers.billing_events import (
    InvoiceIssued,
    SubscriptionCancelled,
    SubscriptionPaused,
    SubscriptionResumed,
)
from ledger.customers.events import CustomerClosed, SubscriptionStarted
from projections.base import Projection, on

if TYPE_CHECKING:
    from projections.store import Transaction


class RenewalCalendar(Projection):
    """Upcoming renewals and contract ends, per subscription."""

    name = "renewals"
    tables = ("view_renewals",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_renewals ("
        " subscription_id TEXT NOT NULL, customer_id TEXT NOT NULL,"
        " tariff_code TEXT NOT NULL, tariff_version BIGINT NOT NULL,"
        " quantity BIGINT NOT NULL, started_on TEXT NOT NULL, trial_end TEXT,"
        " next_renewal TEXT, term_end TEXT, auto_renew BIGINT NOT NULL,"
        " status TEXT NOT NULL, PRIMARY KEY (customer_id, subscription_id))",
        "CREATE INDEX IF NOT EXISTS view_renewals_next ON view_renewals (next_renewal)",
        "CREATE INDEX IF NOT EXISTS view_renewals_customer ON view_renewals (customer_id)",
        "CREATE INDEX IF NOT EXISTS view_renewals_tariff"
        " ON view_renewals (tariff_code, tariff_version, status)",
    )

    @on(SubscriptionStarted)
    def started(self, tx: Transaction, event: SubscriptionStarted, _: int) -> None:
        """Put the new subscription on the calendar."""
        tx.execute(
            "INSERT INTO view_renewals (subscription_id, customer_id, tariff_code,"
            " tariff_version, quantity, started_on, trial_end, next_renewal, term_end,"
            " auto_renew, status) VALUES (:sid, :cid, :code, :version, :quantity, :started,"
            " :trial, :next, :term_end, :auto, 'active')",
            {
                "sid": event.subscription_id, "cid": str(event.originator_id),
                "code": event.tariff_code, "version": event.tariff_version,
                "quantity": event.quantity, "started": event.started_on.isoformat(),
                "trial": event.trial_end.isoformat() if event.trial_end else None,
                "next": event.first_renewal.isoformat(),
                "term_end": event.term_end.isoformat() if event.term_end else None,
                "auto": int(event.auto_renew),
            },
        )

    @on(InvoiceIssued)
    def billed(self, tx: Transaction, event: InvoiceIssued, _: int) -> None:
        """An invoice moves each billed subscription's next renewal to its billing cursor."""
        for cursor in event.cursors:
            if cursor.billed_until is None:
                continue
            tx.execute(
                "UPDATE view_renewals SET next_renewal = :next, tariff_code = :code,"
                " tariff_version = :version, quantity = :quantity"
                " WHERE customer_id = :cid AND subscription_id = :sid AND status = 'active'",
                {"next": cursor.billed_until.isoformat(), "code": cursor.tariff_code,
                 "version": cursor.tariff_version, "quantity": cursor.quantity,
                 "cid": str(event.originator_id), "sid": cursor.subscription_id},
            )

    @on(SubscriptionPaused, SubscriptionResumed, SubscriptionCancelled)
    def lifecycle(self, tx: Transaction, event: Any, _: int) -> None:
        """Paused and cancelled subscriptions do not renew; a resumed one renews again."""
        if isinstance(event, SubscriptionResumed):
            status, next_renewal, ends = "active", event.resumed_on.isoformat(), None
        elif isinstance(event, SubscriptionPaused):
            status, next_renewal, ends = "paused", None, None
        else:
            status, next_renewal, ends = "cancelled", None, event.cancel_at.isoformat()
        tx.execute(
            "UPDATE view_renewals SET status = :status, next_renewal = :next,"
            " term_end = COALESCE(:ends, term_end)"
            " WHERE customer_id = :cid AND subscription_id = :sid",
            {"status": status, "next": next_renewal, "ends": ends,
             "cid": str(event.originator_id), "sid": event.subscription_id},
        )

    @on(CustomerClosed)
    def closed(self, tx: Transaction, event: CustomerClosed, _: int) -> None:
        """A closed customer renews nothing."""
        tx.execute(
            "UPDATE view_renewals SET status = 'cancelled', next_renewal = NULL"
            " WHERE customer_id = :cid",
            {"cid": str(event.originator_id)},
        )
