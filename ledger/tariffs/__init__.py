"""Tariffs: the versioned catalog of what LBX sells and how it is priced."""

from __future__ import annotations

from ledger.tariffs.aggregate import Tariff, tariff_id_for
from ledger.tariffs.definition import Component, TariffDefinition

__all__ = ["Component", "Tariff", "TariffDefinition", "tariff_id_for"]
