"""The renewal calendar: each subscription's next renewal and contract end.

Dates come only from events (the first renewal worked out when the subscription started,
then each invoice's billing cursor), never from "today", so a rebuild gives the same rows.

``next_renewal`` is the day the subscription is next billed for a new period: for a plan
billed in advance, the start of the first unbilled period (the cursor itself); for one
billed in arrears, the end of the period running from the cursor, the day it is invoiced.
A pause or cancellation dated later does not take the renewals before it off the
calendar: the row keeps its ``paused_from`` / ``term_end`` and :data:`RENEWS` lists a
renewal only while it comes before them, so the bill runs that still happen in between
stay on the calendar and keep moving the row on.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.customers.billing_events import (
    InvoiceIssued,
    SubscriptionCancelled,
    SubscriptionPaused,
    SubscriptionResumed,
)
from ledger.customers.events import CustomerClosed, SubscriptionStarted
from ledger.periods import Anchor, BillingPeriod, PeriodUnit, next_boundary
from ledger.tariffs.aggregate import TariffPublished, TariffVersionPublished
from projections.base import Projection, on

if TYPE_CHECKING:
    from projections.store import Row, Transaction

ENDS_WITHOUT_RENEWAL = ("r.auto_renew = 0 AND r.term_end IS NOT NULL"
                        " AND r.next_renewal >= r.term_end")
"""A fixed-term contract whose next billing date is its end: it ends, it does not renew
(the workspace's calendar lists it once, as a contract end)."""

RENEWS = (
    "(r.next_renewal IS NOT NULL AND (r.status = 'active'"
    " OR (r.status = 'paused' AND r.next_renewal < r.paused_from)"
    " OR (r.status = 'cancelled' AND r.next_renewal < r.term_end))"
    f" AND NOT ({ENDS_WITHOUT_RENEWAL}))"
)
"""A row of ``view_renewals r`` whose ``next_renewal`` really is a renewal: the subscription
is live, or its pause or cancellation takes effect after that day; and it is not the end of
a contract that does not renew. A closed customer's rows have no next renewal."""


ON_TARIFF = ("SELECT r.customer_id FROM view_renewals r"
             " WHERE r.tariff_code = :tariff AND r.status <> 'cancelled'")
"""The customers with a subscription on tariff ``:tariff`` that is not cancelled, by the plan
its last invoice billed (a plan change counts once it is billed)."""


class RenewalCalendar(Projection):
    """Upcoming renewals and contract ends, per subscription."""

    name = "renewals"
    revision = 2  # 2: in-arrears renewals, later-dated pauses and cancellations
    tables = ("view_renewals", "view_renewal_timings")
    schema = (
        "CREATE TABLE IF NOT EXISTS view_renewals ("
        " subscription_id TEXT NOT NULL, customer_id TEXT NOT NULL,"
        " tariff_code TEXT NOT NULL, tariff_version BIGINT NOT NULL,"
        " quantity BIGINT NOT NULL, started_on TEXT NOT NULL, trial_end TEXT,"
        " next_renewal TEXT, term_end TEXT, auto_renew BIGINT NOT NULL,"
        " status TEXT NOT NULL, paused_from TEXT, billed_until TEXT,"
        " anchor_day BIGINT NOT NULL, period_unit TEXT NOT NULL, period_count BIGINT NOT NULL,"
        " closed BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (customer_id, subscription_id))",
        "CREATE TABLE IF NOT EXISTS view_renewal_timings ("
        " code TEXT NOT NULL, version BIGINT NOT NULL, timing TEXT NOT NULL,"
        " PRIMARY KEY (code, version))",
        "CREATE INDEX IF NOT EXISTS view_renewals_next ON view_renewals (next_renewal)",
        "CREATE INDEX IF NOT EXISTS view_renewals_customer ON view_renewals (customer_id)",
        "CREATE INDEX IF NOT EXISTS view_renewals_tariff"
        " ON view_renewals (tariff_code, tariff_version, status)",
    )

    @on(TariffPublished, TariffVersionPublished)
    def published(self, tx: Transaction, event: Any, _: int) -> None:
        """Remember whether a tariff version bills in advance or in arrears."""
        tx.execute(
            "INSERT INTO view_renewal_timings (code, version, timing)"
            " VALUES (:code, :version, :timing)",
            {"code": event.code, "version": getattr(event, "version", 1),
             "timing": event.definition.timing},
        )

    @on(SubscriptionStarted)
    def started(self, tx: Transaction, event: SubscriptionStarted, _: int) -> None:
        """Put the new subscription on the calendar."""
        tx.execute(
            "INSERT INTO view_renewals (subscription_id, customer_id, tariff_code,"
            " tariff_version, quantity, started_on, trial_end, next_renewal, term_end,"
            " auto_renew, status, anchor_day, period_unit, period_count) VALUES (:sid, :cid,"
            " :code, :version, :quantity, :started, :trial, :next, :term_end, :auto, 'active',"
            " :anchor, :unit, :count)",
            {
                "sid": event.subscription_id, "cid": str(event.originator_id),
                "code": event.tariff_code, "version": event.tariff_version,
                "quantity": event.quantity, "started": event.started_on.isoformat(),
                "trial": event.trial_end.isoformat() if event.trial_end else None,
                "next": event.first_renewal.isoformat(),
                "term_end": event.term_end.isoformat() if event.term_end else None,
                "auto": int(event.auto_renew), "anchor": event.anchor_day,
                "unit": event.period_unit.value, "count": event.period_count,
            },
        )

    @on(InvoiceIssued)
    def billed(self, tx: Transaction, event: InvoiceIssued, _: int) -> None:
        """An invoice moves each billed subscription's cursor, plan and next renewal."""
        cid = str(event.originator_id)
        for cursor in event.cursors:
            if cursor.billed_until is None:
                continue
            row = _row(tx, cid, cursor.subscription_id)
            if row is None or row["closed"]:
                continue
            timing = _timing(tx, cursor.tariff_code, cursor.tariff_version)
            tx.execute(
                "UPDATE view_renewals SET billed_until = :billed, next_renewal = :next,"
                " tariff_code = :code, tariff_version = :version, quantity = :quantity"
                " WHERE customer_id = :cid AND subscription_id = :sid",
                {"billed": cursor.billed_until.isoformat(),
                 "next": _next_renewal(row, cursor.billed_until, timing).isoformat(),
                 "code": cursor.tariff_code, "version": cursor.tariff_version,
                 "quantity": cursor.quantity, "cid": cid, "sid": cursor.subscription_id},
            )

    @on(SubscriptionPaused)
    def paused(self, tx: Transaction, event: SubscriptionPaused, _: int) -> None:
        """A paused subscription renews only before its pause begins."""
        tx.execute(
            "UPDATE view_renewals SET status = 'paused', paused_from = :paused"
            " WHERE customer_id = :cid AND subscription_id = :sid",
            {"paused": event.paused_from.isoformat(), "cid": str(event.originator_id),
             "sid": event.subscription_id},
        )

    @on(SubscriptionResumed)
    def resumed(self, tx: Transaction, event: SubscriptionResumed, _: int) -> None:
        """A resumed subscription is billed again from its resumption, as the ledger does."""
        cid = str(event.originator_id)
        row = _row(tx, cid, event.subscription_id)
        if row is None:
            return
        billed = row["billed_until"]
        cursor = max(date.fromisoformat(billed), event.resumed_on) if billed else event.resumed_on
        timing = _timing(tx, row["tariff_code"], row["tariff_version"])
        tx.execute(
            "UPDATE view_renewals SET status = 'active', paused_from = NULL,"
            " billed_until = :billed, next_renewal = :next"
            " WHERE customer_id = :cid AND subscription_id = :sid",
            {"billed": cursor.isoformat(), "next": _next_renewal(row, cursor, timing).isoformat(),
             "cid": cid, "sid": event.subscription_id},
        )

    @on(SubscriptionCancelled)
    def cancelled(self, tx: Transaction, event: SubscriptionCancelled, _: int) -> None:
        """A cancelled subscription ends on its cancellation date and renews only before it."""
        tx.execute(
            "UPDATE view_renewals SET status = 'cancelled', term_end = :ends"
            " WHERE customer_id = :cid AND subscription_id = :sid",
            {"ends": event.cancel_at.isoformat(), "cid": str(event.originator_id),
             "sid": event.subscription_id},
        )

    @on(CustomerClosed)
    def closed(self, tx: Transaction, event: CustomerClosed, _: int) -> None:
        """A closed customer renews nothing, whatever its final invoice says."""
        tx.execute(
            "UPDATE view_renewals SET status = 'cancelled', next_renewal = NULL, closed = 1"
            " WHERE customer_id = :cid",
            {"cid": str(event.originator_id)},
        )


def _row(tx: Transaction, customer_id: str, subscription_id: str) -> Row | None:
    found = tx.query(
        "SELECT * FROM view_renewals WHERE customer_id = :cid AND subscription_id = :sid",
        {"cid": customer_id, "sid": subscription_id},
    )
    return found[0] if found else None


def _timing(tx: Transaction, code: str, version: int) -> str:
    found = tx.query("SELECT timing FROM view_renewal_timings WHERE code = :code"
                     " AND version = :version", {"code": code, "version": version})
    return str(found[0]["timing"]) if found else "in_advance"


def _next_renewal(row: Row, billed_until: date, timing: str) -> date:
    """The next day billed for a new period, from the cursor (see the module's docstring).

    The cycle is the engine's (``ledger.billing.schedule.cycle_of``): month-based periods
    count from the anchor day, others from the start date.
    """
    if timing != "in_arrears":
        return billed_until
    period = BillingPeriod(PeriodUnit(row["period_unit"]), int(row["period_count"]))
    started = date.fromisoformat(row["started_on"])
    anchor: Anchor = int(row["anchor_day"]) if period.months else started
    return next_boundary(anchor, period, billed_until, started)
