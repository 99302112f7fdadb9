"""Customers and balances: who the customers are, and what each owes or is owed, per currency.

``net`` is positive when the customer owes us (their debt) and negative when we owe them
(their credit), exactly as the ledger's ``Balance`` computes it.

What a CRM adds lives in two tables of its own, one row per tag and one per source
system's key, so that a list filters by tag and a CRM delivery finds its customer through
an index. They are new tables rather than new columns of ``view_customers`` because the
schema is applied with ``CREATE ... IF NOT EXISTS`` and there is no migration step: a new
table appears in an existing read store, a new column would not. Events before them carried
no tags and no source keys, so nothing is missed by tables that start empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued, InvoiceVoided
from ledger.customers.collections_events import ChargebackRecorded, DebtWrittenOff, RefundIssued
from ledger.customers.events import (
    AdjustmentRecorded,
    CustomerClosed,
    CustomerProfileUpdated,
    CustomerRegistered,
    PaymentReceived,
    ServiceStatusChanged,
    SubscriptionStarted,
)
from projections.base import Projection, on

if TYPE_CHECKING:
    from projections.store import ReadStore, Transaction

_PROFILE_FIELDS = ("name", "inn", "kpp", "email", "manager")


class CustomerBalances(Projection):
    """The customer directory and per-currency balances."""

    name = "customers"
    tables = ("view_customers", "view_balances", "view_customer_tags", "view_customer_ids")
    schema = (
        "CREATE TABLE IF NOT EXISTS view_customers ("
        " customer_id TEXT PRIMARY KEY, external_key TEXT NOT NULL, name TEXT NOT NULL,"
        " inn TEXT, kpp TEXT, email TEXT, manager TEXT, currency TEXT NOT NULL,"
        " status TEXT NOT NULL, registered_on TEXT NOT NULL,"
        " version BIGINT NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_customers_name ON view_customers (name)",
        "CREATE INDEX IF NOT EXISTS view_customers_key ON view_customers (external_key)",
        "CREATE INDEX IF NOT EXISTS view_customers_manager ON view_customers (manager)",
        "CREATE INDEX IF NOT EXISTS view_customers_status ON view_customers (status)",
        "CREATE TABLE IF NOT EXISTS view_balances ("
        " customer_id TEXT NOT NULL, currency TEXT NOT NULL,"
        " charged BIGINT NOT NULL DEFAULT 0, credited BIGINT NOT NULL DEFAULT 0,"
        " paid BIGINT NOT NULL DEFAULT 0,"
        " adjusted BIGINT NOT NULL DEFAULT 0, refunded BIGINT NOT NULL DEFAULT 0,"
        " written_off BIGINT NOT NULL DEFAULT 0, net BIGINT NOT NULL DEFAULT 0,"
        " updated_at TEXT NOT NULL, PRIMARY KEY (customer_id, currency))",
        "CREATE INDEX IF NOT EXISTS view_balances_net ON view_balances (net)",
        "CREATE TABLE IF NOT EXISTS view_customer_tags ("
        " customer_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (customer_id, tag))",
        "CREATE INDEX IF NOT EXISTS view_customer_tags_tag ON view_customer_tags (tag)",
        "CREATE TABLE IF NOT EXISTS view_customer_ids ("
        " system TEXT NOT NULL, external_id TEXT NOT NULL, customer_id TEXT NOT NULL,"
        " PRIMARY KEY (system, external_id))",
        "CREATE INDEX IF NOT EXISTS view_customer_ids_customer ON view_customer_ids"
        " (customer_id)",
    )

    @on(CustomerRegistered)
    def registered(self, tx: Transaction, event: CustomerRegistered, _: int) -> None:
        """Add the customer to the directory."""
        tx.execute(
            "INSERT INTO view_customers (customer_id, external_key, name, inn, kpp, email,"
            " manager, currency, status, registered_on, version, updated_at)"
            " VALUES (:id, :key, :name, :inn, :kpp, :email, :manager, :currency, 'active',"
            " :on, :version, :at)",
            {
                "id": str(event.originator_id), "key": event.external_key, "name": event.name,
                "inn": event.inn, "kpp": event.kpp, "email": event.email,
                "manager": event.manager, "currency": event.currency,
                "on": event.effective_date.isoformat(), "version": event.originator_version,
                "at": event.recorded_at.isoformat(),
            },
        )
        self._tags(tx, str(event.originator_id), event.tags)
        self._external_ids(tx, str(event.originator_id), event.external_ids)

    @on(CustomerProfileUpdated)
    def updated(self, tx: Transaction, event: CustomerProfileUpdated, _: int) -> None:
        """Copy the changed directory fields."""
        fields = {k: v for k, v in event.changes.items() if k in _PROFILE_FIELDS}
        assignments = "".join(f", {k} = :{k}" for k in fields)
        tx.execute(
            f"UPDATE view_customers SET version = :version, updated_at = :at{assignments}"  # noqa: S608
            " WHERE customer_id = :id",
            {**fields, **self._touch(event)},
        )
        if "tags" in event.changes:
            self._tags(tx, str(event.originator_id), event.changes["tags"])
        if "external_ids" in event.changes:
            self._external_ids(tx, str(event.originator_id), event.changes["external_ids"])

    @on(SubscriptionStarted)
    def subscribed(self, tx: Transaction, event: SubscriptionStarted, _: int) -> None:
        """A new subscription changes the customer (its tariffs come from the renewals view)."""
        tx.execute(
            "UPDATE view_customers SET version = :version, updated_at = :at"
            " WHERE customer_id = :id",
            self._touch(event),
        )

    @on(ServiceStatusChanged)
    def status_changed(self, tx: Transaction, event: ServiceStatusChanged, _: int) -> None:
        """Show the new service status."""
        self._status(tx, event, event.status.value)

    @on(CustomerClosed)
    def closed(self, tx: Transaction, event: CustomerClosed, _: int) -> None:
        """Show the customer as closed."""
        self._status(tx, event, "closed")

    @on(InvoiceIssued)
    def invoiced(self, tx: Transaction, event: InvoiceIssued, _: int) -> None:
        """An invoice adds its total to what the customer owes."""
        self._move(tx, event, event.total.currency, "charged", event.total.minor)

    @on(InvoiceVoided)
    def voided(self, tx: Transaction, event: InvoiceVoided, _: int) -> None:
        """A voided invoice no longer counts."""
        self._move(tx, event, event.total.currency, "charged", -event.total.minor)

    @on(CreditNoteIssued)
    def credited(self, tx: Transaction, event: CreditNoteIssued, _: int) -> None:
        """A credit note lowers what the customer owes."""
        self._move(tx, event, event.total.currency, "credited", event.total.minor)

    @on(PaymentReceived)
    def paid(self, tx: Transaction, event: PaymentReceived, _: int) -> None:
        """Take a payment off what the customer owes."""
        self._move(tx, event, event.amount.currency, "paid", event.amount.minor)

    @on(AdjustmentRecorded)
    def adjusted(self, tx: Transaction, event: AdjustmentRecorded, _: int) -> None:
        """Apply a signed correction."""
        self._move(tx, event, event.amount.currency, "adjusted", event.amount.minor)

    @on(RefundIssued, ChargebackRecorded)
    def refunded(
        self, tx: Transaction, event: RefundIssued | ChargebackRecorded, _: int
    ) -> None:
        """Money paid back (or taken back by the bank) is owed again, or credit no more."""
        self._move(tx, event, event.amount.currency, "refunded", event.amount.minor)

    @on(DebtWrittenOff)
    def written_off(self, tx: Transaction, event: DebtWrittenOff, _: int) -> None:
        """Bad debt written off is no longer owed."""
        self._move(tx, event, event.amount.currency, "written_off", event.amount.minor)

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _tags(tx: Transaction, customer_id: str, tags: list[str]) -> None:
        """Replace the customer's tags (events carry the whole list)."""
        tx.execute("DELETE FROM view_customer_tags WHERE customer_id = :id", {"id": customer_id})
        for tag in tags:
            tx.execute("INSERT INTO view_customer_tags (customer_id, tag) VALUES (:id, :tag)",
                       {"id": customer_id, "tag": tag})

    @staticmethod
    def _external_ids(tx: Transaction, customer_id: str, ids: dict[str, str]) -> None:
        """Replace the customer's keys in other systems (events carry the whole mapping).

        A key another customer held moves to this one: the latest event says who it is.
        """
        tx.execute("DELETE FROM view_customer_ids WHERE customer_id = :id", {"id": customer_id})
        for system, external_id in ids.items():
            tx.execute(
                "INSERT INTO view_customer_ids (system, external_id, customer_id)"
                " VALUES (:system, :key, :id) ON CONFLICT (system, external_id)"
                " DO UPDATE SET customer_id = excluded.customer_id",
                {"system": system, "key": external_id, "id": customer_id},
            )

    @staticmethod
    def _touch(event: Any) -> dict[str, Any]:
        return {
            "id": str(event.originator_id),
            "version": event.originator_version,
            "at": event.recorded_at.isoformat(),
        }

    def _status(self, tx: Transaction, event: Any, status: str) -> None:
        tx.execute(
            "UPDATE view_customers SET status = :status, version = :version, updated_at = :at"
            " WHERE customer_id = :id",
            {"status": status, **self._touch(event)},
        )

    def _move(self, tx: Transaction, event: Any, currency: str, column: str, minor: int) -> None:
        """Add ``minor`` to one column; ``net`` moves with the column's sign."""
        sign = -1 if column in {"paid", "written_off", "credited"} else 1
        tx.execute(
            f"INSERT INTO view_balances (customer_id, currency, {column}, net, updated_at)"  # noqa: S608
            " VALUES (:id, :currency, :minor, :net, :at)"
            " ON CONFLICT (customer_id, currency) DO UPDATE SET"
            f" {column} = view_balances.{column} + excluded.{column},"
            " net = view_balances.net + excluded.net, updated_at = excluded.updated_at",
            {"currency": currency, "minor": minor, "net": sign * minor, **self._touch(event)},
        )
        tx.execute(
            "UPDATE view_customers SET version = :version, updated_at = :at"
            " WHERE customer_id = :id",
            self._touch(event),
        )


def customer_by_external_id(store: ReadStore, system: str, external_id: str) -> str | None:
    """The id of the customer whose key in ``system`` is ``external_id``, if any."""
    row = store.query_one(
        "SELECT customer_id FROM view_customer_ids WHERE system = :system AND external_id = :key",
        {"system": system, "key": external_id})
    return None if row is None else str(row["customer_id"])


def tags_of(store: ReadStore, customer_id: str) -> list[str]:
    """A customer's tags, sorted."""
    rows = store.query("SELECT tag FROM view_customer_tags WHERE customer_id = :id ORDER BY tag",
                       {"id": customer_id})
    return [str(row["tag"]) for row in rows]
