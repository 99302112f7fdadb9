"""The payment register: every payment received, line by line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.customers.events import PaymentReceived
from projections.base import Projection, on

if TYPE_CHECKING:
    from projections.store import Transaction


class PaymentRegister(Projection):
    """Every payment received, with payer details and where it came from."""

    name = "payments"
    tables = ("view_payments",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_payments ("
        " payment_id TEXT NOT NULL, customer_id TEXT NOT NULL, amount BIGINT NOT NULL,"
        " currency TEXT NOT NULL, received_on TEXT NOT NULL, payer_name TEXT, payer_inn TEXT,"
        " reference TEXT NOT NULL, method TEXT NOT NULL, source TEXT NOT NULL,"
        " recorded_at TEXT NOT NULL, position BIGINT NOT NULL,"
        " PRIMARY KEY (customer_id, payment_id))",
        "CREATE INDEX IF NOT EXISTS view_payments_on ON view_payments (received_on)",
        "CREATE INDEX IF NOT EXISTS view_payments_position"
        " ON view_payments (position, payment_id)",
    )

    @on(PaymentReceived)
    def received(self, tx: Transaction, event: PaymentReceived, position: int) -> None:
        """Add the payment to the register."""
        tx.execute(
            "INSERT INTO view_payments (payment_id, customer_id, amount, currency, received_on,"
            " payer_name, payer_inn, reference, method, source, recorded_at, position)"
            " VALUES (:pid, :cid, :amount, :currency, :on, :payer, :inn, :ref, :method,"
            " :source, :at, :position)",
            {
                "pid": event.payment_id, "cid": str(event.originator_id),
                "amount": event.amount.minor, "currency": event.amount.currency,
                "on": event.received_on.isoformat(), "payer": event.payer_name,
                "inn": event.payer_inn, "ref": event.reference, "method": event.method,
                "source": event.meta.source, "at": event.recorded_at.isoformat(),
                "position": position,
            },
        )
