"""The dunning log: every dunning step taken, by customer and invoice (what to notify)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.customers.collections_events import DunningStepTaken
from projections.base import Projection, on

if TYPE_CHECKING:
    from projections.store import Transaction


class DunningLog(Projection):
    """Reminders, suspensions and cancellations taken for overdue invoices."""

    name = "dunning"
    tables = ("view_dunning_steps",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_dunning_steps ("
        " customer_id TEXT NOT NULL, version BIGINT NOT NULL, position BIGINT NOT NULL,"
        " invoice_id TEXT NOT NULL, number TEXT NOT NULL, due_on TEXT NOT NULL,"
        " taken_on TEXT NOT NULL, step BIGINT NOT NULL, action TEXT NOT NULL,"
        " days_after_due BIGINT NOT NULL, days_overdue BIGINT NOT NULL,"
        " currency TEXT NOT NULL, open BIGINT NOT NULL, policy_version BIGINT NOT NULL,"
        " PRIMARY KEY (customer_id, version))",
        "CREATE INDEX IF NOT EXISTS view_dunning_steps_on ON view_dunning_steps (taken_on)",
    )

    @on(DunningStepTaken)
    def taken(self, tx: Transaction, event: DunningStepTaken, position: int) -> None:
        """Log the step."""
        tx.execute(
            "INSERT INTO view_dunning_steps (customer_id, version, position, invoice_id, number,"
            " due_on, taken_on, step, action, days_after_due, days_overdue, currency, open,"
            " policy_version) VALUES (:cid, :version, :position, :invoice, :number, :due, :on,"
            " :step, :action, :days, :overdue, :currency, :open, :policy)",
            {
                "cid": str(event.originator_id), "version": event.originator_version,
                "position": position, "invoice": event.invoice_id,
                "number": event.invoice_number, "due": event.due_on.isoformat(),
                "on": event.effective_date.isoformat(), "step": event.step,
                "action": event.action, "days": event.days_after_due,
                "overdue": event.days_overdue, "currency": event.open_amount.currency,
                "open": event.open_amount.minor, "policy": event.policy_version,
            },
        )
