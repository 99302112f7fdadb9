"""Customers: the per-customer aggregate, its events and the state they add up to."""

from __future__ import annotations

from ledger.customers.aggregate import Customer, customer_id_for
from ledger.customers.state import CustomerState, ServiceStatus
from ledger.vat import VatMode

__all__ = ["Customer", "CustomerState", "ServiceStatus", "VatMode", "customer_id_for"]
