"""The customer timeline: every event of every customer, in order, in plain language.

Each line is kept twice: ``summary``, the English text (for the API and the CLI), and
``message`` with ``params`` (JSON), the message id and its typed values, from which each
reader's language writes the line (see ``projections/messages.py``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ledger.customers import billing_events as bev
from ledger.customers import collections_events as cev
from ledger.customers import events as ev
from projections.base import Projection, on
from projections.describe import describe

if TYPE_CHECKING:
    from projections.store import Transaction

CUSTOMER_EVENTS = (
    ev.CustomerRegistered, ev.CustomerProfileUpdated, ev.SubscriptionStarted,
    ev.ChargeRecorded, ev.DiscountGranted, ev.PaymentReceived, ev.AdjustmentRecorded,
    ev.ServiceStatusChanged, ev.CustomerClosed, bev.UsageRecorded, bev.SubscriptionChanged,
    bev.SubscriptionPaused, bev.SubscriptionResumed, bev.SubscriptionCancelled,
    bev.IndividualPriceSet, bev.InvoiceIssued, bev.InvoiceVoided, bev.CreditNoteIssued,
    cev.PaymentReallocated, cev.CreditAllocated, cev.RefundIssued, cev.ChargebackRecorded,
    cev.DebtWrittenOff, cev.DunningStepTaken, cev.PaymentLinkedToBankLine,
)


class CustomerTimeline(Projection):
    """Who did what, when, and why, for each customer."""

    name = "timeline"
    revision = 2  # 2: system-written reasons, references and formulas are nested messages
    tables = ("view_timeline",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_timeline ("
        " customer_id TEXT NOT NULL, version BIGINT NOT NULL, position BIGINT NOT NULL,"
        " event_type TEXT NOT NULL, recorded_at TEXT NOT NULL, effective_date TEXT NOT NULL,"
        " actor TEXT NOT NULL, source TEXT NOT NULL, reason TEXT, summary TEXT NOT NULL,"
        " message TEXT NOT NULL, params TEXT NOT NULL,"
        " correlation_id TEXT NOT NULL, idempotency_key TEXT,"
        " PRIMARY KEY (customer_id, version))",
        "CREATE INDEX IF NOT EXISTS view_timeline_position ON view_timeline (position)",
    )

    @on(*CUSTOMER_EVENTS)
    def happened(self, tx: Transaction, event: Any, position: int) -> None:
        """Add one line to the customer's timeline."""
        meta = event.meta
        line = describe(event)
        tx.execute(
            "INSERT INTO view_timeline (customer_id, version, position, event_type,"
            " recorded_at, effective_date, actor, source, reason, summary, message, params,"
            " correlation_id, idempotency_key) VALUES (:cid, :version, :position, :type, :at,"
            " :effective, :actor, :source, :reason, :summary, :message, :params, :correlation,"
            " :key)",
            {
                "cid": str(event.originator_id), "version": event.originator_version,
                "position": position, "type": type(event).__name__,
                "at": event.recorded_at.isoformat(),
                "effective": meta.effective_date.isoformat(), "actor": meta.actor,
                "source": meta.source, "reason": meta.reason, "summary": line.text,
                "message": line.message, "params": params_json(line.encoded()),
                "correlation": str(meta.correlation_id), "key": meta.idempotency_key,
            },
        )


def params_json(params: dict[str, Any]) -> str:
    """A line's values as stored: compact JSON with sorted keys (rebuilds write the same)."""
    return json.dumps(params, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def params_of(stored: str) -> dict[str, Any]:
    """A stored line's values, as :func:`projections.messages.render` reads them."""
    params: dict[str, Any] = json.loads(stored)
    return params
