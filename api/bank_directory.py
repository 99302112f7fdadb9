"""Bank imports from the outside: the views answer the matcher, settings name our accounts.

The command layer may not read views, so the bank import asks a
:class:`ledger.banking_match.Directory` for candidates; this module answers it from the
customer and invoice views. The views are brought up to the head of the log first, so
that a customer registered or an invoice issued a moment ago can already be matched.

Both ways in (``POST /v1/bank-statements`` and ``lbx import bank``) go through
:func:`import_bank_file`, so they classify, match and record a file identically.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from commands.base import Context
from commands.import_bank_statement import ImportBankStatement, ImportReport, handle
from ledger.banking_match import CustomerCandidate, InvoiceCandidate
from projections import queries

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from api.bootstrap import Services
    from ledger.events import Source
    from projections.store import ReadStore, Row


@dataclass(frozen=True)
class ViewDirectory:
    """The matcher's lookups, answered from the read store."""

    store: ReadStore

    def customers_by_inn(self, inn: str, kpp: str | None) -> list[CustomerCandidate]:  # noqa: ARG002
        """Every open customer under the ИНН (the matcher narrows by ``kpp`` itself)."""
        return [
            CustomerCandidate(UUID(row["customer_id"]), row["name"], row["currency"], row["kpp"])
            for row in queries.customers_by_inn(self.store, inn)
        ]

    def invoice_by_number(self, number: str) -> InvoiceCandidate | None:
        """The invoice with this number, or None."""
        row = queries.invoice_by_number(self.store, number)
        return None if row is None else _invoice(row)

    def open_invoices(self, customer_id: UUID) -> list[InvoiceCandidate]:
        """The customer's open invoices, oldest due first."""
        return [_invoice(row) for row in queries.open_invoices(self.store, str(customer_id))]


def _invoice(row: Row) -> InvoiceCandidate:
    return InvoiceCandidate(
        customer_id=UUID(row["customer_id"]), customer_name=row["name"],
        invoice_id=row["invoice_id"], number=row["number"], open_minor=int(row["open"]),
        currency=row["currency"],
    )


def import_bank_file(
    services: Services, data: bytes, *, actor: str, source: Source,
    filename: str | None = None, own_accounts: Sequence[str] | None = None,
    own_inn: str | None = None, batch_size: int = 100,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a statement file: the views answer the matcher, settings name our accounts.

    ``own_accounts`` and ``own_inn`` default to ``LBX_OWN_ACCOUNTS`` and ``LBX_OWN_INN``.

    Raises:
        UnreadableStatement: the bytes are not a statement; nothing is written.
    """
    command = ImportBankStatement(
        filename=filename,
        own_accounts=tuple(own_accounts or services.settings.own_accounts),
        own_inn=own_inn or services.settings.own_inn, batch_size=batch_size,
    )
    services.await_position(services.ledger.max_position())
    sha = hashlib.sha256(data).hexdigest()
    context = Context(actor=actor, source=source, idempotency_key=f"bank-statement/{sha}")
    return handle(command, context, services.runtime, data, ViewDirectory(services.store),
                  progress=progress)
