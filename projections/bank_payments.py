"""Bank payments: every imported statement line, the unmatched queue, the import history.

One row per bank line, inserted when the line is imported and updated when an accountant
resolves or dismisses it, or when a later import classifies a skipped line again.
``reason`` always says why the line stands where it does: the classifier's reason for a
skipped line, the matcher's for a matched or queued one, the accountant's for a resolved
or dismissed one (``actor`` says who). ``position`` is the
import's log position, so a page of the queue stays stable while lines leave it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.banking import (
    BankPaymentDismissed,
    BankPaymentImported,
    BankPaymentLinked,
    BankPaymentReclassified,
    BankPaymentResolved,
)
from projections.base import Projection, on

if TYPE_CHECKING:
    from projections.store import Transaction


class BankPaymentRegister(Projection):
    """Every bank statement line with its status, match score and reason."""

    name = "bank_payments"
    revision = 2  # 2: a skipped line classified again by a later import moves on
    tables = ("view_bank_payments",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_bank_payments ("
        " bank_payment_id TEXT PRIMARY KEY, imported_at TEXT NOT NULL,"
        " file_sha256 TEXT NOT NULL, format TEXT NOT NULL, account TEXT NOT NULL,"
        " booked_on TEXT NOT NULL, number TEXT NOT NULL, amount BIGINT NOT NULL,"
        " currency TEXT NOT NULL, direction TEXT NOT NULL, payer_name TEXT, payer_inn TEXT,"
        " payer_kpp TEXT, purpose TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,"
        " score BIGINT NOT NULL, customer_id TEXT, invoice_ids TEXT NOT NULL,"
        " payment_id TEXT, actor TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " position BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_bank_payments_status"
        " ON view_bank_payments (status, position)",
        "CREATE INDEX IF NOT EXISTS view_bank_payments_file"
        " ON view_bank_payments (file_sha256, position)",
        "CREATE INDEX IF NOT EXISTS view_bank_payments_position"
        " ON view_bank_payments (position, bank_payment_id)",
    )

    @on(BankPaymentImported)
    def imported(self, tx: Transaction, event: BankPaymentImported, position: int) -> None:
        """Add the line as the import left it."""
        line = event.line
        tx.execute(
            "INSERT INTO view_bank_payments (bank_payment_id, imported_at, file_sha256, format,"
            " account, booked_on, number, amount, currency, direction, payer_name, payer_inn,"
            " payer_kpp, purpose, status, reason, score, customer_id, invoice_ids, payment_id,"
            " actor, updated_at, position) VALUES (:id, :at, :sha, :format, :account, :booked,"
            " :number, :amount, :currency, :direction, :payer, :inn, :kpp, :purpose, :status,"
            " :reason, :score, :cid, :invoices, :pid, :actor, :at, :position)",
            {
                "id": str(event.originator_id), "at": event.recorded_at.isoformat(),
                "sha": event.file_sha256, "format": event.statement_format,
                "account": line.account, "booked": line.booked_on.isoformat(),
                "number": line.number, "amount": line.amount.minor,
                "currency": line.amount.currency, "direction": line.direction,
                "payer": line.counterparty_name, "inn": line.counterparty_inn,
                "kpp": line.counterparty_kpp, "purpose": line.purpose,
                "status": event.status.value,
                "reason": event.match_reason if event.accepted else event.decision_reason,
                "score": event.score,
                "cid": None if event.customer_id is None else str(event.customer_id),
                "invoices": ",".join(event.invoice_ids), "pid": event.payment_id,
                "actor": event.meta.actor, "position": position,
            },
        )

    @on(BankPaymentReclassified)
    def reclassified(self, tx: Transaction, event: BankPaymentReclassified, _: int) -> None:
        """The line stands where the new classification put it (the import's actor)."""
        tx.execute(
            "UPDATE view_bank_payments SET status = :status, reason = :reason, score = :score,"
            " customer_id = :cid, invoice_ids = :invoices, payment_id = :pid, actor = :actor,"
            " updated_at = :at WHERE bank_payment_id = :id",
            {
                "status": event.status.value,
                "reason": event.match_reason if event.accepted else event.decision_reason,
                "score": event.score,
                "cid": None if event.customer_id is None else str(event.customer_id),
                "invoices": ",".join(event.invoice_ids), "pid": event.payment_id,
                "actor": event.meta.actor, "at": event.recorded_at.isoformat(),
                "id": str(event.originator_id),
            },
        )

    @on(BankPaymentResolved, BankPaymentLinked)
    def resolved(
        self, tx: Transaction, event: BankPaymentResolved | BankPaymentLinked, _: int
    ) -> None:
        """The line is now a customer's payment (new, or one typed in by hand); who, why."""
        invoices = event.invoice_ids if isinstance(event, BankPaymentResolved) else []
        tx.execute(
            "UPDATE view_bank_payments SET status = 'resolved', customer_id = :cid,"
            " invoice_ids = :invoices, payment_id = :pid, reason = :reason, actor = :actor,"
            " updated_at = :at WHERE bank_payment_id = :id",
            {
                "cid": str(event.customer_id), "invoices": ",".join(invoices),
                "pid": event.payment_id, "reason": event.meta.reason or "",
                "actor": event.meta.actor, "at": event.recorded_at.isoformat(),
                "id": str(event.originator_id),
            },
        )

    @on(BankPaymentDismissed)
    def dismissed(self, tx: Transaction, event: BankPaymentDismissed, _: int) -> None:
        """The line leaves the queue; say who decided it and why."""
        tx.execute(
            "UPDATE view_bank_payments SET status = 'dismissed', reason = :reason,"
            " actor = :actor, updated_at = :at WHERE bank_payment_id = :id",
            {
                "reason": event.meta.reason or "", "actor": event.meta.actor,
                "at": event.recorded_at.isoformat(), "id": str(event.originator_id),
            },
        )
