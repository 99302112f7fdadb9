"""Registers an accountant reads line by line: payments received and charges made."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.customers.events import ChargeRecorded, PaymentReceived
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


class ChargeRegister(Projection):
    """Every charge, with its net, VAT and the period it pays for."""

    name = "charges"
    tables = ("view_charges",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_charges ("
        " charge_id TEXT NOT NULL, customer_id TEXT NOT NULL, amount BIGINT NOT NULL,"
        " net BIGINT NOT NULL, vat BIGINT NOT NULL, currency TEXT NOT NULL,"
        " description TEXT NOT NULL, kind TEXT NOT NULL, subscription_id TEXT,"
        " period_start TEXT, period_end TEXT, effective_date TEXT NOT NULL,"
        " position BIGINT NOT NULL, PRIMARY KEY (customer_id, charge_id))",
        "CREATE INDEX IF NOT EXISTS view_charges_date ON view_charges (effective_date)",
    )

    @on(ChargeRecorded)
    def recorded(self, tx: Transaction, event: ChargeRecorded, position: int) -> None:
        """Add the charge to the register."""
        tx.execute(
            "INSERT INTO view_charges (charge_id, customer_id, amount, net, vat, currency,"
            " description, kind, subscription_id, period_start, period_end, effective_date,"
            " position) VALUES (:chid, :cid, :amount, :net, :vat, :currency, :description,"
            " :kind, :sid, :start, :end, :effective, :position)",
            {
                "chid": event.charge_id, "cid": str(event.originator_id),
                "amount": event.amount.minor, "net": event.net.minor, "vat": event.vat.minor,
                "currency": event.amount.currency, "description": event.description,
                "kind": event.kind, "sid": event.subscription_id,
                "start": event.period_start.isoformat() if event.period_start else None,
                "end": event.period_end.isoformat() if event.period_end else None,
                "effective": event.effective_date.isoformat(), "position": position,
            },
        )
