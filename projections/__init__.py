"""Read models fed by the event log: balances, debts, renewals, timelines, registers.

Each view is a :class:`projections.base.Projection` with its own tables. The
:class:`projections.runner.ProjectionRunner` applies events to all of them, moving each
one's tracking position in the same read-store transaction as its rows (exactly once).
The read store is SQLite (a file beside the event store's) or PostgreSQL (the same
database as the event store), behind one small interface (:mod:`projections.store`).
Projections import only ``ledger`` event classes and ``Money``; they never decide anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from projections.bank_payments import BankPaymentRegister
from projections.customers import CustomerBalances
from projections.dunning import DunningLog
from projections.invoices import InvoiceRegister
from projections.mrr import MrrMovements
from projections.outbox import WebhookOutbox
from projections.registers import PaymentRegister
from projections.renewals import RenewalCalendar
from projections.statement import CustomerStatement
from projections.tariffs import TariffCatalog
from projections.timeline import CustomerTimeline

if TYPE_CHECKING:
    from projections.base import Projection


def all_projections() -> list[Projection]:
    """One instance of every projection LBX maintains."""
    return [
        CustomerBalances(),
        RenewalCalendar(),
        CustomerTimeline(),
        PaymentRegister(),
        InvoiceRegister(),
        TariffCatalog(),
        BankPaymentRegister(),
        MrrMovements(),
        CustomerStatement(),
        DunningLog(),
        WebhookOutbox(),
    ]
